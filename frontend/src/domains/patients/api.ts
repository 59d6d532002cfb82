import {
  data,
  patientsAddIdentifier,
  patientsBreakGlass,
  patientsGetPatient,
  patientsMergePatients,
  patientsRegisterPatient,
  patientsSearchPatients,
  patientsUpdatePatient,
} from '@/api/client'
import type { HisId, Id, Patient, PatientCreate, PatientPage, PatientQuery, PatientUpdate } from './types'

export function searchPatients(query: PatientQuery, signal?: AbortSignal): Promise<PatientPage> {
  return data(patientsSearchPatients({ query, signal }))
}

export function getPatient(id: Id): Promise<Patient> {
  return data(patientsGetPatient({ path: { patient_id: id } }))
}

export function createPatient(body: PatientCreate, force = false): Promise<Patient> {
  return data(patientsRegisterPatient({ body, query: force ? { force: true } : undefined }))
}

export function updatePatient(id: Id, body: PatientUpdate): Promise<Patient> {
  return data(patientsUpdatePatient({ path: { patient_id: id }, body }))
}

export function mergePatients(survivorId: Id, duplicateId: Id): Promise<Patient> {
  return data(patientsMergePatients({ path: { patient_id: survivorId }, body: { duplicate_id: duplicateId } }))
}

export function addHisIdentifier(id: Id, his: HisId): Promise<Patient> {
  return data(patientsAddIdentifier({ path: { patient_id: id }, body: his }))
}

export async function breakGlass(id: Id, reason: string): Promise<void> {
  await patientsBreakGlass({ path: { patient_id: id }, body: { reason } })
}
