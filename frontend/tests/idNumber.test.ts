// @vitest-environment node
import { describe, expect, it } from 'vitest'
import {
  checkIdNumber,
  checkName,
  idNumberCheckChar,
  isValidIdNumber,
  isValidMobile,
  parseIdNumber,
} from '@/domains/patients/validation'

const TODAY = new Date(2026, 0, 15)

/** Builds a valid ID number from the first 17 characters. */
function withCheck(first17: string): string {
  return first17 + idNumberCheckChar(first17)
}

describe('GB 11643 ID number validator', () => {
  it("accepts the standard's worked example with an X check character", () => {
    expect(checkIdNumber('11010519491231002X', TODAY)).toBeNull()
    expect(isValidIdNumber('11010519491231002x', TODAY)).toBe(true)
  })

  it('accepts numbers built with the checksum', () => {
    for (const body of ['44030419900307123', '32010219851111002', '51010720000229004']) {
      expect(checkIdNumber(withCheck(body), TODAY)).toBeNull()
    }
  })

  it('rejects every wrong check character', () => {
    const body = '44030419900307123'
    const good = idNumberCheckChar(body)
    for (const c of '0123456789X') {
      if (c === good) continue
      expect(checkIdNumber(body + c, TODAY)).toBe('checksum')
    }
  })

  it('rejects a single changed digit', () => {
    const id = withCheck('44030419900307123')
    const mutated = id.slice(0, 16) + ((Number(id[16]) + 1) % 10) + id[17]
    expect(checkIdNumber(mutated, TODAY)).toBe('checksum')
  })

  it('reports length, format, region and birth-date problems', () => {
    expect(checkIdNumber('1101051949123100', TODAY)).toBe('length')
    expect(checkIdNumber('1101051949123100XX', TODAY)).toBe('format')
    expect(checkIdNumber('11010519491231002Y', TODAY)).toBe('format')
    expect(checkIdNumber(withCheck('01010519491231002'), TODAY)).toBe('region')
    expect(checkIdNumber(withCheck('11010519490230002'), TODAY)).toBe('birthDate') // 30 February
    expect(checkIdNumber(withCheck('11010520010229002'), TODAY)).toBe('birthDate') // 2001 is not a leap year
    expect(checkIdNumber(withCheck('11010518991231002'), TODAY)).toBe('birthDate') // before 1900
    expect(checkIdNumber(withCheck('11010520270101002'), TODAY)).toBe('birthDate') // in the future
  })

  it('derives birth date and sex from the 17th digit', () => {
    expect(parseIdNumber('11010519491231002X', TODAY)).toEqual({ birthDate: '1949-12-31', sex: 'female' })
    expect(parseIdNumber(withCheck('44030419900307123'), TODAY)).toEqual({ birthDate: '1990-03-07', sex: 'male' })
    expect(parseIdNumber('11010519491231002Y', TODAY)).toBeNull()
  })
})

describe('other patient field validators', () => {
  it('validates mainland mobile numbers', () => {
    expect(isValidMobile('13812345678')).toBe(true)
    expect(isValidMobile('19912345678')).toBe(true)
    expect(isValidMobile('12812345678')).toBe(false)
    expect(isValidMobile('1381234567')).toBe(false)
    expect(isValidMobile('138123456789')).toBe(false)
  })

  it('validates names', () => {
    expect(checkName('张三')).toBeNull()
    expect(checkName('  ')).toBe('required')
    expect(checkName('张'.repeat(50))).toBeNull()
    expect(checkName('张'.repeat(51))).toBe('tooLong')
    expect(checkName('张\u0007三')).toBe('control')
  })
})
