import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { isApiError } from '@/api/errors'
import * as api from './api'
import type { LoginRequest, LoginResponse, Me } from './types'

/** The signed-in user. `loaded` is true once /auth/me has answered (user or 401). */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<Me | null>(null)
  const loaded = ref(false)

  const isAuthenticated = computed(() => user.value !== null)
  const isPatient = computed(() => user.value?.role === 'patient')
  const mustChangePassword = computed(() => user.value?.must_change_password === true)
  const permissions = computed(() => new Set(user.value?.permissions ?? []))

  function can(permission: string | undefined): boolean {
    return !permission || permissions.value.has(permission)
  }

  let inflight: Promise<Me | null> | null = null
  /** Loads the current user once; `force` re-asks the server. */
  async function ensureLoaded(force = false): Promise<Me | null> {
    if (loaded.value && !force) return user.value
    if (!inflight) {
      inflight = api
        .fetchMe()
        .then((me) => {
          user.value = me
          return me
        })
        .catch((e: unknown) => {
          if (isApiError(e) && (e.status === 401 || e.status === 403)) {
            user.value = null
            return null
          }
          throw e
        })
        .finally(() => {
          loaded.value = true
          inflight = null
        })
    }
    return inflight
  }

  async function login(body: LoginRequest): Promise<LoginResponse> {
    const res = await api.login(body)
    await ensureLoaded(true)
    return res
  }

  async function logout(): Promise<void> {
    try {
      await api.logout()
    } finally {
      clear()
    }
  }

  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await api.changePassword({ old_password: oldPassword, new_password: newPassword })
    await ensureLoaded(true)
  }

  /** Forget the user locally (after logout or when the server says the session is gone). */
  function clear(): void {
    user.value = null
    loaded.value = true
  }

  return {
    user,
    loaded,
    isAuthenticated,
    isPatient,
    mustChangePassword,
    permissions,
    can,
    ensureLoaded,
    login,
    logout,
    changePassword,
    clear,
  }
})
