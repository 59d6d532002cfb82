import {
  data,
  triageAnswerInterview,
  triageAssess,
  triageClaimInterview,
  triageGetInterview,
  triageGetSummary,
  triageLinkInterview,
  triageListInterviews,
  triageStartInterview,
} from '@/api/client'
import type { AssessResult, InterviewListItem, InterviewRead, SummaryRead } from './types'

const tokenHeader = (token: string | null | undefined): Record<string, string> =>
  token ? { 'X-Interview-Token': token } : {}

/** One-shot triage of what the patient says (public). */
export function assessText(text: string, age?: number | null, sex?: 'male' | 'female' | null): Promise<AssessResult> {
  return data(triageAssess({ body: { text, age: age ?? null, sex: sex ?? null } }))
}

/** Start a pre-visit interview (works before login); the answer carries the resume token once. */
export function startInterview(complaint: string | null, lang: 'zh' | 'en'): Promise<InterviewRead> {
  return data(triageStartInterview({ body: { complaint, lang } }))
}

/** Answer the current question with free text or a quick-reply value. */
export function answerInterview(id: string, token: string | null, text: string): Promise<InterviewRead> {
  return data(triageAnswerInterview({ path: { interview_id: id }, body: { text }, headers: tokenHeader(token) }))
}

/** Resume an interview. */
export function getInterview(id: string, token: string | null): Promise<InterviewRead> {
  return data(triageGetInterview({ path: { interview_id: id }, headers: tokenHeader(token) }))
}

/** A signed-in patient keeps an interview started before login. */
export function claimInterview(id: string, token: string | null): Promise<InterviewRead> {
  return data(triageClaimInterview({ path: { interview_id: id }, headers: tokenHeader(token) }))
}

/** The doctor's summary of an appointment's pre-visit interview. */
export function getSummaryForAppointment(appointmentId: string): Promise<SummaryRead> {
  return data(triageGetSummary({ query: { appointment_id: appointmentId } }))
}

/** A patient's interviews (staff). */
export function listInterviews(patientId: string): Promise<InterviewListItem[]> {
  return data(triageListInterviews({ query: { patient_id: patientId } }))
}

/** Attach the interview's summary to an appointment the patient just booked (token or owner). */
export function linkInterview(id: string, token: string | null, appointmentId: string): Promise<InterviewRead> {
  return data(
    triageLinkInterview({ path: { interview_id: id }, body: { appointment_id: appointmentId }, headers: tokenHeader(token) }),
  )
}
