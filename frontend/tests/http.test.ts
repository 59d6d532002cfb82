import { afterEach, describe, expect, it, vi } from 'vitest'
import { readCookie, setRequestLocale, setUnauthorizedHandler } from '@/api/http'
import { ApiError } from '@/api/errors'
import { fetchMe, login, logout } from '@/domains/auth/api'
import { getPatient, searchPatients, updatePatient } from '@/domains/patients/api'
import { getMeta } from '@/domains/institutions/api'

function stubFetch(status: number, body: unknown, contentType = 'application/json') {
  const calls: Request[] = []
  const fn = vi.fn(async (req: Request) => {
    calls.push(req)
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body)
    return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': contentType } })
  })
  vi.stubGlobal('fetch', fn)
  return { fn, calls }
}

afterEach(() => {
  vi.unstubAllGlobals()
  setUnauthorizedHandler(null)
  document.cookie = 'osteon_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
  setRequestLocale('zh-CN')
})

describe('API client conventions (generated SDK + interceptors)', () => {
  it('reads cookies', () => {
    expect(readCookie('osteon_csrf', 'a=1; osteon_csrf=tok%2Fen; b=2')).toBe('tok/en')
    expect(readCookie('missing', 'a=1')).toBeNull()
  })

  it('sends the language and same-origin credentials, no CSRF header on GET', async () => {
    const { calls } = stubFetch(200, { items: [], total: 0, limit: 20, offset: 0 })
    document.cookie = 'osteon_csrf=abc123; path=/'
    setRequestLocale('en')
    await searchPatients({ q: 'zs', limit: 20 })
    const u = new URL(calls[0].url)
    expect(u.pathname).toBe('/api/v1/patients')
    expect(u.searchParams.get('q')).toBe('zs')
    expect(calls[0].credentials).toBe('same-origin')
    expect(calls[0].headers.get('Accept-Language')).toBe('en')
    expect(calls[0].headers.get('X-CSRF-Token')).toBeNull()
  })

  it('sends the CSRF cookie value on state-changing requests', async () => {
    document.cookie = 'osteon_csrf=abc123; path=/'
    const { calls } = stubFetch(204, undefined)
    await logout()
    const second = stubFetch(200, { id: 'p1' })
    await updatePatient('p1', { version: 3, phone: '13812345678' })
    expect(calls[0].method).toBe('POST')
    expect(calls[0].headers.get('X-CSRF-Token')).toBe('abc123')
    expect(second.calls[0].method).toBe('PATCH')
    expect(second.calls[0].headers.get('X-CSRF-Token')).toBe('abc123')
    expect(await second.calls[0].json()).toEqual({ version: 3, phone: '13812345678' })
  })

  it('turns problem+json into ApiError', async () => {
    stubFetch(404, { title: '未找到', status: 404, detail: '未找到该患者', code: 'patients.not_found' }, 'application/problem+json')
    const err = await getPatient('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(404)
    expect((err as ApiError).problem.detail).toBe('未找到该患者')
  })

  it('reports a lost session, but not a failed login or the session probe', async () => {
    const seen: string[] = []
    setUnauthorizedHandler((url) => seen.push(url))
    stubFetch(401, { status: 401, code: 'auth.invalid_credentials' }, 'application/problem+json')
    await login({ username: 'a', password: 'b' }).catch(() => undefined)
    await fetchMe().catch(() => undefined)
    await searchPatients({ q: 'a' }).catch(() => undefined)
    expect(seen).toEqual(['/api/v1/patients'])
  })

  it('maps network failures to status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const err = await getMeta().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(0)
  })

  it('keeps aborts as aborts', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new DOMException('aborted', 'AbortError'))))
    const err = await searchPatients({ q: 'a' }).catch((e: unknown) => e)
    expect((err as DOMException).name).toBe('AbortError')
  })
})
