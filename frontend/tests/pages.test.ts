import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import App from '@/App.vue'
import { applyLocale, i18n } from '@/i18n'
import { elementPlus } from '@/plugins/element'
import { createAppRouter } from '@/router'
import '@/api/client'

const INST = { id: 'i1', code: 'QSCH', name: '青石县人民医院' }
const users = {
  doctor: {
    id: 'u1', username: 'doctor', full_name: '李明', role: 'doctor', title: '主治医师', institution: INST,
    department: { id: 'd1', code: 'ORTHO', name: '骨科' },
    permissions: ['patient:read', 'patient:write', 'patient:merge', 'break_glass'],
    must_change_password: false, patient_id: null, totp_enrolled: false,
  },
  auditor: {
    id: 'u2', username: 'auditor', full_name: '审计员', role: 'audit_admin', title: '', institution: INST, department: null,
    permissions: ['audit:read'], must_change_password: false, patient_id: null, totp_enrolled: true,
  },
  patient: {
    id: 'u3', username: 'patient', full_name: '王建国', role: 'patient', title: '', institution: INST, department: null,
    permissions: ['self:read'], must_change_password: false, patient_id: 'p1', totp_enrolled: false,
  },
}
const PATIENT = {
  id: 'p1', mrn: 'Q00000001', name: '王建国', sex: 'male', birth_date: '1955-04-26', age: 71,
  phone_masked: '185****8757', id_number_masked: '511***********049X', insurance_type: 'employee', institution_id: 'i1',
  id_number: '51192219550426049X', phone: '18515168757', address: '西川省青石县解放路153号', allergies: ['青霉素'],
  emergency_contact: { name: '王芳', relation: '女儿', phone: '13900001111' }, his_ids: [{ system: 'HIS', value: 'A1' }],
  department_id: 'd1', merged_into_id: null, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
}

let who: keyof typeof users | null = null
const posted: { body: Record<string, unknown>; force: string | null }[] = []
function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  })
}
async function api(req: Request): Promise<Response> {
  const u = new URL(req.url)
  const p = u.pathname
  if (p === '/api/v1/meta') return reply({ demo_mode: true, version: '0.1.0', timezone: 'Asia/Shanghai' })
  if (p === '/api/v1/auth/me') return who ? reply(users[who]) : reply({ status: 401, code: 'unauthorized', detail: '请先登录' }, 401)
  if (p === '/api/v1/patients' && req.method === 'POST') {
    const body = await req.json()
    posted.push({ body, force: u.searchParams.get('force') })
    if (body.phone === '13000000000') {
      return reply({ status: 422, code: 'validation_error', title: '提交的内容有误,请检查标出的字段', detail: 'phone: 号码已停用',
        errors: [{ field: 'phone', message: '号码已停用' }] }, 422)
    }
    if (u.searchParams.get('force') !== 'true') {
      return reply({ status: 409, code: 'patients.duplicate', detail: '该患者可能已经登记过,请先核对', duplicates: [{ id: 'p1', mrn: 'Q00000001', name: '王建国' }] }, 409)
    }
    return reply({ ...PATIENT, id: 'p1', name: body.name }, 201)
  }
  if (p === '/api/v1/patients') return reply({ items: [PATIENT], total: 1, limit: 20, offset: 0 })
  if (p === '/api/v1/patients/p1') return reply(PATIENT)
  if (p === '/api/v1/patients/missing') return reply({ status: 404, code: 'patients.not_found', detail: '未找到该患者' }, 404)
  if (p === '/api/v1/me/patient') return reply(PATIENT)
  if (p === '/api/v1/auth/totp/setup') return reply({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', uri: 'otpauth://totp/Osteon:doctor?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Osteon' })
  if (p === '/api/v1/audit/events')
    return reply({
      items: [{ id: 'a1', seq: 7, at: '2026-01-01T00:00:00Z', username: 'doctor', role: 'doctor', institution_id: 'i1', action: 'patient.read',
        patient_id: 'p1', resource_type: 'patient', resource_id: 'p1', outcome: 'success', severity: 'info', client_ip: '127.0.0.1', detail: {} }],
      total: 1, limit: 50, offset: 0,
    })
  return reply({ status: 404, code: 'http_404', detail: 'nope' }, 404)
}

let wrapper: VueWrapper | null = null
const warnings: string[] = []

beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(api))
  vi.stubGlobal('scrollTo', () => undefined) // jsdom has no scrolling; the router's scrollBehavior calls it
  warnings.length = 0
  vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.map(String).join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void warnings.push(a.map(String).join(' ')))
  applyLocale('zh-CN')
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = null
  await flushPromises()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

