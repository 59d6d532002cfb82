// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { ApiError, errorMessage, fieldErrors, toApiError } from '@/api/errors'
import en from '@/i18n/locales/en'
import zhCN from '@/i18n/locales/zh-CN'

function translator(messages: object) {
  return (key: string): string => {
    const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], messages)
    if (typeof v !== 'string') throw new Error(`missing key ${key}`)
    return v
  }
}
const t = translator(zhCN)

describe('API error → message', () => {
  it('shows the server detail first (already in the user language)', () => {
    const e = toApiError(401, { type: 'about:blank', title: '认证失败', status: 401, detail: '用户名或密码错误', code: 'auth.invalid_credentials' })
    expect(errorMessage(e, t)).toBe('用户名或密码错误')
  })

  it('falls back to the title when there is no detail', () => {
    expect(errorMessage(toApiError(422, { title: '参数无效', status: 422 }), t)).toBe('参数无效')
  })

  it('falls back to a client text for known codes', () => {
    expect(errorMessage(new ApiError(401, { code: 'auth.locked' }), t)).toBe(zhCN.errors.code.locked)
    expect(errorMessage(new ApiError(409, { code: 'stale_version' }), translator(en))).toBe(en.errors.code.staleVersion)
  })

  it('falls back to the HTTP status', () => {
    expect(errorMessage(new ApiError(404, {}), t)).toBe(zhCN.errors.status.notFound)
    expect(errorMessage(new ApiError(403, {}), t)).toBe(zhCN.errors.status.forbidden)
    expect(errorMessage(new ApiError(429, {}), t)).toBe(zhCN.errors.status.tooMany)
    expect(errorMessage(new ApiError(503, {}), t)).toBe(zhCN.errors.status.server)
    expect(errorMessage(new ApiError(0, { status: 0 }), t)).toBe(zhCN.errors.network)
  })

  it('never shows a raw HTML error page or a non-API exception', () => {
    const e = toApiError(502, '')
    expect(errorMessage(e, t)).toBe(zhCN.errors.status.server)
    expect(errorMessage(new TypeError('x is undefined'), t)).toBe(zhCN.errors.unknown)
  })

  it('keeps the code and extra members', () => {
    const e = toApiError(409, { code: 'patients.duplicate', detail: '疑似重复', duplicates: [{ id: 1, mrn: 'M1', name: '张三' }] })
    expect(e.code).toBe('patients.duplicate')
    expect(e.problem.duplicates).toHaveLength(1)
  })
})

describe('validation errors on forms', () => {
  const e = toApiError(422, {
    title: '提交的内容有误,请检查标出的字段',
    detail: 'id_number: 校验位不正确; phone: 格式不正确',
    code: 'validation_error',
    errors: [
      { field: 'id_number', message: '校验位不正确' },
      { field: 'phone', message: '格式不正确' },
    ],
  })

  it('shows the summary when the form shows every field error inline', () => {
    expect(errorMessage(e, t, ['name', 'id_number', 'phone'])).toBe('提交的内容有误,请检查标出的字段')
  })

  it('shows the detail when some field error has no place on the form', () => {
    expect(errorMessage(e, t, ['id_number'])).toBe('id_number: 校验位不正确; phone: 格式不正确')
    expect(errorMessage(e, t)).toBe('id_number: 校验位不正确; phone: 格式不正确')
  })
})

describe('field errors', () => {
  it('maps server field paths to form props', () => {
    const e = toApiError(422, {
      status: 422,
      errors: [
        { field: 'body.id_number', message: '校验位不正确' },
        { field: 'name', message: '姓名过长' },
        { field: '/emergency_contact/phone', message: '手机号无效' },
        { field: 'body.id_number', message: 'second message for the same field' },
      ],
    })
    expect(fieldErrors(e)).toEqual({
      id_number: '校验位不正确',
      name: '姓名过长',
      'emergency_contact.phone': '手机号无效',
    })
  })

  it('is empty for errors without field details', () => {
    expect(fieldErrors(new ApiError(500, {}))).toEqual({})
    expect(fieldErrors(new Error('x'))).toEqual({})
  })
})
