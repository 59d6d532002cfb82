import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage } from 'element-plus'
import 'element-plus/dist/index.css'
import './styles/main.css'
import './api/client'
import App from './App.vue'
import { i18n } from './i18n'
import { elementPlus } from './plugins/element'
import { createAppRouter } from './router'
import { setUnauthorizedHandler } from './api/http'
import { useAuthStore } from './domains/auth/store'
import { R } from './router/names'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()

app.use(pinia)
app.use(i18n)
app.use(elementPlus)
app.use(router)

// A 401 on an authenticated call means the session expired or was revoked: back to the right login page.
setUnauthorizedHandler(() => {
  const auth = useAuthStore()
  const hadUser = auth.user !== null
  const wasPatient = auth.isPatient
  auth.clear()
  const current = router.currentRoute.value
  if (!hadUser || current.meta.public) return // several calls may fail together: act once
  ElMessage.warning((i18n.global.t as (k: string) => string)('errors.status.unauthorized'))
  const portal = wasPatient || current.meta.face === 'portal'
  void router.replace({ name: portal ? R.portalLogin : R.login, query: { redirect: current.fullPath } })
})

// Anything unexpected: tell the user in their language, keep the details in the console.
app.config.errorHandler = (err) => {
  console.error(err)
  ElMessage.error((i18n.global.t as (k: string) => string)('errors.unknown'))
}

app.mount('#app')
