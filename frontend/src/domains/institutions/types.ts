import type { DepartmentRef, InstitutionRead, InstitutionRef } from '@/api/client'

export type { DepartmentRef, InstitutionRead, InstitutionRef }

/** GET /api/v1/meta (typed loosely in the OpenAPI, so spelled out here). */
export interface Meta {
  demo_mode: boolean
  version: string
  timezone: string
}
