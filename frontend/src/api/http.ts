/**
 * Request conventions applied to every generated-SDK call by src/api/client.ts:
 * the CSRF double-submit header, the user's language, and the lost-session hook.
 */
export const CSRF_COOKIE = 'osteon_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let currentLocale = 'zh-CN'
let onUnauthorized: ((url: string) => void) | null = null

export function setRequestLocale(locale: string): void {
  currentLocale = locale
}

export function getRequestLocale(): string {
  return currentLocale
}

/** Called when an authenticated call answers 401 (session expired or revoked). */
export function setUnauthorizedHandler(fn: ((url: string) => void) | null): void {
  onUnauthorized = fn
}

export function readCookie(name: string, cookieString: string = typeof document === 'undefined' ? '' : document.cookie): string | null {
  for (const part of cookieString.split(';')) {
    const idx = part.indexOf('=')
    if (idx < 0) continue
    if (part.slice(0, idx).trim() === name) return decodeURIComponent(part.slice(idx + 1).trim())
  }
  return null
}

/** Adds Accept-Language and, for state-changing methods, X-CSRF-Token. */
export function decorateHeaders(method: string, headers: Headers): Headers {
  headers.set('Accept-Language', currentLocale)
  if (!headers.has('Accept')) headers.set('Accept', 'application/json, application/problem+json')
  if (UNSAFE.has(method.toUpperCase())) {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers.set(CSRF_HEADER, token)
  }
  return headers
}

/** URLs whose 401 is an expected answer, not a lost session. */
const AUTH_PROBE = /\/api\/v1\/auth\/(login|me)$/

export function notifyUnauthorized(status: number, url: string): void {
  if (status !== 401 || !onUnauthorized) return
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
  if (AUTH_PROBE.test(path)) return
  onUnauthorized(path)
}
