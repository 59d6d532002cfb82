/**
 * Network quality from WebRTC statistics (pure, unit-tested): round-trip time of the active candidate pair
 * and packet loss since the previous sample → good / fair / poor.
 */
import type { Quality } from './roomState'

export interface StatsSample {
  /** seconds (RTCIceCandidatePairStats.currentRoundTripTime) */
  rtt: number | null
  packetsReceived: number
  packetsLost: number
}

export function classify(rttMs: number | null, lossPct: number | null): Quality {
  if (rttMs == null && lossPct == null) return 'unknown'
  const r = rttMs ?? 0
  const l = lossPct ?? 0
  if (r < 150 && l < 2) return 'good'
  if (r < 400 && l < 8) return 'fair'
  return 'poor'
}

/** Loss in % between two samples (cumulative counters), null when nothing arrived. */
export function lossBetween(prev: StatsSample | null, cur: StatsSample): number | null {
  const recv = cur.packetsReceived - (prev?.packetsReceived ?? 0)
  const lost = cur.packetsLost - (prev?.packetsLost ?? 0)
  if (recv + lost <= 0) return null
  return (100 * Math.max(0, lost)) / (recv + Math.max(0, lost))
}

/** The parts of an RTCStatsReport the indicator needs (works on the Map-like report or a plain list). */
export function sampleOf(report: Iterable<[string, Record<string, unknown>]> | { forEach: (cb: (v: Record<string, unknown>) => void) => void }): StatsSample {
  let rtt: number | null = null
  let packetsReceived = 0
  let packetsLost = 0
  const visit = (s: Record<string, unknown>): void => {
    if (s.type === 'candidate-pair' && (s.nominated || s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') {
      rtt = Math.max(rtt ?? 0, s.currentRoundTripTime)
    }
    if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number' && rtt == null) rtt = s.roundTripTime
    if (s.type === 'inbound-rtp') {
      packetsReceived += Number(s.packetsReceived ?? 0)
      packetsLost += Number(s.packetsLost ?? 0)
    }
  }
  if ('forEach' in report && typeof report.forEach === 'function') report.forEach((v) => visit(v))
  else for (const [, v] of report as Iterable<[string, Record<string, unknown>]>) visit(v)
  return { rtt, packetsReceived, packetsLost }
}

/** The worse of several qualities (the room's indicator shows the weakest link). */
export function worst(list: readonly Quality[]): Quality {
  const order: Quality[] = ['poor', 'fair', 'good', 'unknown']
  for (const q of order) if (list.includes(q)) return q
  return 'unknown'
}

/** Calls `fn` at most once per `ms`, always delivering the latest arguments (trailing call). */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number, now: () => number = () => Date.now()): ((...args: A) => void) & { cancel(): void } {
  let last = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null
  let pending: A | null = null
  const run = (): void => {
    timer = null
    last = now()
    if (pending) {
      const a = pending
      pending = null
      fn(...a)
    }
  }
  const wrapped = ((...args: A) => {
    pending = args
    const wait = ms - (now() - last)
    if (wait <= 0 && !timer) run()
    else if (!timer) timer = setTimeout(run, Math.max(0, wait))
  }) as ((...args: A) => void) & { cancel(): void }
  wrapped.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    pending = null
  }
  return wrapped
}
