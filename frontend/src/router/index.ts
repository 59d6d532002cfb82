import { ref } from 'vue'
import { createRouter, createWebHistory, type Router } from 'vue-router'
import { useAuthStore } from '@/domains/auth/store'
import { i18n } from '@/i18n'
import { decide } from './guard'
import { routes } from './routes'

/** True while a navigation (guard + lazy view download) is in progress; drives the top progress bar. */
export const navigating = ref(false)

export function installGuards(router: Router): void {
  // shown only when a navigation takes a noticeable time (slow network fetching a view)
  let timer: ReturnType<typeof setTimeout> | undefined
  const done = () => {
    clearTimeout(timer)
    navigating.value = false
  }
  router.beforeEach(async (to) => {
    clearTimeout(timer)
    timer = setTimeout(() => (navigating.value = true), 150)
    const auth = useAuthStore()
    try {
      await auth.ensureLoaded()
    } catch {
      // server unreachable: treat as signed out; the login page shows the error on submit
    }
    return decide(to, auth.user)
  })
  router.afterEach((to) => {
    done()
    const key = to.meta.titleKey
    const t = i18n.global.t as (k: string) => string
    document.title = key ? `${t(key)} · ${t('app.name')}` : t('app.name')
  })
  router.onError((error: unknown, to) => {
    done()
    // After a new release the old chunk names are gone: load the page afresh instead of failing.
    const msg = error instanceof Error ? error.message : String(error)
    if (/dynamically imported module|Importing a module script failed|error loading dynamically/i.test(msg)) {
      const key = 'osteon.chunkReload'
      const last = Number(sessionStorage.getItem(key) || 0)
      if (Date.now() - last > 10_000) {
        // once: if the view is still missing after a reload, the error stays visible instead of looping
        sessionStorage.setItem(key, String(Date.now()))
        window.location.assign(to.fullPath)
      }
    }
  })
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    scrollBehavior: () => ({ top: 0 }),
  })
  installGuards(router)
  return router
}
