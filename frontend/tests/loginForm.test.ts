import { describe, expect, it, vi, afterEach } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import LoginForm from '@/domains/auth/components/LoginForm.vue'

function problem(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ status, code, title: detail, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  })
}
function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

const ME = {
  id: 1,
  username: 'admin',
  full_name: '王管理',
  role: 'system_admin',
  institution: { id: 1, name: '省人民医院', code: 'SRMYY' },
  department: null,
  permissions: ['user:manage'],
  must_change_password: false,
  patient_id: null,
}

afterEach(() => vi.unstubAllGlobals())

describe('LoginForm', () => {
  it('asks for the TOTP code when the server requires it, then resubmits with it', async () => {
    const bodies: unknown[] = []
    const fetchMock = vi.fn(async (req: Request) => {
      const u = req.url
      if (u.endsWith('/auth/login')) {
        const body = await req.json()
        bodies.push(body)
        if (!body.totp) return problem(401, 'auth.totp_required', '需要动态验证码')
        return json({ access_token: 't', token_type: 'bearer', expires_at: '2030-01-01T00:00:00Z', must_change_password: false })
      }
      if (u.endsWith('/auth/me')) return json(ME)
      throw new Error(`unexpected ${u}`)
    })
    vi.stubGlobal('fetch', fetchMock)
    setActivePinia(createPinia())
    const wrapper = mount(LoginForm, { global: { plugins: [i18n, ElementPlus] }, attachTo: document.body })

    await wrapper.find('[data-testid="login-username"]').setValue('admin')
    await wrapper.find('[data-testid="login-password"]').setValue('Secret-Passw0rd')
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(wrapper.find('[data-testid="totp-input"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="login-password"]').exists()).toBe(false)

    await wrapper.find('[data-testid="totp-input"]').setValue('123456')
    await flushPromises()
    await flushPromises()

    expect(bodies).toEqual([
      { username: 'admin', password: 'Secret-Passw0rd' },
      { username: 'admin', password: 'Secret-Passw0rd', totp: '123456' },
    ])
    expect(wrapper.emitted('success')).toHaveLength(1)
    wrapper.unmount()
  })

  it('shows the server message for wrong credentials and clears the password', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => problem(401, 'auth.invalid_credentials', '用户名或密码错误')))
    setActivePinia(createPinia())
    const wrapper = mount(LoginForm, { global: { plugins: [i18n, ElementPlus] }, attachTo: document.body })
    await wrapper.find('[data-testid="login-username"]').setValue('doc')
    await wrapper.find('[data-testid="login-password"]').setValue('wrong')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('用户名或密码错误')
    expect((wrapper.find('[data-testid="login-password"]').element as HTMLInputElement).value).toBe('')
    expect(wrapper.emitted('success')).toBeUndefined()
    wrapper.unmount()
  })
})
