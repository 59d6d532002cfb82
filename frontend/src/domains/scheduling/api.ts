import {
  data,
  institutionsListDepartments,
  schedulingBookAppointment,
  schedulingCancelAppointment,
  schedulingCheckIn,
  schedulingGetAppointment,
  schedulingListAppointments,
  schedulingListSlots,
  schedulingRegisterWalkIn,
  schedulingSearchSessions,
  portalMyAppointments,
  portalMyBookingStatus,
} from '@/api/client'
import type { AppointmentRead, BookingStatus, DepartmentRead, PageAppointmentRead, SessionRead, SlotRead } from '@/api/client'

export type { AppointmentRead, BookingStatus, DepartmentRead, SessionRead, SlotRead }

export function searchSessions(query: {
  department_id?: string
  doctor_id?: string
  institution_id?: string
  date_from?: string
  date_to?: string
}): Promise<SessionRead[]> {
  return data(schedulingSearchSessions({ query }))
}

export function listSlots(sessionId: string): Promise<SlotRead[]> {
  return data(schedulingListSlots({ path: { session_id: sessionId } }))
}

export function book(body: { session_id: string; slot_id?: string | null; patient_id?: string | null }): Promise<AppointmentRead> {
  return data(schedulingBookAppointment({ body }))
}

export function registerWalkIn(body: { session_id: string; patient_id: string; emergency?: boolean }): Promise<AppointmentRead> {
  return data(schedulingRegisterWalkIn({ body }))
}

export function listAppointments(query: {
  session_id?: string
  patient_id?: string
  day?: string
  department_id?: string
  limit?: number
  offset?: number
}): Promise<PageAppointmentRead> {
  return data(schedulingListAppointments({ query }))
}

export function getAppointment(id: string): Promise<AppointmentRead> {
  return data(schedulingGetAppointment({ path: { appointment_id: id } }))
}

export function checkIn(id: string, body: { emergency?: boolean; returning_with_results?: boolean } = {}): Promise<AppointmentRead> {
  return data(schedulingCheckIn({ path: { appointment_id: id }, body }))
}

export function cancel(id: string, reason = ''): Promise<AppointmentRead> {
  return data(schedulingCancelAppointment({ path: { appointment_id: id }, body: { reason } }))
}

export function myAppointments(): Promise<AppointmentRead[]> {
  return data(portalMyAppointments()) as Promise<AppointmentRead[]>
}

export function myBookingStatus(): Promise<BookingStatus> {
  return data(portalMyBookingStatus())
}

export function listDepartments(institutionId: string): Promise<DepartmentRead[]> {
  return data(institutionsListDepartments({ path: { institution_id: institutionId } }))
}
