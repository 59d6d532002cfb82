import { useRoute, useRouter } from 'vue-router'
import { homeFor, safeRedirect } from '@/router/guard'
import { useAuthStore } from '../store'

/** Sends a freshly signed-in user to where they were going, or to their home. */
export function useAfterLogin(): () => Promise<void> {
  const route = useRoute()
  const router = useRouter()
  const auth = useAuthStore()
  return async () => {
    const user = auth.user
    if (!user) return
    const target = safeRedirect(route.query.redirect)
    // the guard sends users who must change their password, and patients on the staff side, to the right place
    await router.replace(target ?? homeFor(user))
  }
}
