import { auditSearchAudit, auditVerifyAudit, data } from '@/api/client'
import type { AuditPage, AuditQuery, AuditVerifyResult } from './types'

export function searchAuditEvents(query: AuditQuery): Promise<AuditPage> {
  return data(auditSearchAudit({ query }))
}

export function verifyAuditChain(): Promise<AuditVerifyResult> {
  return data(auditVerifyAudit())
}
