import type { EncounterSummary, RecordContent } from './api'

/** DOMAIN.md: 主诉 at most 20 characters (the server refuses more with a 422). */
export const CHIEF_COMPLAINT_MAX = 20

/** Length as the server counts it: NFC code points after trimming and collapsing spaces. */
export function chiefComplaintLength(v: string): number {
  return [...v.normalize('NFC').trim().replace(/\s+/g, ' ')].length
}

export function emptyContent(): RecordContent {
  return {
    chief_complaint: '',
    hpi: '',
    past_history: '',
    personal_history: '',
    family_history: '',
    allergies: '',
    exam: [],
    imaging_summary: '',
    diagnoses: [],
    plan: '',
  }
}

/** A stored record's JSON → an editable RecordContent (unknown keys dropped, missing ones defaulted). */
export function toContent(raw: Record<string, unknown>): RecordContent {
  const base = emptyContent()
  const out: Record<string, unknown> = { ...base }
  for (const k of Object.keys(base)) if (raw[k] !== undefined && raw[k] !== null) out[k] = raw[k]
  return JSON.parse(JSON.stringify(out)) as RecordContent
}

/**
 * The visit the editor opens for the patient in front of the doctor: the encounter of the called appointment;
 * otherwise today's open outpatient visit that belongs to no appointment — with an appointment, only while its
 * record is still a draft (a signed visit of the morning is not the afternoon's new complaint).
 */
export function pickTodaysEncounter(list: EncounterSummary[], appointmentId: string | null, now: Date = new Date()): EncounterSummary | null {
  if (appointmentId) {
    const linked = list.find((e) => e.appointment_id === appointmentId)
    if (linked) return linked
  }
  const day = now.toDateString()
  return (
    list.find(
      (e) =>
        e.encounter_class !== 'inpatient' &&
        e.status === 'in_progress' &&
        !e.appointment_id &&
        new Date(e.started_at).toDateString() === day &&
        (!appointmentId || (e.record_status ?? 'draft') === 'draft'),
    ) ?? null
  )
}

/** A class of a fracture classification (GET /codes/fracture-classifications/{system}). */
export interface FractureClass {
  code: string
  name: { zh: string; en: string }
  description?: { zh: string; en: string } | null
  children?: FractureClass[]
}
export interface FractureSystem {
  system: string
  name: { zh: string; en: string }
  applies_to: string[]
  classes: FractureClass[]
}

/** The classification systems that apply to an ICD-10 code (by the stems each system lists, e.g. Garden → S72.0). */
export function systemsFor(icd10: string, systems: FractureSystem[]): FractureSystem[] {
  const code = icd10.toUpperCase()
  return systems.filter((s) => s.applies_to.some((stem) => code.startsWith(stem.toUpperCase())))
}

/** The class tree as one option list (parent › child labels), each code once. */
export function flattenClasses(classes: FractureClass[], lang: 'zh' | 'en', prefix = '', seen = new Set<string>()): { code: string; label: string }[] {
  const out: { code: string; label: string }[] = []
  for (const c of classes) {
    const label = prefix ? `${prefix} › ${c.name[lang]}` : c.name[lang]
    if (!seen.has(c.code)) {
      seen.add(c.code)
      out.push({ code: c.code, label: `${c.code} ${label}` })
    }
    if (c.children?.length) out.push(...flattenClasses(c.children, lang, label, seen))
  }
  return out
}
