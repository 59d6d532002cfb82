/**
 * Consultation (会诊) types as the contract (docs/consultation.md §1–§3) describes them. Kept local until the
 * workflow API is in openapi.json; fields the server may add are tolerated.
 */
export const CONSULT_TYPES = ['difficult_case', 'preop_assessment', 'surgical_guidance', 'imaging'] as const
export type ConsultType = (typeof CONSULT_TYPES)[number]

export const URGENCIES = ['urgent', 'routine'] as const
export type Urgency = (typeof URGENCIES)[number]

export const STATUSES = [
  'requested', 'assigned', 'accepted', 'declined', 'time_proposed', 'in_session', 'reported', 'closed', 'cancelled',
] as const
export type ConsultStatus = (typeof STATUSES)[number]

export type SlaState = 'ok' | 'due_soon' | 'breached' | 'met'
export type ListRole = 'requested' | 'assigned' | 'pool'

export type SharedKind = 'study' | 'encounter' | 'order' | 'result'
export interface SharedRef {
  kind: SharedKind
  ref: string
  label?: string
}

export interface Consent {
  given_by: 'patient' | 'guardian'
  method: 'written' | 'verbal' | 'electronic'
  note?: string
  /** consent to record the video session */
  recording?: boolean
  recorded_at?: string
}

export interface PersonRef {
  id: string
  name: string
  title?: string
  institution_id?: string | null
  institution_name?: string
}

export interface PatientBrief {
  id: string
  name: string
  sex: string
  age?: number | null
  mrn?: string | null
}

/** One step of the status history. */
export interface ConsultEvent {
  seq: number
  at: string
  actor_id?: string | null
  actor_name: string
  action: string
  from_status?: string | null
  to_status: string
  note: string
}

export interface Participant {
  user_id: string
  name: string
  role: 'requester' | 'expert' | 'colleague' | 'patient' | string
  institution_name?: string
}

export interface Report {
  id?: string
  version: number
  status?: string
  assessment: string
  diagnosis_text: string
  icd10_codes: string[]
  recommendation: string
  transfer_advised: boolean
  surgery_advised: boolean
  preop_plan: string
  signed_at?: string | null
  signed_by_name?: string
  updated_at?: string
}

export interface Grant {
  grantee_id: string
  scope: string[] | null
  starts_at: string
  ends_at: string
  revoked_at: string | null
}

/** A consultation in a list. */
export interface ConsultationSummary {
  id: string
  status: ConsultStatus
  type: ConsultType
  urgency: Urgency
  question: string
  patient: PatientBrief
  requester: PersonRef
  requesting_institution_name: string
  target_institution_id: string
  target_institution_name: string
  subspecialty: string
  expert: PersonRef | null
  scheduled_at: string | null
  sla_due_at: string
  sla_state: SlaState
  created_at: string
  updated_at?: string
  report_signed_at?: string | null
}

/** The full consultation. */
export interface Consultation extends ConsultationSummary {
  preferred_expert?: PersonRef | null
  proposed_times: string[]
  proposal_note?: string
  decline_reason?: string
  cancel_reason?: string
  version?: number
  consent: Consent | null
  shared: SharedRef[]
  participants: Participant[]
  events: ConsultEvent[]
  report: Report | null
  grants?: Grant[]
  /** requester | expert | triage | colleague | patient | viewer */
  my_role: string
  allowed_actions: string[]
}

export interface ConsultCreate {
  patient_id: string
  type: ConsultType
  urgency: Urgency
  question: string
  target_institution_id: string
  preferred_expert_id?: string | null
  subspecialty?: string | null
  shared: SharedRef[]
  consent: Consent
}

export interface ChatAttachment {
  id: string
  filename: string
  content_type: string
  size: number
  url: string
}

export interface ChatMessage {
  id: string
  consultation_id?: string
  sender_id: string
  sender_name: string
  body: string
  attachment: ChatAttachment | null
  created_at: string
}

export interface JanusMedia {
  server: string
  room: number
  pin: string
  token: string
  display: string
  /** our publisher id (the first 48 bits of our user UUID) */
  feed_id?: number
  /** Janus records this room (consent given): show a badge */
  recording?: boolean
  expires_at?: string
}

export interface MediaConfig {
  backend: 'p2p' | 'janus'
  ice_servers: RTCIceServer[]
  janus?: JanusMedia
}

export interface RoomJoin {
  topic: string
  participant: { user_id: string; name: string; role: string; institution: string }
  media: MediaConfig
}
