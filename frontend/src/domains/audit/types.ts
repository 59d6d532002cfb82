import type { AuditEventRead, AuditSearchAuditData, AuditVerifyRead, PageAuditEventRead } from '@/api/client'

export type AuditEvent = AuditEventRead
export type AuditPage = PageAuditEventRead
export type AuditQuery = NonNullable<AuditSearchAuditData['query']>
export type AuditVerifyResult = AuditVerifyRead
