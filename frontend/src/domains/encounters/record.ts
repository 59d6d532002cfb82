import type { RecordContent } from './api'

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
