import type {
  EmergencyContact,
  HisId,
  InsuranceType,
  PagePatientSummary,
  PatientCreate,
  PatientRead,
  PatientSummary,
  PatientUpdate,
  Sex,
} from '@/api/client'

export type { EmergencyContact, HisId, InsuranceType, PatientCreate, PatientSummary, PatientUpdate, Sex }
export type Patient = PatientRead
export type PatientPage = PagePatientSummary
export type Id = string

export const SEXES: Sex[] = ['male', 'female', 'unknown']
export const INSURANCE_TYPES: InsuranceType[] = ['employee', 'resident', 'self_pay', 'commercial', 'other']

/** Members of the 409 `patients.duplicate` problem. */
export interface DuplicateRef {
  id: Id
  mrn: string
  name: string
}

export interface PatientQuery {
  q?: string
  limit?: number
  offset?: number
}
