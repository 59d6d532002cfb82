// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { CHIEF_COMPLAINT_MAX, chiefComplaintLength, toContent } from '@/domains/encounters/record'
import { inboxReducer } from '@/domains/notifications/api'
import { newerVersion } from '@/api/ws'

describe('chief complaint length', () => {
  it('counts characters the way the server does', () => {
    expect(chiefComplaintLength('  腰痛伴右下肢放射痛2月  ')).toBe(11)
    expect(chiefComplaintLength('a  b')).toBe(3)
    expect(chiefComplaintLength('𠀀'.repeat(20))).toBe(20) // astral characters are one each
    expect(chiefComplaintLength('右膝'.repeat(11)) > CHIEF_COMPLAINT_MAX).toBe(true)
  })
  it('defaults a stored record', () => {
    const c = toContent({ chief_complaint: '腰痛3天', unknown: 1 })
    expect(c.chief_complaint).toBe('腰痛3天')
    expect(c.diagnoses).toEqual([])
    expect('unknown' in c).toBe(false)
  })
})

describe('topic reducers', () => {
  it('keeps the newer patient state', () => {
    const a = { version: 3, ahead: 1 }
    expect(newerVersion(a, 'queue.called', { version: 2, ahead: 5 })).toBe(a)
    expect(newerVersion(a, 'queue.called', { version: 4, ahead: 0 })).toEqual({ version: 4, ahead: 0 })
  })
  it('prepends new notifications and counts them unread', () => {
    const n = { id: '1', title: 'x' } as never
    const s = inboxReducer({ unread: 0, items: [] }, 'notification.new', n)
    expect(s?.unread).toBe(1)
    expect(s?.items).toHaveLength(1)
    expect(inboxReducer(s, 'other', n)).toBe(s)
  })
})

import { matchDepartment } from '@/domains/scheduling/departments'
import { bookableOnline } from '@/domains/scheduling/booking'

describe('triage department codes → bookable departments', () => {
  const bookable = [
    { id: 'a', name: '脊柱外科' },
    { id: 'b', name: '关节外科' },
  ]
  it('uses the departments API when readable', () => {
    expect(matchDepartment('joint', [{ id: 'b', name: 'x', code: 'ORTHO-JOINT', subspecialty: 'joint' }], bookable)).toBe('b')
  })
  it('falls back to the names of bookable departments', () => {
    expect(matchDepartment('spine', [], bookable)).toBe('a')
    expect(matchDepartment('b', [], bookable)).toBe('b')
    expect(matchDepartment('hand', [], bookable)).toBeNull()
  })
})

import { clock, minutesInZone } from '@/domains/queue/types'

describe('hospital clock', () => {
  it('shows slot times in the hospital time zone whatever the browser zone', () => {
    expect(clock('2026-11-26T00:30:00Z', 'Asia/Shanghai')).toBe('08:30')
    expect(minutesInZone('2026-11-26T00:30:00Z', 'Asia/Shanghai')).toBe(510)
    expect(clock(null)).toBe('')
  })
})

describe('online booking of a session', () => {
  const now = Date.parse('2026-12-05T07:00:00Z') // 15:00 in Beijing
  it('is open while the session has places and has not started', () => {
    expect(bookableOnline({ available: 3, starts_at: '2026-12-06T00:00:00Z' }, now)).toBe(true)
  })
  it('closes when the session has started (the desk registers walk-ins) or is full', () => {
    expect(bookableOnline({ available: 20, starts_at: '2026-12-05T06:00:00Z' }, now)).toBe(false)
    expect(bookableOnline({ available: 0, starts_at: '2026-12-06T00:00:00Z' }, now)).toBe(false)
    expect(bookableOnline({ available: null, starts_at: '2026-12-06T00:00:00Z' }, now)).toBe(false)
  })
})
