import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'
import type { Me } from '@/domains/auth/types'
import { R } from './names'

export type GuardUser = Pick<Me, 'role' | 'permissions' | 'must_change_password'> | null
export type GuardTarget = Pick<RouteLocationNormalized, 'name' | 'fullPath' | 'meta'>

export function homeFor(user: NonNullable<GuardUser>): RouteLocationRaw {
  return { name: user.role === 'patient' ? R.portalHome : R.home }
}

/** Only same-site absolute paths are accepted as a post-login destination. */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null
  return value
}

/**
 * Where navigation to `to` may go for `user`: `true` to proceed, or the location to go instead.
 * Pure, so it is unit-tested without a router.
 */
export function decide(to: GuardTarget, user: GuardUser): true | RouteLocationRaw {
  const portal = to.meta.face === 'portal'
  if (to.meta.public) {
    if (user && (to.name === R.login || to.name === R.portalLogin)) return homeFor(user)
    return true
  }
  if (!user) {
    return { name: portal ? R.portalLogin : R.login, query: { redirect: to.fullPath } }
  }
  const isPatient = user.role === 'patient'
  const passwordRoute = isPatient ? R.portalPassword : R.changePassword
  if (user.must_change_password) {
    return to.name === passwordRoute ? true : { name: passwordRoute }
  }
  if (isPatient && !portal) return { name: R.portalHome }
  if (!isPatient && portal) return { name: R.home }
  if (to.meta.permission && !user.permissions.includes(to.meta.permission)) {
    return { name: R.forbidden }
  }
  return true
}
