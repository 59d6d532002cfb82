import type { StoredInterview } from '../types'

/**
 * The chat page keeps only the interview id and its resume token in localStorage (no clinical text), so a
 * patient who reloads or comes back before logging in continues where they left off.
 */
export const STORAGE_KEY = 'osteon.triage.interview'

/** The stored interview, or null when none (or the entry is malformed). */
export function loadStoredInterview(): StoredInterview | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    const v = raw ? (JSON.parse(raw) as Partial<StoredInterview>) : null
    return v && typeof v.id === 'string' && typeof v.token === 'string' ? { id: v.id, token: v.token } : null
  } catch {
    return null
  }
}

/** Remember the interview started in this browser. */
export function saveStoredInterview(v: StoredInterview): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(v))
}

/** Forget it (start again, or the server no longer knows it). */
export function clearStoredInterview(): void {
  localStorage.removeItem(STORAGE_KEY)
}

/**
 * After a booking reached from the triage chat (`/m/book?...&triage=<interview id>`): attach that interview's
 * summary to the new appointment so the doctor's encounter opens pre-filled. Only the interview this browser
 * holds (id + token) and only when the booking page was opened from it; returns whether it was linked.
 */
export async function linkStoredInterviewTo(appointmentId: string, fromQuery: unknown): Promise<boolean> {
  const stored = loadStoredInterview()
  if (!stored || typeof fromQuery !== 'string' || fromQuery !== stored.id) return false
  const { linkInterview } = await import('../api')
  await linkInterview(stored.id, stored.token, appointmentId)
  return true
}
