/**
 * The real-time hub client: ONE authenticated WebSocket per tab (the HttpOnly session cookie, same origin
 * `/ws`), many topic subscriptions (docs/workflow-scheduling.md "WebSocket hub").
 *
 * - Each topic keeps its last `seq`. After a drop the socket reconnects with exponential backoff and
 *   re-subscribes every topic with `since = last seq`: the server sends exactly the missed events
 *   (`resumed` + events) or a fresh `snapshot` when the gap is too old.
 * - A gap seen on a live socket (event seq > last + 1) re-subscribes that topic the same way; a duplicate
 *   (seq ≤ last) is dropped.
 * - 4401 / `unauthorized` means the session ended: no reconnect loop, status `unauthorized`.
 *
 * Views use `useTopic(topic, reducer)`, which returns reactive state and the connection status.
 */
import { getCurrentScope, onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue'

export type WsStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized'

/** What a topic subscriber receives. */
export interface TopicListener {
  snapshot(data: unknown, seq: number): void
  event(event: string, data: unknown, seq: number): void
  error?(code: string, message: string): void
}

/** The part of the browser WebSocket the hub uses (a fake one in tests). */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number }) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface HubOptions {
  url?: () => string
  createSocket?: (url: string) => SocketLike
  /** first retry delay (ms); doubled per failed attempt up to maxDelay */
  baseDelay?: number
  maxDelay?: number
  /** 0..1 random source for jitter (tests pass () => 0) */
  random?: () => number
  pingInterval?: number
  /** close the socket this long after the last topic is gone (ms) */
  idleClose?: number
}

interface TopicEntry {
  listeners: Set<TopicListener>
  lastSeq: number | null
  /** subscribe sent on the current socket and not answered yet */
  pending: boolean
}

const OPEN = 1

