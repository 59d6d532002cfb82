import {
  data,
  encountersSearchIcd10,
  encountersSearchProcedures,
  surgeryAddComplication,
  surgeryListPatientSurgeries,
  surgeryListRooms,
  surgeryOrSchedule,
  surgeryRecord,
  surgeryRequestSurgery,
  surgerySchedule,
  surgeryUpdateChecklist,
} from '@/api/client'
import type {
  BookingCreate,
  ChecklistUpdate,
  ComplicationIn,
  ComplicationRead,
  RoomRead,
  ScheduleRow,
  SurgeryCreate,
  SurgeryRead,
  SurgeryRecordIn,
} from '@/api/client'

export type { BookingCreate, ChecklistUpdate, ComplicationIn, ComplicationRead, RoomRead, ScheduleRow, SurgeryCreate, SurgeryRead, SurgeryRecordIn }

export interface ProcedureHit {
  code: string
  name_zh: string
  name_en: string
  default_grade: string | null
}

export function orSchedule(day: string): Promise<ScheduleRow[]> {
  return data(surgeryOrSchedule({ query: { day } }))
}
export function orRooms(): Promise<RoomRead[]> {
  return data(surgeryListRooms())
}
export function patientSurgeries(patientId: string): Promise<SurgeryRead[]> {
  return data(surgeryListPatientSurgeries({ path: { patient_id: patientId } })) as Promise<SurgeryRead[]>
}
export function requestSurgery(body: SurgeryCreate): Promise<SurgeryRead> {
  return data(surgeryRequestSurgery({ body })) as Promise<SurgeryRead>
}
export function updateChecklist(id: string, body: ChecklistUpdate): Promise<SurgeryRead> {
  return data(surgeryUpdateChecklist({ path: { surgery_id: id }, body })) as Promise<SurgeryRead>
}
export function bookSurgery(id: string, body: BookingCreate): Promise<SurgeryRead> {
  return data(surgerySchedule({ path: { surgery_id: id }, body })) as Promise<SurgeryRead>
}
export function searchProcedures(q: string): Promise<ProcedureHit[]> {
  return data(encountersSearchProcedures({ query: { q } })) as unknown as Promise<ProcedureHit[]>
}
/** The surgical record (手术记录): codes, grade, times, blood loss, implants → the surgery is completed. */
export function recordSurgery(id: string, body: SurgeryRecordIn): Promise<SurgeryRead> {
  return data(surgeryRecord({ path: { surgery_id: id }, body })) as Promise<SurgeryRead>
}
export function addComplication(id: string, body: ComplicationIn): Promise<ComplicationRead> {
  return data(surgeryAddComplication({ path: { surgery_id: id }, body })) as Promise<ComplicationRead>
}
export interface Icd10Hit {
  code: string
  name_zh: string
  name_en: string
}
export function searchIcd10(q: string): Promise<Icd10Hit[]> {
  return data(encountersSearchIcd10({ query: { q } })) as unknown as Promise<Icd10Hit[]>
}