async function open(path: string, as: keyof typeof users | null) {
  who = as
  const router = createAppRouter()
  const el = document.createElement('div')
  document.body.appendChild(el)
  wrapper = mount(App, { global: { plugins: [createPinia(), i18n, elementPlus, router] }, attachTo: el })
  await router.push(path)
  await router.isReady()
  for (let i = 0; i < 5; i++) await flushPromises()
  return { router, w: wrapper }
}
/** Lets requests, lazy route components and Element Plus' debounced validation state settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises()
  await new Promise((r) => setTimeout(r, 200))
  for (let i = 0; i < 5; i++) await flushPromises()
}
const has = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`).exists()

describe('pages render against the API contract', () => {
  it('login page with demo banner and language switch', async () => {
    const { router, w } = await open('/patients', null)
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/patients')
    for (const id of ['login-username', 'login-password', 'login-submit', 'demo-banner', 'language-switch']) expect(has(w, id), id).toBe(true)
    expect(w.text()).toContain('演示模式')
  })

  it('doctor: dashboard, menu filtered by permission', async () => {
    const { w } = await open('/', 'doctor')
    expect(w.find('[data-testid="home-greeting"]').text()).toContain('李明')
    expect(has(w, 'menu-patients')).toBe(true)
    expect(has(w, 'menu-patient-register')).toBe(true)
    expect(has(w, 'menu-audit')).toBe(false)
    expect(w.find('[data-testid="header-institution"]').text()).toContain('青石县人民医院')
  })

  it('doctor: patient search shows masked values', async () => {
    const { w } = await open('/patients?q=wjg', 'doctor')
    expect(has(w, 'patient-search')).toBe(true)
    const rows = w.findAll('[data-testid="patient-row"]')
    expect(rows).toHaveLength(1)
    expect(w.text()).toContain('185****8757')
    expect(w.text()).not.toContain('18515168757')
  })

  it('doctor: registration form', async () => {
    const { w } = await open('/patients/new', 'doctor')
    for (const id of ['reg-name', 'reg-id-number', 'reg-phone', 'reg-insurance', 'reg-allergies', 'register-submit']) expect(has(w, id), id).toBe(true)
  })

  it('doctor: registering derives sex and birth date from the ID number, then handles a duplicate', async () => {
    posted.length = 0
    const { router, w } = await open('/patients/new', 'doctor')
    await w.find('[data-testid="reg-name"]').setValue('张三')
    await w.find('[data-testid="reg-id-number"]').setValue('11010519491231002X')
    await flushPromises()
    expect(w.find('[data-testid="reg-sex-female"]').classes()).toContain('is-active')
    await w.find('[data-testid="reg-phone"]').setValue('13812345678')
    await w.find('[data-testid="reg-allergies"]').setValue('青霉素')
    await w.find('[data-testid="reg-allergies"]').trigger('keydown', { key: 'Enter', code: 'Enter' })
    // the insurance select is left empty: validation must stop the submit
    await w.find('[data-testid="register-form"]').trigger('submit')
    await settle()
    expect(posted).toHaveLength(0)
    expect(w.text()).toContain('请选择医保类型')

    const vm = w.findComponent({ name: 'ElSelect' })
    vm.vm.$emit('update:modelValue', 'resident')
    await flushPromises()
    await w.find('[data-testid="register-form"]').trigger('submit')
    await settle()
    expect(posted).toHaveLength(1)
    expect(posted[0].body).toMatchObject({
      name: '张三', sex: 'female', birth_date: '1949-12-31', id_number: '11010519491231002X',
      phone: '13812345678', insurance_type: 'resident', allergies: ['青霉素'],
    })
    expect(document.body.querySelector('[data-testid="duplicate-dialog"]')).not.toBeNull()
    ;(document.body.querySelector('[data-testid="duplicate-force"]') as HTMLElement).click()
    await settle()
    expect(posted[1].force).toBe('true')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('patient-detail'), { timeout: 5000 })
  })

  it('doctor: server field errors appear next to the field', async () => {
    posted.length = 0
    const { w } = await open('/patients/new', 'doctor')
    await w.find('[data-testid="reg-name"]').setValue('李四')
    await w.find('[data-testid="reg-sex-male"]').find('input').setValue(true)
    await w.find('[data-testid="reg-phone"]').setValue('13000000000')
    w.findComponent({ name: 'ElSelect' }).vm.$emit('update:modelValue', 'self_pay')
    await flushPromises()
    await w.find('[data-testid="register-form"]').trigger('submit')
    await settle()
    expect(posted).toHaveLength(1)
    expect(w.text()).toContain('号码已停用')
  })

  it('doctor: "/" focuses the search box and Enter opens the first result', async () => {
    const { router, w } = await open('/patients', 'doctor')
    const input = w.find('[data-testid="patient-search"]').element as HTMLInputElement
    ;(document.activeElement as HTMLElement | null)?.blur()
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: '/', bubbles: true }))
    expect(document.activeElement).toBe(input)
    await w.find('[data-testid="patient-search"]').setValue('wjg')
    // Enter that confirms a pinyin composition does not navigate
    await w.find('[data-testid="patient-search"]').trigger('keydown', { key: 'Enter', isComposing: true })
    await settle()
    expect(router.currentRoute.value.name).toBe('patients')
    await w.find('[data-testid="patient-search"]').trigger('keydown', { key: 'Enter' })
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('patient-detail'), { timeout: 5000 })
    expect((router.currentRoute.value.params as { id?: string }).id).toBe('p1')
  })

  it('doctor: patient detail masks until "show"', async () => {
    const { w } = await open('/patients/p1', 'doctor')
    expect(w.find('[data-testid="patient-name"]').text()).toBe('王建国')
    expect(w.find('[data-testid="reveal-phone-value"]').text()).toBe('185****8757')
    await w.find('[data-testid="reveal-phone-toggle"]').trigger('click')
    expect(w.find('[data-testid="reveal-phone-value"]').text()).toBe('18515168757')
    expect(has(w, 'merge-open')).toBe(true)
    expect(w.text()).toContain('青霉素')
  })

  it('doctor: a missing patient offers break-the-glass', async () => {
    const { w } = await open('/patients/missing', 'doctor')
    expect(has(w, 'patient-not-found')).toBe(true)
    expect(has(w, 'break-glass-open')).toBe(true)
  })

  it('doctor may not open the audit page', async () => {
    const { router } = await open('/audit', 'doctor')
    expect(router.currentRoute.value.name).toBe('forbidden')
  })

  it('auditor: audit search page', async () => {
    const { w } = await open('/audit', 'auditor')
    expect(has(w, 'audit-verify')).toBe(true)
    expect(w.find('[data-testid="audit-row-action"]').text()).toBe('patient.read')
  })

  it('patient: H5 home and my info; staff pages are out of reach', async () => {
    const { router, w } = await open('/patients', 'patient')
    expect(router.currentRoute.value.name).toBe('portal-home')
    expect(has(w, 'portal-tile-info')).toBe(true)
    expect(has(w, 'large-text-toggle')).toBe(true)
    await router.push('/m/info')
    for (let i = 0; i < 5; i++) await flushPromises()
    expect(w.find('[data-testid="portal-info-name"]').text()).toBe('王建国')
  })

  it('doctor: two-factor enrolment shows the key to type in', async () => {
    const { w } = await open('/security/totp', 'doctor')
    await w.find('[data-testid="totp-start"]').trigger('click')
    await settle()
    expect(w.find('[data-testid="totp-secret"]').text()).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP')
    expect(has(w, 'totp-confirm-code')).toBe(true)
  })

  it('patient: the large-text toggle is remembered', async () => {
    const { w } = await open('/m/', 'patient')
    expect(w.find('.portal').classes()).not.toContain('portal--large')
    await w.find('[data-testid="large-text-toggle"]').trigger('click')
    await flushPromises()
    expect(w.find('.portal').classes()).toContain('portal--large')
    expect(localStorage.getItem('osteon.largeText')).toBe('1')
    await w.find('[data-testid="large-text-toggle"]').trigger('click')
    await flushPromises()
    expect(localStorage.getItem('osteon.largeText')).toBe('0')
  })

  it('switches language', async () => {
    const { w } = await open('/', 'doctor')
    applyLocale('en')
    await flushPromises()
    expect(w.find('[data-testid="menu-patients"]').text()).toContain('Find patient')
  })

  afterEach(() => {
    // "[ElForm] unexpected width NaN" only happens without a layout engine (jsdom); not checked here
    const vueWarnings = warnings.filter((m) => m.includes('[Vue warn]') || m.includes('[intlify]'))
    expect(vueWarnings).toEqual([])
  })
})
