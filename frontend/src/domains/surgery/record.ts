/** Pure rules of the surgical record form (手术记录): checks before sending, and the request body. */

export interface ImplantRow {
  manufacturer: string
  product: string
  lot: string
  udi: string
  quantity: number
}

export interface RecordForm {
  /** `datetime-local` values (the browser's zone, which is the hospital's on the workstation) */
  start: string
  end: string
  codes: { code: string; name: string }[]
  grade: number | null
  bloodLossMl: number | null
  implants: ImplantRow[]
  note: string
}

export type RecordProblem = 'times' | 'endBeforeStart' | 'future' | 'codes' | 'grade' | 'bloodLoss' | 'implant'

/** A `datetime-local` value as an ISO instant with zone (the API refuses naive times); '' when not a time. */
export function localToIso(local: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(local)) return ''
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}

/** An ISO instant as a `datetime-local` value in the browser's zone (to prefill from the booking). */
export function isoToLocal(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

/** An implant row the user started filling (any field) — only those are checked and sent. */
export function implantTouched(i: ImplantRow): boolean {
  return [i.manufacturer, i.product, i.lot, i.udi].some((v) => v.trim() !== '')
}

/** What the form still lacks, before the server's own checks (which stay authoritative). */
export function recordProblems(f: RecordForm, now: Date = new Date()): RecordProblem[] {
  const out: RecordProblem[] = []
  const start = localToIso(f.start)
  const end = localToIso(f.end)
  if (!start || !end) out.push('times')
  else if (new Date(end) <= new Date(start)) out.push('endBeforeStart')
  else if (new Date(end).getTime() > now.getTime() + 5 * 60_000) out.push('future')
  if (!f.codes.length) out.push('codes')
  if (f.grade !== null && (f.grade < 1 || f.grade > 4)) out.push('grade')
  if (f.bloodLossMl === null || f.bloodLossMl < 0 || f.bloodLossMl > 20_000 || !Number.isInteger(f.bloodLossMl)) out.push('bloodLoss')
  if (f.implants.filter(implantTouched).some((i) => !i.manufacturer.trim() || !i.product.trim() || !i.lot.trim() || i.quantity < 1)) {
    out.push('implant')
  }
  return out
}

/** The body of POST /surgeries/{id}/record (call only when recordProblems() is empty). */
export function recordBody(f: RecordForm) {
  return {
    actual_start_at: localToIso(f.start),
    actual_end_at: localToIso(f.end),
    procedures: f.codes.map((c) => ({ code: c.code })),
    grade: f.grade,
    blood_loss_ml: f.bloodLossMl ?? 0,
    implants: f.implants.filter(implantTouched).map((i) => ({
      manufacturer: i.manufacturer.trim(),
      product: i.product.trim(),
      lot: i.lot.trim(),
      udi: i.udi.trim(),
      quantity: i.quantity,
    })),
    operative_note: f.note,
  }
}

/** Minutes as days/hours/minutes for the unplanned-return interval ("1 d 3 h 20 min" is composed by the caller). */
export function splitMinutes(total: number): { d: number; h: number; m: number } {
  const t = Math.max(0, Math.round(total))
  return { d: Math.floor(t / 1440), h: Math.floor((t % 1440) / 60), m: t % 60 }
}
