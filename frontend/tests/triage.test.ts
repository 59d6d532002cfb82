import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import App from '@/App.vue'
import { applyLocale, i18n } from '@/i18n'
import { elementPlus } from '@/plugins/element'
import { createAppRouter } from '@/router'
import TriageSummaryCard from '@/domains/triage/components/TriageSummaryCard.vue'
import { STORAGE_KEY, linkStoredInterviewTo } from '@/domains/triage/composables/useStoredInterview'
import type { InterviewRead, TriageSummary } from '@/domains/triage/types'
import '@/api/client'

const SUMMARY: TriageSummary = {
  chief_complaint: { text: '左腰痛伴左下肢麻木2月', refs: [0, 2], quotes: ['腰杆疼了两个多月,右边腿杆发麻', '不对,是左边'] },
  hpi: [{ text: '患者2月前出现左腰痛。', refs: [0], quotes: ['腰杆疼了两个多月,右边腿杆发麻'] }],
  hpi_text: '患者2月前出现左腰痛。',
  positives: [],
  negatives: [{ text: '否认发热。', refs: [1], quotes: ['没有'] }],
  red_flags_screened: [{ text: '大小便障碍/鞍区麻木：否。', refs: [1], quotes: ['没有'] }],
  triage: [],
  department: 'spine',
  urgency: 'routine',
  red_flags: [],
  utterances: [],
}
const Q = {
  id: 'rf_fever', kind: 'yesno', text: '最近有没有发烧?', text_zh: '最近有没有发烧?', text_en: 'Any fever?', red_flag: true, number: 2,
  options: [
    { value: '有', label_zh: '有', label_en: 'Yes' },
    { value: '没有', label_zh: '没有', label_en: 'No' },
  ],
}
function interview(over: Partial<InterviewRead> = {}): InterviewRead {
  return {
    id: 'iv1', token: null, lang: 'zh', done: false, stop_reason: null, question: Q, message: null,
    transcript: [
      { role: 'assistant', text_zh: '哪里不舒服?', text_en: 'What is wrong?', qid: 'chief' },
      { role: 'patient', text_zh: '腰杆疼', text_en: '腰杆疼', qid: null },
      { role: 'assistant', text_zh: '最近有没有发烧?', text_en: 'Any fever?', qid: 'rf_fever' },
    ],
    department: 'spine', department_name: { zh: '脊柱外科', en: 'Spine Surgery' }, urgency: 'routine', red_flags: [],
    instruction: { zh: '建议挂脊柱外科普通门诊', en: 'Book spine' }, summary: null, booking: null, claimed: false,
    appointment_id: null, created_at: '2026-11-25T00:00:00Z', finished_at: null, ...over,
  }
}

const seen: { path: string; token: string | null; body?: unknown }[] = []
let next: InterviewRead = interview()
function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } })
}
async function api(req: Request): Promise<Response> {
  const p = new URL(req.url).pathname
  const body = req.method === 'POST' ? await req.json().catch(() => null) : undefined
  seen.push({ path: `${req.method} ${p}`, token: req.headers.get('X-Interview-Token'), body })
  if (p === '/api/v1/meta') return reply({ demo_mode: false, version: '0.1.0', timezone: 'Asia/Shanghai' })
  if (p === '/api/v1/auth/me') return reply({ status: 401, code: 'unauthorized', detail: '请先登录' }, 401)
  if (p.startsWith('/api/v1/triage/interviews')) return reply(next, p === '/api/v1/triage/interviews' ? 201 : 200)
  return reply({ status: 404, code: 'http_404', detail: 'nope' }, 404)
}

let wrapper: VueWrapper | null = null
beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(api))
  vi.stubGlobal('scrollTo', () => undefined)
  seen.length = 0
  localStorage.clear()
  applyLocale('zh-CN')
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = null
  await flushPromises()
  vi.unstubAllGlobals()
})

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises()
  await new Promise((r) => setTimeout(r, 100))
  for (let i = 0; i < 5; i++) await flushPromises()
}
async function open(path: string) {
  const router = createAppRouter()
  const el = document.createElement('div')
  document.body.appendChild(el)
  wrapper = mount(App, { global: { plugins: [createPinia(), i18n, elementPlus, router] }, attachTo: el })
  await router.push(path)
  await router.isReady()
  await settle()
  return wrapper
}

