import {
  data,
  encountersAddScore,
  encountersAmendRecord,
  encountersGetEncounter,
  encountersGetTemplate,
  encountersListPatientEncounters,
  encountersListTemplates,
  encountersOpenEncounter,
  encountersRecordVersions,
  encountersSaveRecord,
  encountersSearchIcd10,
  encountersSignRecord,
} from '@/api/client'
import type {
  EncounterCreate,
  EncounterRead,
  EncounterSummary,
  RecordContent,
  RecordRead,
  RecordVersionRead,
  ScoreRead,
  TemplateRead,
} from '@/api/client'

export type { EncounterRead, EncounterSummary, RecordContent, RecordRead, RecordVersionRead, ScoreRead, TemplateRead }

export interface Icd10Hit {
  code: string
  name_zh: string
  name_en: string
}

export function openEncounter(body: EncounterCreate): Promise<EncounterRead> {
  return data(encountersOpenEncounter({ body }))
}
export function getEncounter(id: string): Promise<EncounterRead> {
  return data(encountersGetEncounter({ path: { encounter_id: id } }))
}
export function patientEncounters(patientId: string): Promise<EncounterSummary[]> {
  return data(encountersListPatientEncounters({ path: { patient_id: patientId } }))
}
export function saveRecord(id: string, version: number, content: RecordContent, template?: string | null): Promise<RecordRead> {
  return data(encountersSaveRecord({ path: { encounter_id: id }, body: { version, content, template } })) as Promise<RecordRead>
}
export function signRecord(id: string, version: number): Promise<RecordRead> {
  return data(encountersSignRecord({ path: { encounter_id: id }, body: { version } })) as Promise<RecordRead>
}
export function amendRecord(id: string, version: number, content: RecordContent, reason: string): Promise<RecordRead> {
  return data(encountersAmendRecord({ path: { encounter_id: id }, body: { version, content, reason } })) as Promise<RecordRead>
}
export function recordVersions(id: string): Promise<RecordVersionRead[]> {
  return data(encountersRecordVersions({ path: { encounter_id: id } }))
}
export function addScore(id: string, code: string, answers: Record<string, unknown>): Promise<ScoreRead> {
  return data(encountersAddScore({ path: { encounter_id: id }, body: { code, answers } })) as Promise<ScoreRead>
}
export function listTemplates(): Promise<TemplateRead[]> {
  return data(encountersListTemplates()) as Promise<TemplateRead[]>
}
export function getTemplate(code: string): Promise<TemplateRead> {
  return data(encountersGetTemplate({ path: { code } })) as Promise<TemplateRead>
}
export function searchIcd10(q: string): Promise<Icd10Hit[]> {
  return data(encountersSearchIcd10({ query: { q } })) as unknown as Promise<Icd10Hit[]>
}
