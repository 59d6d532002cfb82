/** Queue states pushed on the /ws topics (docs/workflow-scheduling.md "Topics"); the REST queue has the same shape. */
export interface QueueEntry {
  appointment_id: string
  patient_id: string
  name: string
  mrn: string
  sex: string
  age: number | null
  queue_no: number | null
  visit_no: string | null
  status: string
  priority: number
  priority_reason: '' | 'emergency' | 'elderly' | 'returning_with_results'
  source: string
  checked_in_at: string | null
  called_at: string | null
  call_count: number
  skip_count: number
  position: number | null
}

export interface SessionState {
  session_id: string
  doctor_id: string
  doctor_name: string
  department_id: string
  date: string
  period: string
  room: string
  starts_at: string
  ends_at: string
  slot_minutes: number
  version: number
  calls: number
  current: QueueEntry | null
  waiting: QueueEntry[]
  not_arrived: QueueEntry[]
  counts: Record<string, number>
}

export interface DoctorQueueSnapshot {
  doctor_id: string
  doctor_name: string
  date: string
  sessions: SessionState[]
}

export interface PatientState {
  appointment_id: string
  status: string
  queue_no: number | null
  visit_no: string | null
  ahead: number | null
  eta_minutes: number | null
  your_turn: boolean
  calling_queue_no: number | null
  doctor_name: string
  room: string
  date: string
  period: string
  version: number
}

export interface DisplayEntry {
  queue_no: number | null
  name: string
}

export interface DisplayState {
  session_id: string
  doctor_id: string
  doctor_name: string
  room: string
  period: string
  version: number
  current: DisplayEntry | null
  next: DisplayEntry[]
  waiting_count: number
}

export interface DisplaySnapshot {
  department_id: string
  date: string
  sessions: DisplayState[]
}

/** Local calendar date (YYYY-MM-DD) in Asia/Shanghai, the department's day. */
export function today(timeZone = 'Asia/Shanghai'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

/** HH:mm of an instant in the hospital's time zone (slots, sessions, OR cases). */
export function clock(iso: string | null | undefined, timeZone = 'Asia/Shanghai'): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso))
}

/** Minutes since local midnight of an instant in the hospital's time zone. */
export function minutesInZone(iso: string, timeZone = 'Asia/Shanghai'): number {
  const [h, m] = clock(iso, timeZone).split(':').map(Number)
  return h * 60 + m
}