function defaultUrl(): string {
  const loc = window.location
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`
}

export class WsHub {
  readonly status: Ref<WsStatus> = ref('idle')
  /** failed attempts since the last successful open */
  attempts = 0
  private socket: SocketLike | null = null
  private topics = new Map<string, TopicEntry>()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  private readonly opts: Required<HubOptions>

  constructor(opts: HubOptions = {}) {
    this.opts = {
      url: opts.url ?? defaultUrl,
      createSocket: opts.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike),
      baseDelay: opts.baseDelay ?? 500,
      maxDelay: opts.maxDelay ?? 15_000,
      random: opts.random ?? Math.random,
      pingInterval: opts.pingInterval ?? 25_000,
      idleClose: opts.idleClose ?? 5_000,
    }
  }

  /** Last seq seen for a topic (null before its snapshot). */
  lastSeq(topic: string): number | null {
    return this.topics.get(topic)?.lastSeq ?? null
  }

  /** Delay before the next reconnect attempt: base × 2^(attempts−1), capped, plus up to 20 % jitter. */
  nextDelay(): number {
    const d = Math.min(this.opts.maxDelay, this.opts.baseDelay * 2 ** Math.max(0, this.attempts - 1))
    return Math.round(d * (1 + 0.2 * this.opts.random()))
  }

  subscribe(topic: string, listener: TopicListener): () => void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer)
      this.idleTimer = null
    }
    let entry = this.topics.get(topic)
    if (!entry) {
      entry = { listeners: new Set(), lastSeq: null, pending: false }
      this.topics.set(topic, entry)
    } else {
      // a late listener needs the whole state: ask for a fresh snapshot for everybody
      entry.lastSeq = null
    }
    entry.listeners.add(listener)
    if (this.socket && this.socket.readyState === OPEN) this.sendSubscribe(topic, entry)
    else this.ensureSocket()
    return () => this.unsubscribe(topic, listener)
  }

  private unsubscribe(topic: string, listener: TopicListener): void {
    const entry = this.topics.get(topic)
    if (!entry) return
    entry.listeners.delete(listener)
    if (entry.listeners.size > 0) return
    this.topics.delete(topic)
    this.send({ op: 'unsubscribe', topic })
    if (this.topics.size === 0) {
      this.idleTimer = setTimeout(() => this.shutdown(), this.opts.idleClose)
    }
  }

  /** Close the socket and forget every topic (sign-out, tests). */
  shutdown(): void {
    this.clearTimers()
    const s = this.socket
    this.socket = null
    if (s) {
      s.onclose = null
      s.onmessage = null
      s.onerror = null
      s.onopen = null
      s.close(1000, 'bye')
    }
    if (this.status.value !== 'unauthorized') this.status.value = 'idle'
    this.attempts = 0
    if (this.topics.size === 0) return
    this.topics.clear()
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.retryTimer = this.pingTimer = this.idleTimer = null
  }

  private send(frame: Record<string, unknown>): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame))
  }

  private sendSubscribe(topic: string, entry: TopicEntry): void {
    const frame: Record<string, unknown> = { op: 'subscribe', topic }
    if (entry.lastSeq !== null) frame.since = entry.lastSeq
    entry.pending = true
    this.send(frame)
  }

  private ensureSocket(): void {
    if (this.socket || this.retryTimer || this.status.value === 'unauthorized') return
    this.connect()
  }

  private connect(): void {
    this.retryTimer = null
    if (this.topics.size === 0) {
      this.status.value = 'idle'
      return
    }
    this.status.value = this.attempts > 0 ? 'reconnecting' : 'connecting'
    let s: SocketLike
    try {
      s = this.opts.createSocket(this.opts.url())
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = s
    s.onopen = () => {
      this.attempts = 0
      this.status.value = 'open'
      for (const [topic, entry] of this.topics) this.sendSubscribe(topic, entry)
      if (this.pingTimer) clearInterval(this.pingTimer)
      this.pingTimer = setInterval(() => this.send({ op: 'ping' }), this.opts.pingInterval)
    }
    s.onmessage = (ev) => this.onMessage(ev.data)
    s.onerror = () => {
      /* a close follows */
    }
    s.onclose = (ev) => {
      if (this.socket !== s) return
      this.socket = null
      if (this.pingTimer) clearInterval(this.pingTimer)
      this.pingTimer = null
      for (const entry of this.topics.values()) entry.pending = false
      if (ev.code === 4401) {
        this.status.value = 'unauthorized'
        return
      }
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    this.socket = null
    if (this.topics.size === 0) {
      this.status.value = 'idle'
      return
    }
    this.attempts += 1
    this.status.value = 'reconnecting'
    this.retryTimer = setTimeout(() => this.connect(), this.nextDelay())
  }

  /**
   * Send a `publish` frame (consultation room events, docs/consultation.md §2). False when the socket is not
   * open: room events are state updates, the caller re-sends the current state after the resume.
   */
  publish(topic: string, event: string, data: unknown, ref?: string): boolean {
    if (!this.socket || this.socket.readyState !== OPEN || !this.topics.has(topic)) return false
    this.send({ op: 'publish', topic, event, data, ...(ref ? { ref } : {}) })
    return true
  }

  /** Reconnect now (the "retry" button, or the browser coming back online). */
  reconnectNow(): void {
    if (this.socket || this.topics.size === 0) return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.status.value === 'unauthorized') this.status.value = 'idle'
    this.connect()
  }

  private onMessage(raw: unknown): void {
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(String(raw)) as Record<string, unknown>
    } catch {
      return
    }
    const topic = typeof msg.topic === 'string' ? msg.topic : null
    const entry = topic ? this.topics.get(topic) : undefined
    switch (msg.op) {
      case 'snapshot':
        if (!entry || !topic) return
        entry.pending = false
        entry.lastSeq = Number(msg.seq)
        for (const l of entry.listeners) l.snapshot(msg.data, entry.lastSeq)
        return
      case 'resumed':
        if (entry) entry.pending = false
        return
      case 'event': {
        if (!entry || !topic) return
        if (typeof msg.seq !== 'number') {
          // transient (room `signal`, `pointer.move`): not sequenced, not resumable, delivered as is
          for (const l of entry.listeners) l.event(String(msg.event), msg.data, -1)
          return
        }
        const seq = Number(msg.seq)
        if (entry.lastSeq !== null) {
          if (seq <= entry.lastSeq) return // duplicate
          if (seq > entry.lastSeq + 1 && !entry.pending) {
            // missed something on a live socket: ask again from the last one we have
            this.sendSubscribe(topic, entry)
            return
          }
          if (seq > entry.lastSeq + 1) return
        } else if (entry.pending) {
          return // wait for the snapshot
        }
        entry.lastSeq = seq
        for (const l of entry.listeners) l.event(String(msg.event), msg.data, seq)
        return
      }
      case 'error':
        if (msg.code === 'unauthorized') {
          this.status.value = 'unauthorized'
          return
        }
        if (entry) {
          entry.pending = false
          for (const l of entry.listeners) l.error?.(String(msg.code), String(msg.message ?? ''))
        }
        return
      default:
        return
    }
  }
}

let shared: WsHub | null = null

/** The tab's hub (created on first use). */
export function hub(): WsHub {
  shared ??= new WsHub()
  return shared
}

/** For tests: replace the tab's hub. */
export function setHub(h: WsHub | null): void {
  shared?.shutdown()
  shared = h
}

export type Reducer<S> = (state: S | null, event: string, data: unknown) => S | null

export interface TopicState<S> {
  state: Ref<S | null>
  status: Ref<WsStatus>
  /** topic-level error code (`forbidden`, `not_found`, …) */
  error: Ref<string | null>
  /** true once the first snapshot arrived */
  ready: Ref<boolean>
  /** ms timestamp of the last snapshot/event */
  updatedAt: Ref<number | null>
  /** the last event name (for a11y live regions, sounds …) */
  lastEvent: Ref<{ event: string; data: unknown; seq: number } | null>
}

/**
 * Subscribe to a topic for the lifetime of the calling component (or effect scope). `topic` may be a ref or
 * getter; null/'' means "not yet". `reduce` folds an event into the state (default: the event data replaces it).
 */
export function useTopic<S>(topic: MaybeRefOrGetter<string | null | undefined>, reduce?: Reducer<S>, h: WsHub = hub()): TopicState<S> {
  const state = shallowRef<S | null>(null) as Ref<S | null>
  const error = ref<string | null>(null)
  const ready = ref(false)
  const updatedAt = ref<number | null>(null)
  const lastEvent = shallowRef<{ event: string; data: unknown; seq: number } | null>(null)
  let off: (() => void) | null = null

  const fold: Reducer<S> = reduce ?? ((_s, _e, d) => d as S)

  const stop = watch(
    () => toValue(topic),
    (t) => {
      off?.()
      off = null
      state.value = null
      ready.value = false
      error.value = null
      if (!t) return
      off = h.subscribe(t, {
        snapshot(data) {
          state.value = data as S
          ready.value = true
          error.value = null
          updatedAt.value = Date.now()
        },
        event(event, data, seq) {
          state.value = fold(state.value, event, data)
          updatedAt.value = Date.now()
          lastEvent.value = { event, data, seq }
        },
        error(code) {
          error.value = code
        },
      })
    },
    { immediate: true },
  )

  if (getCurrentScope()) {
    onScopeDispose(() => {
      stop()
      off?.()
    })
  }
  return { state, status: h.status, error, ready, updatedAt, lastEvent }
}

/** Replace a whole state when the incoming one has a higher `version` (queue-patient topic). */
export function newerVersion<S extends { version: number }>(state: S | null, _event: string, data: unknown): S | null {
  const next = data as S
  if (!state || next.version > state.version) return next
  return state
}

/** `{sessions:[…]}` states (queue and queue-display topics): replace one session when its version is higher. */
export function replaceSession<S extends { sessions: T[] }, T extends { session_id: string; version: number }>(
  state: S | null,
  _event: string,
  data: unknown,
): S | null {
  if (!state) return state
  const next = data as T
  const i = state.sessions.findIndex((s) => s.session_id === next.session_id)
  if (i < 0) return { ...state, sessions: [...state.sessions, next] }
  if (state.sessions[i].version >= next.version) return state
  const sessions = state.sessions.slice()
  sessions[i] = next
  return { ...state, sessions }
}
