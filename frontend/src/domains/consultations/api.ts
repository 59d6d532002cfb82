/**
 * Consultation API (`/api/v1/consultations`, docs/consultation.md §1). Plain fetch with the app's request
 * conventions (same-origin cookie, CSRF header, Accept-Language, lost-session hook, problem+json → ApiError),
 * like the imaging domain's DICOMweb calls; multipart chat uploads need the raw FormData body anyway.
 */
import { ApiError, toApiError } from '@/api/errors'
import { decorateHeaders, notifyUnauthorized } from '@/api/http'
import type {
  ChatMessage,
  ConsultCreate,
  Consultation,
  ConsultationSummary,
  ConsultStatus,
  ListRole,
  Report,
  RoomJoin,
} from './types'

const BASE = '/api/v1/consultations'

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const url = `${window.location.origin}${BASE}${path}`
  const headers = decorateHeaders(method, new Headers())
  let payload: BodyInit | undefined
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers.set('Content-Type', 'application/json')
    payload = JSON.stringify(body)
  }
  let res: Response
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', signal })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, { status: 0 })
  }
  if (!res.ok) {
    notifyUnauthorized(res.status, url)
    let problem: unknown = null
    try {
      problem = await res.json()
    } catch {
      problem = null
    }
    throw toApiError(res.status, problem)
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** A list answer may be a bare array or a page `{items, total}`. */
function items<T>(v: T[] | { items: T[] }): T[] {
  return Array.isArray(v) ? v : (v?.items ?? [])
}

export async function listConsultations(
  query: { role?: ListRole; status?: ConsultStatus | ''; patient_id?: string } = {},
): Promise<ConsultationSummary[]> {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, String(v))
  const s = q.toString()
  return items(await call<ConsultationSummary[] | { items: ConsultationSummary[] }>('GET', s ? `?${s}` : ''))
}

export const getConsultation = (id: string): Promise<Consultation> => call('GET', `/${id}`)
export const createConsultation = (body: ConsultCreate): Promise<Consultation> => call('POST', '', body)
export const assign = (id: string, expert_id: string): Promise<Consultation> => call('POST', `/${id}/assign`, { expert_id })
export const accept = (id: string, scheduled_at: string): Promise<Consultation> =>
  call('POST', `/${id}/accept`, { scheduled_at })
export const decline = (id: string, reason: string): Promise<Consultation> => call('POST', `/${id}/decline`, { reason })
export const propose = (id: string, times: string[], note = ''): Promise<Consultation> =>
  call('POST', `/${id}/propose`, { times, note })
export const confirm = (id: string, scheduled_at: string): Promise<Consultation> =>
  call('POST', `/${id}/confirm`, { scheduled_at })
export const start = (id: string): Promise<Consultation> => call('POST', `/${id}/start`, { note: '' })
export const close = (id: string): Promise<Consultation> => call('POST', `/${id}/close`, { note: '' })
export const cancel = (id: string, reason: string): Promise<Consultation> => call('POST', `/${id}/cancel`, { reason })

export type ReportDraft = Pick<Report, 'version' | 'assessment' | 'diagnosis_text' | 'icd10_codes' | 'recommendation' | 'transfer_advised' | 'surgery_advised' | 'preop_plan'>
export const saveReport = (id: string, body: ReportDraft): Promise<Report> => call('PUT', `/${id}/report`, body)
export const signReport = (id: string, version: number): Promise<Report> => call('POST', `/${id}/report/sign`, { version })

export const addParticipant = (id: string, user_id: string, role: 'colleague' | 'patient'): Promise<unknown> =>
  call('POST', `/${id}/participants`, { user_id, role })

export const listInvitable = (id: string, institutionId: string): Promise<{ id: string; full_name: string; title?: string; role: string; department_name?: string | null }[]> =>
  call('GET', `/${id}/invitable?institution_id=${encodeURIComponent(institutionId)}`)

export async function listMessages(id: string): Promise<ChatMessage[]> {
  return items(await call<ChatMessage[] | { items: ChatMessage[] }>('GET', `/${id}/messages`))
}

/** Attachments above this are refused by the server (413); the UI says so before uploading. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

/** A text message is JSON `{body}`; with an attachment, multipart (`body`, `file`). */
export function postMessage(id: string, body: string, file?: File | null): Promise<ChatMessage> {
  if (!file) return call('POST', `/${id}/messages`, { body })
  const form = new FormData()
  form.set('body', body)
  form.set('file', file, file.name)
  return call('POST', `/${id}/messages`, form)
}

export function attachmentUrl(id: string, attachmentId: string): string {
  return `${BASE}/${id}/attachments/${attachmentId}`
}

export const joinRoom = (id: string): Promise<RoomJoin> => call('POST', `/${id}/room/join`, {})

/** Experts a dept head may assign / a requester may prefer (served by the workflow API when present). */
export async function listExperts(institutionId: string, department?: string): Promise<{ id: string; full_name: string; title?: string; department?: string | null }[]> {
  const q = new URLSearchParams({ institution_id: institutionId })
  if (department) q.set('department', department)
  return items(await call('GET', `/experts?${q.toString()}`))
}

// What the request form picks from: the patient's records (through their own domains' calls) and the
// institutions / departments to ask.
export { getPatient } from '@/domains/patients/api'
export { patientStudies } from '@/domains/imaging/api'
export { patientEncounters } from '@/domains/encounters/api'
export { patientOrders } from '@/domains/orders/api'
export { listInstitutions } from '@/domains/institutions/api'
export { listDepartments } from '@/domains/scheduling/api'
