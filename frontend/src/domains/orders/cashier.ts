/** Pure rules of the cashier screen: exact sums in fen, yuan display, totals by category, the receipt. */

export interface ChargeLine {
  id: string
  category: string
  item_code: string
  item_name: string
  unit_price_fen: number
  quantity: number
  amount_fen: number
  status: string
  service_date: string
  paid_at?: string | null
  payment_ref?: string
}

/** Fen (integer) as a yuan string with two decimals, without floating-point arithmetic: 12345 → "123.45". */
export function yuan(fen: number): string {
  if (!Number.isInteger(fen)) throw new Error(`not an amount in fen: ${fen}`)
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Sum of the chosen lines in fen (integers: exact). */
export function totalFen(lines: Pick<ChargeLine, 'amount_fen'>[]): number {
  return lines.reduce((s, l) => s + l.amount_fen, 0)
}

/** Totals per category in first-seen order (药品, 检查 … on the receipt). */
export function byCategory(lines: Pick<ChargeLine, 'category' | 'amount_fen'>[]): { category: string; fen: number }[] {
  const out = new Map<string, number>()
  for (const l of lines) out.set(l.category, (out.get(l.category) ?? 0) + l.amount_fen)
  return [...out].map(([category, fen]) => ({ category, fen }))
}

export interface Receipt {
  reference: string
  paidAt: string
  lines: ChargeLine[]
  totalFen: number
  categories: { category: string; fen: number }[]
}

/** The receipt of one payment from the charges the server returned as paid (one gateway reference per payment). */
export function receiptOf(paid: ChargeLine[]): Receipt {
  const refs = [...new Set(paid.map((c) => c.payment_ref ?? ''))]
  if (!paid.length || refs.length !== 1 || !refs[0]) throw new Error('a receipt needs the charges of one payment')
  return {
    reference: refs[0],
    paidAt: paid[0].paid_at ?? '',
    lines: paid,
    totalFen: totalFen(paid),
    categories: byCategory(paid),
  }
}
