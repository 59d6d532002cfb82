import type { Sex } from './types'

/** GB 11643-1999 weights for the first 17 digits, and the check characters indexed by sum mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

export type IdNumberProblem = 'length' | 'format' | 'region' | 'birthDate' | 'checksum'

export interface IdNumberInfo {
  birthDate: string // YYYY-MM-DD
  sex: Sex
}

export function idNumberCheckChar(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK[sum % 11]
}

function validDate(y: number, m: number, d: number, today: Date): boolean {
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false
  const dt = new Date(Date.UTC(y, m - 1, d))
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return false
  const t = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())
  return dt.getTime() <= t
}

/** Returns null when `value` is a valid 18-character resident ID number, else what is wrong. */
export function checkIdNumber(value: string, today: Date = new Date()): IdNumberProblem | null {
  const v = value.trim().toUpperCase()
  if (v.length !== 18) return 'length'
  if (!/^\d{17}[\dX]$/.test(v)) return 'format'
  if (!/^[1-9]\d{5}/.test(v) || Number(v.slice(0, 2)) < 11 || Number(v.slice(0, 2)) > 91) return 'region'
  const y = Number(v.slice(6, 10))
  const m = Number(v.slice(10, 12))
  const d = Number(v.slice(12, 14))
  if (!validDate(y, m, d, today)) return 'birthDate'
  if (idNumberCheckChar(v.slice(0, 17)) !== v[17]) return 'checksum'
  return null
}

export function isValidIdNumber(value: string, today?: Date): boolean {
  return checkIdNumber(value, today) === null
}

/** Birth date and sex encoded in a valid ID number (17th digit odd = male). */
export function parseIdNumber(value: string, today?: Date): IdNumberInfo | null {
  if (!isValidIdNumber(value, today)) return null
  const v = value.trim()
  return {
    birthDate: `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`,
    sex: Number(v[16]) % 2 === 1 ? 'male' : 'female',
  }
}

/** Mainland mobile number: 11 digits, 1[3-9]x. */
export function isValidMobile(value: string): boolean {
  return /^1[3-9]\d{9}$/.test(value.trim())
}

export const NAME_MAX = 50

/** Names must be non-blank, at most 50 characters, and free of control characters. */
export function checkName(value: string): 'required' | 'tooLong' | 'control' | null {
  const v = value.trim()
  if (!v) return 'required'
  if ([...v].length > NAME_MAX) return 'tooLong'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) return 'control'
  return null
}

/** Characters the server accepts in HIS identifier systems and values. */
export const HIS_SYSTEM = /^[A-Za-z0-9_.:-]{1,64}$/
export const HIS_VALUE = /^[A-Za-z0-9_.-]{1,64}$/

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function isUuid(value: string): boolean {
  return UUID.test(value.trim())
}
