import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { ElButton, ElTag } from 'element-plus'
import { i18n } from '@/i18n'
import LiveStatus from '@/domains/queue/components/LiveStatus.vue'
import type { WsStatus } from '@/api/ws'

function render(props: { status: WsStatus; topicError?: string | null }) {
  return mount(LiveStatus, { props, global: { plugins: [i18n], components: { ElTag, ElButton } } })
}

describe('LiveStatus', () => {
  it('says "reconnecting…" and offers a retry while the hub retries', () => {
    const w = render({ status: 'reconnecting' })
    expect(w.get('[data-testid="ws-status"]').attributes('data-status')).toBe('reconnecting')
    expect(w.text()).toContain('重新连接中…')
    expect(w.find('[data-testid="ws-retry"]').exists()).toBe(true)
  })
  it('says live when open and periodic refresh when the topic is refused', () => {
    expect(render({ status: 'open' }).text()).toContain('实时')
    expect(render({ status: 'open', topicError: 'forbidden' }).text()).toContain('定时刷新')
  })
})
