import {
  data,
  inpatientAddObservation,
  inpatientAdmit,
  inpatientAssignBed,
  inpatientBedBoard,
  inpatientDischarge,
  inpatientGetAdmission,
  inpatientGetSummary,
  inpatientListObservations,
  inpatientSaveSummary,
  inpatientSetBedState,
  inpatientTransfer,
  institutionsListWards,
} from '@/api/client'
import type {
  AdmissionCreate,
  AdmissionRead,
  BedBoard,
  BedCell,
  DischargeSummaryIn,
  DischargeSummaryRead,
  ObservationIn,
  ObservationRead,
  WardRead,
} from '@/api/client'

export type { AdmissionRead, BedBoard, BedCell, DischargeSummaryIn, DischargeSummaryRead, ObservationIn, ObservationRead, WardRead }

export const BED_STATES = ['free', 'occupied', 'reserved', 'cleaning', 'closed'] as const
export type BedState = (typeof BED_STATES)[number]

export function bedBoard(wardIds?: string[]): Promise<BedBoard> {
  return data(inpatientBedBoard({ query: wardIds?.length ? { ward_id: wardIds } : {} }))
}
export function listWards(institutionId: string): Promise<WardRead[]> {
  return data(institutionsListWards({ path: { institution_id: institutionId } }))
}
export function setBedState(bedId: string, state: 'free' | 'reserved' | 'cleaning' | 'closed'): Promise<unknown> {
  return data(inpatientSetBedState({ path: { bed_id: bedId }, body: { state } }))
}
export function admit(body: AdmissionCreate): Promise<AdmissionRead> {
  return data(inpatientAdmit({ body }))
}
export function getAdmission(id: string): Promise<AdmissionRead> {
  return data(inpatientGetAdmission({ path: { admission_id: id } }))
}
export function assignBed(id: string, bedId: string): Promise<AdmissionRead> {
  return data(inpatientAssignBed({ path: { admission_id: id }, body: { bed_id: bedId } }))
}
export function transfer(id: string, bedId: string, reason = ''): Promise<AdmissionRead> {
  return data(inpatientTransfer({ path: { admission_id: id }, body: { bed_id: bedId, reason } }))
}
export function discharge(id: string): Promise<AdmissionRead> {
  return data(inpatientDischarge({ path: { admission_id: id }, body: { disposition: 'home' } }))
}
export function getSummary(id: string): Promise<DischargeSummaryRead> {
  return data(inpatientGetSummary({ path: { admission_id: id } }))
}
export function saveSummary(id: string, body: DischargeSummaryIn): Promise<DischargeSummaryRead> {
  return data(inpatientSaveSummary({ path: { admission_id: id }, body }))
}
export function listObservations(id: string): Promise<ObservationRead[]> {
  return data(inpatientListObservations({ path: { admission_id: id } }))
}
export function addObservation(id: string, body: ObservationIn): Promise<ObservationRead> {
  return data(inpatientAddObservation({ path: { admission_id: id }, body }))
}
