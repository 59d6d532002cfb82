// @vitest-environment node
/**
 * Live scoring of the encounter score form, checked on the real score data files
 * (src/osteon/encounters/data/scores/*.yaml, as `GET /api/v1/score-definitions` ships them) against the worked
 * examples of the Python suite (tests/encounters/test_scoring.py).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  allows,
  answersToSend,
  bandOf,
  groupItems,
  liveScore,
  orderDefinitions,
  roundHalfUp,
  stepOf,
  type Answers,
  type ScoreDefinition,
} from '@/domains/encounters/score'

const DIR = fileURLToPath(new URL('../../src/osteon/encounters/data/scores/', import.meta.url))
const defs: Record<string, ScoreDefinition> = {}

type Raw = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the API returns for a YAML definition: option sets resolved, defaults filled. */
function toApi(raw: Raw): ScoreDefinition {
  const sets: Raw = raw.option_sets ?? {}
  const missing = (m: Raw | undefined) => ({
    max_missing: m && 'max_missing' in m ? m.max_missing : 0,
    min_answered_fraction: m?.min_answered_fraction ?? null,
    min_answered_fraction_exclusive: m?.min_answered_fraction_exclusive ?? null,
    impute: m?.impute ?? 'none',
  })
  return {
    code: raw.code, abbreviation: raw.abbreviation, name: raw.name, version: String(raw.version), kind: raw.kind,
    direction: raw.direction, unit: raw.unit, range: raw.range, sources: raw.sources, licence: raw.licence,
    item_text_paraphrased: raw.item_text_paraphrased,
    items: raw.items.map((i: Raw) => ({
      id: i.id, text: i.text, subscale: i.subscale ?? null, note: i.note ?? null, range: i.range ?? null,
      options: typeof i.options === 'string' ? sets[i.options] : (i.options ?? null),
    })),
    subscales: (raw.subscales ?? []).map((s: Raw) => ({ ...s, missing: s.missing ? missing(s.missing) : null })),
    scoring: { method: raw.scoring.method, missing: missing(raw.scoring.missing), rule: raw.scoring.rule,
      band_rounding: raw.scoring.band_rounding ?? 0, total_from_subscales: raw.scoring.total_from_subscales ?? false },
    bands: raw.bands ?? [],
  } as ScoreDefinition
}

beforeAll(async () => {
  const name = 'js-yaml' // a dev dependency without type declarations: a variable keeps it out of the type checker
  const yaml = (await import(/* @vite-ignore */ name)) as { load: (s: string) => unknown }
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.yaml'))) {
    const d = toApi(yaml.load(readFileSync(DIR + f, 'utf-8')) as Raw)
    defs[d.code] = d
  }
})

function all(code: string, value: number): Answers {
  return Object.fromEntries(defs[code].items.map((i) => [i.id, value]))
}
function best(code: string): Answers {
  return Object.fromEntries(defs[code].items.map((i) => [i.id, i.options ? Math.max(...i.options.map((o) => o.value)) : i.range!.max]))
}

describe('rounding', () => {
  it('rounds half up like the server, not to even', () => {
    expect(roundHalfUp(35.555)).toBe(35.56)
    expect(roundHalfUp(1.005)).toBe(1.01)
    expect(roundHalfUp(20.5, 0)).toBe(21)
    expect(roundHalfUp(-2.5, 0)).toBe(-3)
  })
})

describe('missing-item rules', () => {
  const rule = { max_missing: null, min_answered_fraction: 0.5, min_answered_fraction_exclusive: null, impute: 'mean' as const }
  it('KOOS: a subscale needs half of its items', () => {
    expect(allows(rule, 9, 4)).toBe(true)
    expect(allows(rule, 9, 5)).toBe(false)
    expect(allows(rule, 4, 2)).toBe(true)
  })
  it('nothing answered is never scorable', () => {
    expect(allows({ ...rule, min_answered_fraction: null }, 3, 3)).toBe(false)
  })
})

