import { data, institutionsListInstitutions, metaGetMeta } from '@/api/client'
import type { InstitutionRead, Meta } from './types'

/** Deployment facts: demo mode, version and the institution time zone (public). */
export async function getMeta(): Promise<Meta> {
  const raw = (await data(metaGetMeta())) as Partial<Meta>
  return {
    demo_mode: raw.demo_mode === true,
    version: typeof raw.version === 'string' ? raw.version : '',
    timezone: typeof raw.timezone === 'string' ? raw.timezone : '',
  }
}

export function listInstitutions(): Promise<InstitutionRead[]> {
  return data(institutionsListInstitutions())
}
