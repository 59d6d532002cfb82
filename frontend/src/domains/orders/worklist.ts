/** Pure rules of the imaging worklist screen: which step a line offers, how an exam is described, filters. */

export type WorklistAction = 'schedule' | 'perform' | 'report'

export interface WorklistOrder {
  status: string
  next_steps?: string[]
  accession_number?: string | null
  details: Record<string, unknown>
}

export interface WorklistLine {
  order: WorklistOrder
  patient: { mrn: string; name_masked: string }
}

/** The step the department can take now (from the server's next_steps); null when the line waits for someone else. */
export function nextAction(o: WorklistOrder): WorklistAction | null {
  const steps = o.next_steps ?? []
  if (steps.includes('scheduled')) return 'schedule'
  if (steps.includes('performed')) return 'perform'
  if (steps.includes('reported')) return 'report'
  return null
}

/** An outpatient exam that the cashier has not taken payment for yet (the API refuses scheduling until then). */
export function awaitingPayment(o: WorklistOrder): boolean {
  return o.status === 'ordered' && (o.next_steps ?? []).includes('paid')
}

/** Lines still needing the department, first; within each group the server's order (oldest first) is kept. */
export function sortForWork<T extends WorklistLine>(lines: T[]): T[] {
  const rank = (l: T) => (nextAction(l.order) ? 0 : awaitingPayment(l.order) ? 1 : 2)
  return lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => rank(a.l) - rank(b.l) || a.i - b.i)
    .map((x) => x.l)
}

/** Filter by status group and a free-text query on accession number, MRN or masked name. */
export function filterLines<T extends WorklistLine>(lines: T[], status: string, query: string): T[] {
  const q = query.trim().toLowerCase()
  return lines.filter((l) => {
    if (status === 'todo' && !nextAction(l.order)) return false
    if (status !== 'todo' && status !== 'all' && l.order.status !== status) return false
    if (!q) return true
    return [l.order.accession_number ?? '', l.patient.mrn, l.patient.name_masked].some((v) => v.toLowerCase().includes(q))
  })
}

/** The exam's body part / side / views as one short line ("HIP · 右 · AP, LAT"); side labels come from the caller. */
export function examLine(details: Record<string, unknown>, side: (laterality: string) => string): string {
  const parts: string[] = []
  if (typeof details.modality === 'string') parts.push(details.modality)
  if (typeof details.body_part === 'string' && details.body_part) parts.push(details.body_part)
  if (typeof details.laterality === 'string' && details.laterality !== 'none') parts.push(side(details.laterality))
  const views = Array.isArray(details.views) ? details.views.filter((v): v is string => typeof v === 'string') : []
  if (views.length) parts.push(views.join(', '))
  return parts.join(' · ')
}

/** The report can be sent: some findings or an impression (the server refuses an empty imaging report too). */
export function reportReady(findings: string, impression: string): boolean {
  return findings.trim().length > 0 || impression.trim().length > 0
}