describe('live score on the shipped definitions', () => {
  it('loads every definition', () => {
    expect(Object.keys(defs).sort()).toEqual(
      ['harris_hip', 'joa_cervical', 'joa_lumbar', 'koos', 'nrs_pain', 'odi', 'oxford_hip', 'oxford_knee', 'vas_pain', 'womac'],
    )
  })

  it('ODI worked example: 16 of 50 → 32 % moderate; one section omitted → 35.56 %; two → not scorable', () => {
    const ids = defs.odi.items.map((i) => i.id)
    const answers: Answers = Object.fromEntries(ids.map((id, k) => [id, k < 8 ? 2 : 0]))
    let r = liveScore(defs.odi, answers)
    expect(r.total).toBe(32)
    expect(r.band?.en).toBe('moderate disability')
    expect(r.complete).toBe(true)
    answers.sex_life = null
    answers.social_life = 2
    r = liveScore(defs.odi, answers)
    expect(r.total).toBe(35.56)
    expect(r.missing).toEqual(['sex_life'])
    expect(r.scorable && !r.complete).toBe(true)
    delete answers.travelling
    r = liveScore(defs.odi, answers)
    expect(r.scorable).toBe(false)
    expect(r.total).toBeNull()
    expect(r.band).toBeNull()
  })

  it('KOOS pain formula and subscale mean substitution', () => {
    const answers: Answers = Object.fromEntries([1, 2, 1, 2, 1, 2, 1, 2, 1].map((v, i) => [`P${i + 1}`, v]))
    let r = liveScore(defs.koos, answers)
    expect(r.subscales.find((s) => s.id === 'pain')?.score).toBe(63.89)
    expect(r.subscales.find((s) => s.id === 'adl')?.valid).toBe(false)
    expect(r.total).toBeNull()
    expect(r.scorable).toBe(true)
    r = liveScore(defs.koos, Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`P${i + 1}`, 2])))
    const pain = r.subscales.find((s) => s.id === 'pain')
    expect(pain?.score).toBe(50)
    expect(pain?.imputed).toEqual(['P9'])
    expect(liveScore(defs.koos, { P1: 1, S1: 1, Q1: 1 }).scorable).toBe(false)
    expect(liveScore(defs.koos, all('koos', 0)).subscales.every((s) => s.score === 100)).toBe(true)
  })

  it('Oxford: two missing items take the mean, three are too many', () => {
    const answers = all('oxford_knee', 3)
    delete answers.q11
    delete answers.q12
    let r = liveScore(defs.oxford_knee, answers)
    expect(r.total).toBe(36)
    expect(r.imputed).toEqual(['q11', 'q12'])
    r = liveScore(defs.oxford_knee, Object.fromEntries([2, 3, 2, 3, 2, 3, 2, 3, 2, 3].map((v, i) => [`q${i + 1}`, v])))
    expect(r.total).toBe(30)
    expect(r.band?.en).toBe('mild to moderate')
    delete answers.q1
    expect(liveScore(defs.oxford_knee, answers).scorable).toBe(false)
    expect(liveScore(defs.oxford_hip, all('oxford_hip', 4)).band?.en).toBe('satisfactory joint function')
  })

  it('WOMAC: imputation within the limits, total only when every subscale is valid', () => {
    const answers = all('womac', 2)
    delete answers.P5
    let r = liveScore(defs.womac, answers)
    expect(r.subscales.find((s) => s.id === 'pain')?.score).toBe(10)
    expect(r.total).toBe(48)
    const one = all('womac', 1)
    delete one.P1
    delete one.P2
    r = liveScore(defs.womac, one)
    expect(r.subscales.find((s) => s.id === 'pain')?.score).toBeNull()
    expect(r.subscales.find((s) => s.id === 'function')?.score).toBe(17)
    expect(r.total).toBeNull()
    expect(liveScore(defs.womac, all('womac', 4)).total).toBe(96)
  })

  it('Harris Hip worked example → 88 good; every item required', () => {
    const answers = { ...best('harris_hip'), pain: 40, limp: 8, distance: 8, stairs: 2 }
    const r = liveScore(defs.harris_hip, answers)
    expect(r.total).toBe(88)
    expect(r.band?.en).toBe('good')
    expect(r.subscales.find((s) => s.id === 'function')?.score).toBe(39)
    expect(liveScore(defs.harris_hip, { ...answers, rom: null }).scorable).toBe(false)
    expect(stepOf(defs.harris_hip.items.find((i) => i.id === 'rom')!)).toBe(0.1)
  })

  it('JOA lumbar can be negative (bladder)', () => {
    const r = liveScore(defs.joa_lumbar, best('joa_lumbar'))
    expect(r.total).toBe(29)
    const worstBladder = defs.joa_lumbar.items.find((i) => i.subscale === 'bladder')!
    const min = Math.min(...worstBladder.options!.map((o) => o.value))
    expect(liveScore(defs.joa_lumbar, { ...best('joa_lumbar'), [worstBladder.id]: min }).total).toBe(29 + min)
  })

  it('VAS bands use the value rounded to a whole cm; out-of-range input counts as missing', () => {
    expect(liveScore(defs.vas_pain, { pain: 6.5 }).band?.en).toBe('severe pain')
    expect(liveScore(defs.vas_pain, { pain: 6.4 }).band?.en).toBe('moderate pain')
    expect(bandOf(defs.vas_pain, 0.4)?.en).toBe('no pain')
    const r = liveScore(defs.vas_pain, { pain: 11 })
    expect(r.scorable).toBe(false)
    expect(answersToSend(defs.vas_pain, { pain: 11 })).toEqual({})
    expect(answersToSend(defs.nrs_pain, { pain: 7 })).toEqual({ pain: 7 })
    expect(answersToSend(defs.nrs_pain, { pain: 7.5 })).toEqual({})
  })
})

