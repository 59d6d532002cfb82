/** RFC 9457 problem details as the Osteon server sends them. */
export interface FieldError {
  field: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: FieldError[]
  [extra: string]: unknown
}

/** Any non-2xx answer from the API, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  get code(): string | undefined {
    return this.problem.code
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}

export function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    ('title' in body || 'detail' in body || 'code' in body || 'status' in body)
  )
}

/** Builds an ApiError from a response body that may or may not be problem+json. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isProblem(body)) return new ApiError(status, body)
  if (typeof body === 'string' && body.trim()) return new ApiError(status, { status, title: body.slice(0, 200) })
  return new ApiError(status, { status })
}

type Translate = (key: string) => string

/** Client-side texts for codes the UI reacts to, used only when the server sent no detail/title. */
const CODE_KEYS: Record<string, string> = {
  'auth.invalid_credentials': 'errors.code.invalidCredentials',
  'auth.totp_required': 'errors.code.totpRequired',
  'auth.locked': 'errors.code.locked',
  'patients.duplicate': 'errors.code.duplicate',
  stale_version: 'errors.code.staleVersion',
}

function statusKey(status: number): string {
  if (status === 0) return 'errors.network'
  if (status === 400) return 'errors.status.badRequest'
  if (status === 401) return 'errors.status.unauthorized'
  if (status === 403) return 'errors.status.forbidden'
  if (status === 404) return 'errors.status.notFound'
  if (status === 409) return 'errors.status.conflict'
  if (status === 413) return 'errors.status.tooLarge'
  if (status === 422) return 'errors.status.invalid'
  if (status === 429) return 'errors.status.tooMany'
  if (status >= 500) return 'errors.status.server'
  return 'errors.unknown'
}

/**
 * The sentence to show a user for an error. The server already localises `detail` and `title`
 * (we send Accept-Language), so they win; known codes and HTTP statuses are the fallback.
 * `formFields`: the field paths the calling form can show inline (see fieldErrors).
 */
export function errorMessage(error: unknown, t: Translate, formFields?: readonly string[]): string {
  if (isApiError(error)) {
    const { detail, title, code } = error.problem
    // A form that shows every field error next to its field gets the short summary (the title) instead
    // of the detail, which repeats those messages with raw field names.
    if (formFields && title) {
      const fields = Object.keys(fieldErrors(error))
      if (fields.length && fields.every((f) => formFields.some((x) => f === x || f.startsWith(`${x}.`)))) return title
    }
    if (detail && detail.trim()) return detail
    if (title && title.trim()) return title
    if (code && CODE_KEYS[code]) return t(CODE_KEYS[code])
    return t(statusKey(error.status))
  }
  return t('errors.unknown')
}

/**
 * Field errors keyed by form property path ("name", "emergency_contact.phone").
 * Server locations such as "body.name" or "body/emergency_contact/phone" are normalised.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isApiError(error) || !Array.isArray(error.problem.errors)) return out
  for (const fe of error.problem.errors) {
    if (!fe || typeof fe.field !== 'string') continue
    const path = fe.field
      .replace(/^\/+/, '')
      .split(/[./]/)
      .filter((p) => p !== '' && p !== 'body' && p !== 'query')
      .join('.')
    const key = path || '_'
    if (!(key in out)) out[key] = fe.message
  }
  return out
}
