/**
 * Live scoring in the score form, from the score definition the server ships as data
 * (`GET /api/v1/score-definitions`). Mirrors `osteon.encounters.scoring.compute` so the doctor sees the total,
 * band and missing-item verdict while filling the items; the server recomputes and stores the authoritative
 * result when the form is saved.
 */
import type { ScoreDefinitionRead, ScoreItemRead, ScoreMissingRuleRead } from '@/api/client'

export type ScoreDefinition = ScoreDefinitionRead
export type Answers = Record<string, number | null | undefined>
export interface Text {
  zh: string
  en: string
}

export interface LiveSubscale {
  id: string
  name: Text
  score: number | null
  answered: number
  itemCount: number
  missing: string[]
  imputed: string[]
  valid: boolean
}

export interface LiveScore {
  /** The total (percent for ODI), null while it cannot be given. */
  total: number | null
  band: Text | null
  subscales: LiveSubscale[]
  answered: number
  missing: string[]
  imputed: string[]
  /** The published missing-item rule is met (for subscale scores: at least one subscale). */
  scorable: boolean
  /** Every item answered. */
  complete: boolean
}

/** Round half away from zero on the decimal representation (Python's ROUND_HALF_UP, not banker's rounding). */
export function roundHalfUp(value: number, places = 2): number {
  const sign = value < 0 ? -1 : 1
  const shifted = Math.round(Number(`${Math.abs(value)}e${places}`))
  return sign * Number(`${shifted}e-${places}`)
}

/** Whether a block of `nItems` with `nMissing` unanswered may still be scored under `rule`. */
export function allows(rule: ScoreMissingRuleRead, nItems: number, nMissing: number): boolean {
  if (nMissing >= nItems) return false
  if (rule.max_missing !== null && rule.max_missing !== undefined && nMissing > rule.max_missing) return false
  const answered = (nItems - nMissing) / nItems
  if (rule.min_answered_fraction != null && answered < rule.min_answered_fraction) return false
  const frac = rule.min_answered_fraction_exclusive
  return !(frac != null && answered <= frac)
}

function minOf(item: ScoreItemRead): number {
  return item.options ? Math.min(...item.options.map((o) => o.value)) : (item.range?.min ?? 0)
}
function maxOf(item: ScoreItemRead): number {
  return item.options ? Math.max(...item.options.map((o) => o.value)) : (item.range?.max ?? 0)
}

/** Whether `value` is an allowed answer of the item (one of its options, or inside its range). */
export function validAnswer(item: ScoreItemRead, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  if (item.options) return item.options.some((o) => Math.abs(o.value - value) < 1e-9)
  return !!item.range && value >= item.range.min && value <= item.range.max
}

/** The band label for a score, matched on the score rounded to the band grid. */
export function bandOf(def: ScoreDefinition, score: number | null): Text | null {
  if (score === null || !def.bands.length) return null
  const r = roundHalfUp(score, def.scoring.band_rounding)
  return def.bands.find((b) => b.min <= r && r <= b.max)?.label ?? null
}

interface Block {
  raw: number
  summed: number
  missing: string[]
  imputed: string[]
  ok: boolean
}

function block(items: ScoreItemRead[], values: Map<string, number>, rule: ScoreMissingRuleRead): Block {
  const answered = items.filter((i) => values.has(i.id)).map((i) => values.get(i.id) as number)
  const missing = items.filter((i) => !values.has(i.id)).map((i) => i.id)
  const ok = allows(rule, items.length, missing.length)
  const raw = answered.reduce((a, b) => a + b, 0)
  if (ok && missing.length && rule.impute === 'mean') {
    return { raw, summed: raw + (raw / answered.length) * missing.length, missing, imputed: missing, ok }
  }
  return { raw, summed: raw, missing, imputed: [], ok }
}