describe('form helpers', () => {
  it('puts the template suggestions first in their order', () => {
    const { suggested, other } = orderDefinitions(Object.values(defs), ['vas_pain', 'harris_hip', 'unknown'])
    expect(suggested.map((d) => d.code)).toEqual(['vas_pain', 'harris_hip'])
    expect(other.map((d) => d.code)).not.toContain('vas_pain')
    expect(other).toHaveLength(8)
  })
  it('groups items by subscale', () => {
    expect(groupItems(defs.odi)).toHaveLength(1)
    const g = groupItems(defs.harris_hip)
    expect(g.map((x) => x.id)).toEqual(['pain', 'function', 'deformity', 'rom'])
    expect(g.reduce((n, x) => n + x.items.length, 0)).toBe(10)
  })
})

import { pickTodaysEncounter } from '@/domains/encounters/record'

describe('which visit the editor opens', () => {
  const now = new Date('2026-11-26T06:00:00Z')
  const base = { patient_id: 'p', encounter_class: 'outpatient', subspecialty: null, chief_complaint: '', visit_no: 'MZ' }
  const morning = { ...base, id: 'm', status: 'in_progress', started_at: '2026-11-26T01:00:00Z', appointment_id: null, record_status: 'signed' }
  const linked = { ...base, id: 'l', status: 'in_progress', started_at: '2026-11-26T05:00:00Z', appointment_id: 'a2', record_status: 'draft' }
  it('opens the visit of the called appointment', () => {
    expect(pickTodaysEncounter([linked, morning], 'a2', now)?.id).toBe('l')
  })
  it('does not reopen a signed unlinked visit for another appointment', () => {
    expect(pickTodaysEncounter([morning], 'a3', now)).toBeNull()
    expect(pickTodaysEncounter([{ ...morning, record_status: 'draft' }], 'a3', now)?.id).toBe('m')
  })
  it('without an appointment opens today\'s open visit', () => {
    expect(pickTodaysEncounter([morning], null, now)?.id).toBe('m')
    expect(pickTodaysEncounter([{ ...morning, status: 'finished' }], null, now)).toBeNull()
  })
})

import { flattenClasses, systemsFor, type FractureSystem } from '@/domains/encounters/record'

describe('fracture classification aids in the diagnosis row', () => {
  let systems: FractureSystem[] = []
  beforeAll(async () => {
    const name = 'js-yaml'
    const yaml = (await import(/* @vite-ignore */ name)) as { load: (s: string) => unknown }
    const file = fileURLToPath(new URL('../../src/osteon/encounters/data/fracture_classifications.yaml', import.meta.url))
    const raw = yaml.load(readFileSync(file, 'utf-8')) as { systems: Record<string, Omit<FractureSystem, 'system'>> }
    systems = Object.entries(raw.systems).map(([system, s]) => ({ ...s, system }))
  })
  it('offers Garden and AO/OTA for a femoral neck fracture, nothing for a lumbar stenosis', () => {
    expect(systemsFor('S72.0', systems).map((s) => s.system).sort()).toEqual(['ao_ota', 'garden'])
    expect(systemsFor('s82.1', systems).map((s) => s.system).sort()).toEqual(['ao_ota', 'schatzker'])
    expect(systemsFor('M48.061', systems)).toEqual([])
  })
  it('lists the class tree once per code with its path', () => {
    const garden = flattenClasses(systems.find((s) => s.system === 'garden')!.classes, 'zh')
    expect(garden.map((o) => o.code)).toEqual(['I', 'II', 'III', 'IV'])
    const ao = flattenClasses(systems.find((s) => s.system === 'ao_ota')!.classes, 'en')
    expect(new Set(ao.map((o) => o.code)).size).toBe(ao.length)
    expect(ao.find((o) => o.code === '11A')?.label).toContain('Humerus › Proximal humerus › ')
  })
})
