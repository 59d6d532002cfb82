import { data, portalMyRecord } from '@/api/client'
import type { Patient } from '@/domains/patients/types'

/** The signed-in patient's own record (patient role only). */
export function getMyPatient(): Promise<Patient> {
  return data(portalMyRecord())
}
