/**
 * Online booking rules the patient pages apply before asking the server (which applies them again): a session
 * can be booked online while it has places and has not started; after its start, registration is at the desk.
 */
export interface BookableSession {
  available?: number | null
  starts_at: string
}

export function bookableOnline(s: BookableSession, now: number = Date.now()): boolean {
  return (s.available ?? 0) > 0 && Date.parse(s.starts_at) > now
}
