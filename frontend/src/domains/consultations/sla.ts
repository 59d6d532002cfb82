/**
 * SLA and list ordering, pure (unit-tested): the countdown text both sides see, its colour, and the order
 * of a list (urgent first, then the nearest due time).
 */
import type { Consultation, SlaState } from './types'

/** Urgent requests are answered within 2 h, routine within 24 h (contract §1). */
export const SLA_HOURS = { urgent: 2, routine: 24 } as const
/** "due soon" when less than this fraction of the window is left (the server's word wins when it sends one). */
const DUE_SOON_FRACTION = 0.25

/** Statuses in which the expert side still owes an answer (the SLA clock runs). */
export const SLA_RUNNING: readonly string[] = ['requested', 'assigned']

export interface SlaView {
  state: SlaState | 'none'
  /** ms left (negative once breached); null when no clock runs */
  remainingMs: number | null
  /** "1:23:45" left, or "-0:05:00" overdue */
  text: string
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** h:mm:ss (hours not wrapped at 24), with a leading minus when negative. */
export function formatDuration(ms: number): string {
  const neg = ms < 0
  const s = Math.floor(Math.abs(ms) / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return `${neg ? '-' : ''}${h}:${pad(m)}:${pad(s % 60)}`
}

/** The SLA as shown at `now`: the server's `sla_state` for met/breached, the clock for the rest. */
export function slaView(c: Pick<Consultation, 'sla_due_at' | 'sla_state' | 'status' | 'urgency'>, now: number): SlaView {
  if (c.sla_state === 'met' || (!SLA_RUNNING.includes(c.status) && c.sla_state !== 'breached')) {
    return { state: c.sla_state === 'met' ? 'met' : 'none', remainingMs: null, text: '' }
  }
  if (!c.sla_due_at) return { state: c.sla_state ?? 'none', remainingMs: null, text: '' }
  const due = Date.parse(c.sla_due_at)
  if (Number.isNaN(due)) return { state: c.sla_state ?? 'none', remainingMs: null, text: '' }
  const remainingMs = due - now
  let state: SlaState
  if (remainingMs <= 0 || c.sla_state === 'breached') state = 'breached'
  else if (remainingMs < SLA_HOURS[c.urgency] * 3600_000 * DUE_SOON_FRACTION || c.sla_state === 'due_soon') state = 'due_soon'
  else state = 'ok'
  return { state, remainingMs, text: formatDuration(remainingMs) }
}

/** Element Plus tag type for an SLA state (red when breached). */
export function slaTagType(state: SlaView['state']): 'danger' | 'warning' | 'success' | 'info' {
  return state === 'breached' ? 'danger' : state === 'due_soon' ? 'warning' : state === 'met' ? 'success' : 'info'
}

const CLOSED: readonly string[] = ['closed', 'cancelled', 'declined']

/** Open before closed, urgent before routine, then the earliest due (or scheduled) time, then newest. */
export function sortConsultations<T extends Pick<Consultation, 'urgency' | 'status' | 'sla_due_at' | 'scheduled_at' | 'created_at'>>(
  list: readonly T[],
): T[] {
  const key = (c: T): number => Date.parse(c.sla_due_at ?? c.scheduled_at ?? '') || Number.MAX_SAFE_INTEGER
  return [...list].sort((a, b) => {
    const ca = CLOSED.includes(a.status) ? 1 : 0
    const cb = CLOSED.includes(b.status) ? 1 : 0
    if (ca !== cb) return ca - cb
    const ua = a.urgency === 'urgent' ? 0 : 1
    const ub = b.urgency === 'urgent' ? 0 : 1
    if (ua !== ub) return ua - ub
    const d = key(a) - key(b)
    if (d !== 0) return d
    return Date.parse(b.created_at) - Date.parse(a.created_at)
  })
}

/**
 * The actions to offer now. The server's `allowed_actions` decide; without them (an older server) a
 * fallback from the status and the caller's role (`my_role`: requester | expert | triage | …).
 */
export function actionsFor(c: Pick<Consultation, 'status' | 'allowed_actions' | 'my_role'>): string[] {
  if (Array.isArray(c.allowed_actions)) return c.allowed_actions
  const s = c.status
  const side = c.my_role
  const out: string[] = []
  if (side === 'triage' && (s === 'requested' || s === 'assigned')) out.push('assign')
  if (side === 'expert') {
    if (s === 'requested' || s === 'assigned') out.push('accept', 'decline', 'propose')
    if (s === 'accepted') out.push('start')
    if (s === 'in_session' || s === 'accepted') out.push('report')
    if (s === 'reported') out.push('close')
  }
  if (side === 'requester') {
    if (s === 'time_proposed') out.push('confirm')
    if (s === 'accepted') out.push('start')
    if (s === 'reported') out.push('close')
    if (!['reported', 'closed', 'cancelled', 'declined'].includes(s)) out.push('cancel')
  }
  return out
}

/** The room is open to both sides from acceptance until the report is signed (then read-only history). */
export function canEnterRoom(c: Pick<Consultation, 'status' | 'my_role'>): boolean {
  return ['accepted', 'in_session', 'reported'].includes(c.status) && ['requester', 'expert', 'colleague', 'patient'].includes(c.my_role)
}