/** Score the answers given so far with the definition's published rule (invalid values count as missing). */
export function liveScore(def: ScoreDefinition, answers: Answers): LiveScore {
  const values = new Map<string, number>()
  for (const item of def.items) {
    const v = answers[item.id]
    if (validAnswer(item, v)) values.set(item.id, v)
  }
  const answered = values.size
  const complete = answered === def.items.length
  const method = def.scoring.method

  if (method === 'sum' || method === 'percent_of_answered_max') {
    const b = block(def.items, values, def.scoring.missing)
    let total: number | null = null
    if (b.ok) {
      if (method === 'percent_of_answered_max') {
        // ODI: sum / (max per section × sections answered) × 100
        const possible = def.items.filter((i) => values.has(i.id)).reduce((a, i) => a + maxOf(i) - minOf(i), 0)
        total = roundHalfUp(roundHalfUp((b.raw / possible) * 100))
      } else {
        total = roundHalfUp(b.summed)
      }
    }
    const subscales = def.subscales.map((s): LiveSubscale => {
      const members = def.items.filter((i) => i.subscale === s.id)
      const missing = members.filter((i) => !values.has(i.id)).map((i) => i.id)
      const raw = members.filter((i) => values.has(i.id)).reduce((a, i) => a + (values.get(i.id) as number), 0)
      return { id: s.id, name: s.name, score: missing.length ? null : roundHalfUp(raw), answered: members.length - missing.length,
        itemCount: members.length, missing, imputed: [], valid: !missing.length }
    })
    return { total, band: bandOf(def, total), subscales, answered, missing: b.missing, imputed: b.ok ? b.imputed : [], scorable: b.ok, complete }
  }

  const subscales: LiveSubscale[] = []
  const missing: string[] = []
  const imputed: string[] = []
  for (const s of def.subscales) {
    const members = def.items.filter((i) => i.subscale === s.id)
    const b = block(members, values, s.missing ?? def.scoring.missing)
    missing.push(...b.missing)
    imputed.push(...b.imputed)
    let score: number | null = null
    if (b.ok) {
      if (method === 'subscale_transformed_100') {
        // KOOS: 100 − mean of answered items × 100 / item maximum
        const n = members.length - b.missing.length
        const itemMax = Math.max(...members.map(maxOf))
        score = roundHalfUp(100 - ((b.raw / n) * 100) / itemMax)
      } else {
        score = roundHalfUp(b.summed)
      }
    }
    subscales.push({ id: s.id, name: s.name, score, answered: members.length - b.missing.length, itemCount: members.length,
      missing: b.missing, imputed: b.ok ? b.imputed : [], valid: b.ok })
  }
  const valid = subscales.every((s) => s.valid)
  let total: number | null = null
  if (def.scoring.total_from_subscales && valid) total = roundHalfUp(subscales.reduce((a, s) => a + (s.score ?? 0), 0))
  return { total, band: bandOf(def, total), subscales, answered, missing, imputed, scorable: subscales.some((s) => s.valid), complete }
}

/** The answers to send: only valid answered items (an absent item is a missing item for the server). */
export function answersToSend(def: ScoreDefinition, answers: Answers): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of def.items) {
    const v = answers[item.id]
    if (validAnswer(item, v)) out[item.id] = v
  }
  return out
}

/** Suggested definitions first (in the template's order), then the others by code. */
export function orderDefinitions(defs: ScoreDefinition[], suggested: string[]): { suggested: ScoreDefinition[]; other: ScoreDefinition[] } {
  const byCode = new Map(defs.map((d) => [d.code, d]))
  const first = suggested.map((c) => byCode.get(c)).filter((d): d is ScoreDefinition => !!d)
  const rest = defs.filter((d) => !suggested.includes(d.code)).sort((a, b) => a.code.localeCompare(b.code))
  return { suggested: first, other: rest }
}

/** The input step of a continuous item: 0.1 on short scales (VAS cm, Harris ROM points), else 1. */
export function stepOf(item: ScoreItemRead): number {
  return item.range && item.range.max - item.range.min <= 10 ? 0.1 : 1
}

/** Items grouped by subscale in definition order (one unnamed group when the score has no subscales). */
export function groupItems(def: ScoreDefinition): { id: string | null; name: Text | null; items: ScoreItemRead[] }[] {
  if (!def.subscales.length) return [{ id: null, name: null, items: def.items }]
  const groups: { id: string | null; name: Text | null; items: ScoreItemRead[] }[] = []
  for (const item of def.items) {
    const last = groups[groups.length - 1]
    if (last && last.id === (item.subscale ?? null)) last.items.push(item)
    else groups.push({ id: item.subscale ?? null, name: def.subscales.find((s) => s.id === item.subscale)?.name ?? null, items: [item] })
  }
  return groups
}
