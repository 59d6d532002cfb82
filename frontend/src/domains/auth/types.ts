import type { LoginRequest, LoginResponse, Me, PasswordChange, TotpSetup } from '@/api/client'

export type { LoginRequest, LoginResponse, Me, PasswordChange, TotpSetup }

export const ROLES = [
  'system_admin',
  'security_admin',
  'audit_admin',
  'dept_head',
  'doctor',
  'nurse',
  'technician',
  'expert',
  'patient',
] as const
export type Role = (typeof ROLES)[number]

/** Roles whose accounts must use a second factor (SECURITY.md). */
export const TOTP_ROLES: readonly string[] = ['system_admin', 'security_admin', 'audit_admin']

/** Permissions the UI checks; the server may send more. */
export type Permission = 'patient:read' | 'patient:write' | 'patient:merge' | 'audit:read' | 'user:manage' | 'break_glass'
  // domain permissions (orders, surgery) used by menus
  | 'order:execute' | 'result:report' | 'charge:pay' | 'surgery:record'