describe('triage chat (patient H5, before login)', () => {
  it('starts an interview, keeps the token in localStorage and answers with it', async () => {
    next = interview({ token: 'tok-123' })
    const w = await open('/m/triage')
    await w.find('[data-testid="triage-input"]').setValue('腰杆疼')
    await w.find('form.composer').trigger('submit')
    await settle()
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!)).toEqual({ id: 'iv1', token: 'tok-123' })
    expect(w.findAll('[data-testid="triage-bubble-patient"]').map((b) => b.text())).toEqual(['腰杆疼'])
    next = interview()
    await w.find('[data-testid="triage-reply-没有"]').trigger('click')
    await settle()
    const answer = seen.find((s) => s.path === 'POST /api/v1/triage/interviews/iv1/answers')
    expect(answer?.token).toBe('tok-123')
    expect(answer?.body).toEqual({ text: '没有' })
  })

  it('resumes after a reload from the stored token', async () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ id: 'iv1', token: 'tok-9' }))
    next = interview()
    const w = await open('/m/triage')
    expect(seen.find((s) => s.path === 'GET /api/v1/triage/interviews/iv1')?.token).toBe('tok-9')
    expect(w.find('[data-testid="triage-quick-replies"]').exists()).toBe(true)
  })

  it('shows the emergency banner and no booking for an emergency', async () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ id: 'iv1', token: 't' }))
    next = interview({ done: true, question: null, urgency: 'emergency', department: 'emergency',
      department_name: { zh: '急诊科', en: 'Emergency Department' }, instruction: { zh: '请立即到急诊就诊', en: 'Go now' },
      summary: { ...SUMMARY, urgency: 'emergency', department: 'emergency' } })
    const w = await open('/m/triage')
    expect(w.find('[data-testid="triage-emergency-banner"]').text()).toContain('请立即到急诊')
    expect(w.find('[data-testid="triage-book"]').exists()).toBe(false)
    expect(w.find('[data-testid="triage-save-login"]').exists()).toBe(true)
  })
})

describe('TriageSummaryCard', () => {
  it("shows 主诉 and opens the patient's own words with one click", async () => {
    const w = mount(TriageSummaryCard, { props: { summary: SUMMARY, departmentName: { zh: '脊柱外科', en: 'Spine' } }, global: { plugins: [i18n, elementPlus] } })
    expect(w.find('[data-testid="triage-summary-cc"]').text()).toBe('左腰痛伴左下肢麻木2月')
    expect(w.find('[data-testid="triage-quotes"]').exists()).toBe(false)
    await w.find('[data-testid="triage-summary-cc"]').trigger('click')
    expect(w.find('[data-testid="triage-quotes"]').text()).toContain('不对,是左边')
    expect(w.find('[data-testid="triage-summary-redFlags"]').exists()).toBe(true)
    w.unmount()
  })
})

describe('linking a booking to the interview (booked from the chat)', () => {
  it('links the interview named in ?triage= with the stored token, and nothing else', async () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ id: 'iv1', token: 'tok-7' }))
    next = interview({ appointment_id: 'appt-1' })
    expect(await linkStoredInterviewTo('appt-1', 'other-interview')).toBe(false)
    expect(await linkStoredInterviewTo('appt-1', undefined)).toBe(false)
    expect(seen.some((s) => s.path.endsWith('/link'))).toBe(false)
    expect(await linkStoredInterviewTo('appt-1', 'iv1')).toBe(true)
    const link = seen.find((s) => s.path === 'POST /api/v1/triage/interviews/iv1/link')
    expect(link?.token).toBe('tok-7')
    expect(link?.body).toEqual({ appointment_id: 'appt-1' })
  })

  it('does nothing when this browser holds no interview', async () => {
    expect(await linkStoredInterviewTo('appt-1', 'iv1')).toBe(false)
    expect(seen.length).toBe(0)
  })
})

describe('registration-desk triage', () => {
  it('says when the urgency model (not a rule) asked for a visit within 24–48 h', async () => {
    const { default: TriageDeskView } = await import('@/domains/triage/views/TriageDeskView.vue')
    const result = {
      department: 'sports', department_name: { zh: '运动医学科', en: 'Sports Medicine' }, urgency: 'urgent', red_flags: [],
      red_flag_details: [], alternatives: [{ department: 'sports', score: 0.8, name: { zh: '运动医学科', en: 'Sports Medicine' } }],
      evidence: [{ rule: 'urgency_model', type: 'urgency_model', zh: '描述与既往需要尽快就诊的病例相似', because: ['52%'], probability: 0.52, threshold: 0.4, urgency: 'urgent' }],
      confidence: 0.6, instruction: { zh: '建议24–48小时内尽快就诊运动医学科', en: 'Please see Sports Medicine within 24-48 hours' },
      conditions: [], facts: {}, findings: [],
    }
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      seen.push({ path: `${req.method} ${new URL(req.url).pathname}`, token: null, body: await req.json().catch(() => null) })
      return reply(result)
    }))
    const el = document.createElement('div')
    document.body.appendChild(el)
    wrapper = mount(TriageDeskView, { global: { plugins: [i18n, elementPlus], stubs: { EChart: true } }, attachTo: el })
    await wrapper.get('textarea').setValue('打球膝盖扭了，一个钟头就肿起来了')
    await wrapper.get('[data-testid="triage-desk-submit"]').trigger('submit')
    await settle()
    expect(seen.map((s) => s.path)).toContain('POST /api/v1/triage/assess')
    const alert = wrapper.get('[data-testid="triage-desk-urgency-model"]')
    expect(alert.text()).toContain('统计模型建议 24–48 小时内就诊')
    expect(alert.text()).toContain('52%')
    expect(wrapper.find('[data-testid="triage-desk-net"]').exists()).toBe(false)
  })
})
