import {
  data,
  encountersAddScore,
  encountersAmendRecord,
  encountersGetEncounter,
  encountersGetFractureClassification,
  encountersGetTemplate,
  encountersListFractureClassifications,
  encountersListPatientScores,
  encountersListScoreDefinitions,
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
  PatientScoreRead,
  RecordContent,
  RecordRead,
  RecordVersionRead,
  ScoreDefinitionRead,
  ScoreRead,
  TemplateRead,
} from '@/api/client'

import type { FractureSystem } from './record'

export type { EncounterRead, EncounterSummary, PatientScoreRead, RecordContent, RecordRead, RecordVersionRead, ScoreDefinitionRead, ScoreRead, TemplateRead }

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

let definitionsCache: Promise<ScoreDefinitionRead[]> | null = null
/** Score definitions (data; loaded once per page, retried after a failure). */
export function scoreDefinitions(): Promise<ScoreDefinitionRead[]> {
  if (!definitionsCache) {
    definitionsCache = data(encountersListScoreDefinitions()) as Promise<ScoreDefinitionRead[]>
    definitionsCache.catch(() => (definitionsCache = null))
  }
  return definitionsCache
}
/** A patient's recorded scores across visits, oldest first. */
export function patientScores(patientId: string, code?: string): Promise<PatientScoreRead[]> {
  return data(encountersListPatientScores({ path: { patient_id: patientId }, query: code ? { code } : {} })) as Promise<PatientScoreRead[]>
}

let fractureCache: Promise<FractureSystem[]> | null = null
/** Every fracture classification system with its class tree (data; loaded once per page). */
export function fractureSystems(): Promise<FractureSystem[]> {
  if (!fractureCache) {
    fractureCache = (data(encountersListFractureClassifications()) as Promise<string[]>).then((names) =>
      Promise.all(names.map((system) => data(encountersGetFractureClassification({ path: { system } })) as unknown as Promise<FractureSystem>)),
    )
    fractureCache.catch(() => (fractureCache = null))
  }
  return fractureCache
}
