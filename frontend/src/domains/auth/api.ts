import { authChangePassword, authLogin, authLogout, authMe, authTotpConfirm, authTotpSetup, data } from '@/api/client'
import type { LoginRequest, LoginResponse, Me, PasswordChange, TotpSetup } from './types'

export function login(body: LoginRequest): Promise<LoginResponse> {
  return data(authLogin({ body }))
}

export async function logout(): Promise<void> {
  await authLogout()
}

export async function changePassword(body: PasswordChange): Promise<void> {
  await authChangePassword({ body })
}

export function fetchMe(): Promise<Me> {
  return data(authMe())
}

export function startTotpSetup(): Promise<TotpSetup> {
  return data(authTotpSetup())
}

export async function confirmTotp(secret: string, code: string, password: string): Promise<void> {
  await authTotpConfirm({ body: { secret, code, password } })
}
