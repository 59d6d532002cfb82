import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { WsHub, replaceSession, useTopic, type SocketLike } from '@/api/ws'

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code: number }) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  constructor(public url: string) {
    FakeSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.readyState = 3
  }
  // server side
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code })
  }
  push(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  subs() {
    return this.sent.filter((f) => f.op === 'subscribe')
  }
}

function makeHub() {
  return new WsHub({
    url: () => 'ws://test/ws',
    createSocket: (u) => new FakeSocket(u),
    baseDelay: 100,
    maxDelay: 1000,
    random: () => 0,
    pingInterval: 60_000,
  })
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1]

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('WsHub', () => {
  it('subscribes on open and delivers the snapshot then events in order', () => {
    const h = makeHub()
    const got: string[] = []
    h.subscribe('queue:a:2026-11-25', {
      snapshot: (d, s) => got.push(`snap ${JSON.stringify(d)} ${s}`),
      event: (e, _d, s) => got.push(`${e} ${s}`),
    })
    expect(h.status.value).toBe('connecting')
    last().open()
    expect(h.status.value).toBe('open')
    expect(last().subs()).toEqual([{ op: 'subscribe', topic: 'queue:a:2026-11-25' }])
    last().push({ op: 'snapshot', topic: 'queue:a:2026-11-25', seq: 4, data: { n: 1 } })
    last().push({ op: 'event', topic: 'queue:a:2026-11-25', seq: 5, event: 'queue.called', data: {} })
    last().push({ op: 'event', topic: 'queue:a:2026-11-25', seq: 5, event: 'queue.called', data: {} }) // dup
    expect(got).toEqual(['snap {"n":1} 4', 'queue.called 5'])
    expect(h.lastSeq('queue:a:2026-11-25')).toBe(5)
  })

  it('reconnects with exponential backoff and resubscribes with since = last seq', () => {
    const h = makeHub()
    const events: number[] = []
    h.subscribe('t1', { snapshot: () => {}, event: (_e, _d, s) => events.push(s) })
    last().open()
    last().push({ op: 'snapshot', topic: 't1', seq: 10, data: {} })
    last().push({ op: 'event', topic: 't1', seq: 11, event: 'x', data: {} })

    last().drop()
    expect(h.status.value).toBe('reconnecting')
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(99)
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(2) // after 100 ms
    expect(h.status.value).toBe('reconnecting')

    last().drop() // the server is still down: 200 ms next
    vi.advanceTimersByTime(199)
    expect(FakeSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(3)
    last().drop()
    vi.advanceTimersByTime(400)
    expect(FakeSocket.all).toHaveLength(4)

    last().open()
    expect(h.status.value).toBe('open')
    expect(h.attempts).toBe(0)
    expect(last().subs()).toEqual([{ op: 'subscribe', topic: 't1', since: 11 }])
    last().push({ op: 'resumed', topic: 't1', since: 11, seq: 13 })
    last().push({ op: 'event', topic: 't1', seq: 12, event: 'x', data: {} })
    last().push({ op: 'event', topic: 't1', seq: 13, event: 'x', data: {} })
    expect(events).toEqual([11, 12, 13])
  })

  it('caps the backoff delay', () => {
    const h = makeHub()
    h.subscribe('t', { snapshot: () => {}, event: () => {} })
    for (let i = 0; i < 8; i++) {
      last().drop()
      vi.advanceTimersByTime(1000)
    }
    expect(h.nextDelay()).toBe(1000)
  })

  it('resubscribes from the last seq when a gap appears on a live socket', () => {
    const h = makeHub()
    const events: number[] = []
    h.subscribe('t', { snapshot: () => {}, event: (_e, _d, s) => events.push(s) })
    last().open()
    last().push({ op: 'snapshot', topic: 't', seq: 1, data: {} })
    last().push({ op: 'event', topic: 't', seq: 3, event: 'x', data: {} }) // 2 is missing
    expect(events).toEqual([])
    expect(last().subs()).toEqual([
      { op: 'subscribe', topic: 't' },
      { op: 'subscribe', topic: 't', since: 1 },
    ])
    last().push({ op: 'resumed', topic: 't', since: 1, seq: 3 })
    last().push({ op: 'event', topic: 't', seq: 2, event: 'x', data: {} })
    last().push({ op: 'event', topic: 't', seq: 3, event: 'x', data: {} })
    expect(events).toEqual([2, 3])
  })

  it('takes a snapshot after a too-old gap (server answers with a snapshot)', () => {
    const h = makeHub()
    const snaps: number[] = []
    h.subscribe('t', { snapshot: (_d, s) => snaps.push(s), event: () => {} })
    last().open()
    last().push({ op: 'snapshot', topic: 't', seq: 5, data: {} })
    last().drop()
    vi.advanceTimersByTime(100)
    last().open()
    expect(last().subs()).toEqual([{ op: 'subscribe', topic: 't', since: 5 }])
    last().push({ op: 'snapshot', topic: 't', seq: 900, data: {} })
    expect(snaps).toEqual([5, 900])
    expect(h.lastSeq('t')).toBe(900)
  })

  it('stops on 4401 (session ended) instead of looping', () => {
    const h = makeHub()
    h.subscribe('t', { snapshot: () => {}, event: () => {} })
    last().drop(4401)
    vi.advanceTimersByTime(10_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(h.status.value).toBe('unauthorized')
  })

  it('reports topic errors and unsubscribes the last listener', () => {
    const h = makeHub()
    const errors: string[] = []
    const off = h.subscribe('beds:x', { snapshot: () => {}, event: () => {}, error: (c) => errors.push(c) })
    last().open()
    last().push({ op: 'error', code: 'not_found', topic: 'beds:x', message: 'no such topic' })
    expect(errors).toEqual(['not_found'])
    off()
    expect(last().sent.at(-1)).toEqual({ op: 'unsubscribe', topic: 'beds:x' })
  })
})

describe('useTopic', () => {
  it('folds events into reactive state and follows a changing topic', async () => {
    const h = makeHub()
    const topic = ref<string | null>('queue:d:2026-11-25')
    const scope = effectScope()
    const t = scope.run(() =>
      useTopic<{ sessions: { session_id: string; version: number; n: number }[] }>(topic, replaceSession, h),
    )!
    last().open()
    last().push({ op: 'snapshot', topic: 'queue:d:2026-11-25', seq: 1, data: { sessions: [{ session_id: 's', version: 1, n: 0 }] } })
    expect(t.ready.value).toBe(true)
    last().push({ op: 'event', topic: 'queue:d:2026-11-25', seq: 2, event: 'queue.called', data: { session_id: 's', version: 3, n: 2 } })
    // an older version arriving later is ignored
    last().push({ op: 'event', topic: 'queue:d:2026-11-25', seq: 3, event: 'queue.called', data: { session_id: 's', version: 2, n: 1 } })
    expect(t.state.value?.sessions[0].n).toBe(2)
    expect(t.lastEvent.value?.event).toBe('queue.called')

    topic.value = 'queue:d:2026-11-26'
    await nextTick()
    expect(t.state.value).toBeNull()
    expect(last().sent.slice(-2)).toEqual([
      { op: 'unsubscribe', topic: 'queue:d:2026-11-25' },
      { op: 'subscribe', topic: 'queue:d:2026-11-26' },
    ])
    scope.stop()
    expect(last().sent.at(-1)).toEqual({ op: 'unsubscribe', topic: 'queue:d:2026-11-26' })
  })
})
