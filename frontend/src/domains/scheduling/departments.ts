/**
 * Triage department codes (`/m/book?department=spine`) → a department of the hospital. Prefers the departments
 * API (code / subspecialty); patients may not read it, so the fallback matches the department names that
 * appear in the bookable sessions.
 */
const NAME_HINTS: Record<string, string[]> = {
  spine: ['脊柱', 'spine'],
  joint: ['关节', 'joint'],
  sports: ['运动', 'sports'],
  trauma: ['创伤', 'trauma'],
  hand: ['手外', '手足', 'hand'],
  foot_ankle: ['足踝', 'foot'],
  pediatric: ['小儿', '儿童', 'pediatric'],
  general: ['骨科', 'orthop'],
}

export interface DeptLike {
  id: string
  name: string
  code?: string
  subspecialty?: string | null
}

export function matchDepartment(want: string, deps: readonly DeptLike[], bookable: readonly DeptLike[]): string | null {
  const ids = new Set(bookable.map((d) => d.id))
  const w = want.toLowerCase()
  if (ids.has(want)) return want
  const byCode = deps.find((d) => ids.has(d.id) && (d.code?.toLowerCase() === w || d.subspecialty?.toLowerCase() === w))
  if (byCode) return byCode.id
  const hints = NAME_HINTS[w] ?? [w]
  const byName = bookable.find((d) => hints.some((h) => d.name.toLowerCase().includes(h)))
  return byName?.id ?? null
}
