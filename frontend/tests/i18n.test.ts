// @vitest-environment node
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '@/i18n/locales/en'
import zhCN from '@/i18n/locales/zh-CN'

function flatten(obj: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}

function placeholders(msg: string): string[] {
  return [...msg.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) {
      if (name !== 'generated' && name !== 'locales') out.push(...sourceFiles(p))
    } else if (/\.(vue|ts)$/.test(name)) out.push(p)
  }
  return out
}

const zh = flatten(zhCN)
const enFlat = flatten(en)

describe('i18n completeness', () => {
  it('every zh-CN key exists in en', () => {
    expect([...zh.keys()].filter((k) => !enFlat.has(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect([...enFlat.keys()].filter((k) => !zh.has(k))).toEqual([])
  })

  it('no message is empty and placeholders match', () => {
    for (const [k, v] of zh) {
      expect(v.trim(), k).not.toBe('')
      expect(enFlat.get(k)!.trim(), k).not.toBe('')
      expect(placeholders(enFlat.get(k)!), k).toEqual(placeholders(v))
    }
  })

  it('messages avoid vue-i18n special characters that would break rendering', () => {
    for (const [k, v] of [...zh, ...enFlat]) {
      expect(/[@|$]/.test(v), `${k}: ${v}`).toBe(false)
    }
  })

  it('every literal key used in the source exists', () => {
    const root = join(__dirname, '..', 'src')
    const used = new Set<string>()
    const patterns = [
      /\$t\(\s*'([a-zA-Z0-9_.]+)'/g,
      /[^\w$.]t\(\s*'([a-zA-Z0-9_.]+)'/g,
      /(?:titleKey|labelKey|descKey):\s*'([a-zA-Z0-9_.]+)'/g,
      /keypath="([a-zA-Z0-9_.]+)"/g,
      /'(errors\.[a-zA-Z0-9_.]+)'/g,
      /required\('([a-zA-Z0-9_.]+)'/g,
    ]
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8')
      for (const re of patterns) for (const m of text.matchAll(re)) if (m[1].includes('.')) used.add(m[1])
    }
    expect(used.size).toBeGreaterThan(100)
    expect([...used].filter((k) => !zh.has(k)).sort()).toEqual([])
  })

  it('enumerations used through dynamic keys are translated', () => {
    for (const prefix of ['roles', 'patients.sex', 'patients.insurance']) {
      expect([...zh.keys()].some((k) => k.startsWith(prefix + '.'))).toBe(true)
    }
    for (const r of ['system_admin', 'security_admin', 'audit_admin', 'dept_head', 'doctor', 'nurse', 'technician', 'expert', 'patient']) {
      expect(zh.has(`roles.${r}`)).toBe(true)
    }
    for (const i of ['employee', 'resident', 'self_pay', 'commercial', 'other']) {
      expect(zh.has(`patients.insurance.${i}`)).toBe(true)
    }
    for (const p of ['length', 'format', 'region', 'birthDate', 'checksum']) {
      expect(zh.has(`patients.validation.idNumber.${p}`)).toBe(true)
    }
  })

  it('zh-CN insurance labels are the ones hospitals use', () => {
    expect(zh.get('patients.insurance.employee')).toBe('职工医保')
    expect(zh.get('patients.insurance.resident')).toBe('居民医保')
    expect(zh.get('patients.insurance.self_pay')).toBe('自费')
    expect(zh.get('patients.insurance.commercial')).toBe('商业保险')
    expect(zh.get('patients.insurance.other')).toBe('其他')
    expect(zh.get('app.demoBanner')).toContain('演示模式')
    expect(enFlat.get('app.demoBanner')).toContain('Demo mode')
  })
})
