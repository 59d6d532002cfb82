import { describe, expect, it, vi } from 'vitest'
import { formatDuration, slaView, sortConsultations, actionsFor, canEnterRoom } from '@/domains/consultations/sla'
import {
  addChat,
  emptyRoom,
  fromSnapshot,
  reduceRoom,
  roomEventOf,
  viewerEventOf,
  type RoomState,
} from '@/domains/consultations/room/roomState'
import { isPolite, linkStateOf, Mesh, offerDecision, PeerLink, type SignalOut } from '@/domains/consultations/room/p2p'
import { classify, lossBetween, sampleOf, throttle, worst } from '@/domains/consultations/room/quality'
import { fromShared, sameGeometry, thin, toShared } from '@/domains/consultations/room/sharedAnnotations'
import { feedIdOf } from '@/domains/consultations/room/feeds'
import { WsHub, type SocketLike } from '@/api/ws'
import type { ViewerEvent } from '@/domains/imaging/viewerState'

const HOUR = 3600_000

describe('SLA', () => {
  it('formats h:mm:ss, negative when overdue', () => {
    expect(formatDuration(0)).toBe('0:00:00')
    expect(formatDuration(HOUR + 61_000)).toBe('1:01:01')
    expect(formatDuration(-(5 * 60_000))).toBe('-0:05:00')
    expect(formatDuration(30 * HOUR)).toBe('30:00:00')
  })

  it('counts down while the expert owes an answer, red once breached', () => {
    const now = Date.parse('2026-11-25T10:00:00Z')
    const base = { status: 'requested' as const, urgency: 'urgent' as const, sla_state: 'ok' as const }
    expect(slaView({ ...base, sla_due_at: '2026-11-25T11:30:00Z' }, now)).toMatchObject({ state: 'ok', text: '1:30:00' })
    // less than a quarter of the 2 h window left → due soon
    expect(slaView({ ...base, sla_due_at: '2026-11-25T10:20:00Z' }, now).state).toBe('due_soon')
    expect(slaView({ ...base, sla_due_at: '2026-11-25T09:55:00Z' }, now)).toMatchObject({ state: 'breached', text: '-0:05:00' })
    // routine: 24 h window, 10 h left is fine
    expect(slaView({ ...base, urgency: 'routine', sla_due_at: '2026-11-25T20:00:00Z' }, now).state).toBe('ok')
    // answered: no clock, the server says met
    expect(slaView({ ...base, status: 'accepted', sla_state: 'met', sla_due_at: '2026-11-25T09:00:00Z' }, now).state).toBe('met')
    // a breach the server recorded stays visible after the answer
    expect(slaView({ ...base, status: 'accepted', sla_state: 'breached', sla_due_at: '2026-11-25T09:00:00Z' }, now).state).toBe('breached')
  })

  it('sorts open before closed, urgent first, then soonest due', () => {
    const mk = (id: string, urgency: 'urgent' | 'routine', status: string, due: string) =>
      ({ id, urgency, status, sla_due_at: due, scheduled_at: null, created_at: '2026-11-25T08:00:00Z' }) as never
    const list = [
      mk('a', 'routine', 'requested', '2026-11-25T12:00:00Z'),
      mk('b', 'urgent', 'closed', '2026-11-25T09:00:00Z'),
      mk('c', 'urgent', 'requested', '2026-11-25T11:00:00Z'),
      mk('d', 'urgent', 'requested', '2026-11-25T10:00:00Z'),
      mk('e', 'routine', 'requested', '2026-11-25T11:00:00Z'),
    ]
    expect(sortConsultations(list).map((c: { id: string }) => c.id)).toEqual(['d', 'c', 'e', 'a', 'b'])
  })

  it('offers the server\'s actions, or a fallback by role and status', () => {
    expect(actionsFor({ status: 'requested', allowed_actions: ['accept'], my_role: 'expert' })).toEqual(['accept'])
    expect(actionsFor({ status: 'assigned', allowed_actions: undefined as never, my_role: 'expert' })).toEqual(['accept', 'decline', 'propose'])
    expect(actionsFor({ status: 'time_proposed', allowed_actions: undefined as never, my_role: 'requester' })).toContain('confirm')
    expect(canEnterRoom({ status: 'accepted', my_role: 'expert' })).toBe(true)
    expect(canEnterRoom({ status: 'requested', my_role: 'expert' })).toBe(false)
    expect(canEnterRoom({ status: 'accepted', my_role: 'triage' })).toBe(false)
  })
})

const ME = '11111111-1111-1111-1111-111111111111'
const YOU = '22222222-2222-2222-2222-222222222222'

function snapshot(): RoomState {
  return fromSnapshot({
    participants: [{ user_id: ME, name: '李明', role: 'requester', institution: '青石县人民医院' }],
    presenter: null,
    viewer: null,
    annotations: {},
    telestration: { [YOU]: [{ frame: 'frozen', id: 'm1', strokes: [{ points: [[0.1, 0.2]], color: '#ff0000', width: 3 }] }] },
    media: {},
    chat: [{ id: 'm1', sender_id: ME, sender_name: '李明', body: '你好', attachment: null, created_at: '2026-11-25T10:00:00Z' }],
  })
}

describe('room state', () => {
  it('reads a snapshot (marks per target flattened to strokes)', () => {
    const s = snapshot()
    expect(s.participants).toHaveLength(1)
    expect(s.telestration[YOU]).toEqual({ frame: 'frozen', strokes: [{ points: [[0.1, 0.2]], color: '#ff0000', width: 3 }] })
    expect(fromSnapshot(null)).toEqual(emptyRoom())
  })

  it('folds presence, presenter, media, telestration and chat', () => {
    let s: RoomState | null = snapshot()
    s = reduceRoom(s, 'presence.join', { user_id: YOU, name: '林振宇', role: 'expert', institution: '省人民医院' })
    s = reduceRoom(s, 'presence.join', { user_id: YOU, name: '林振宇', role: 'expert', institution: '省人民医院' })
    expect(s!.participants.map((p) => p.user_id)).toEqual([ME, YOU])
    s = reduceRoom(s, 'presenter.take', { presenter: ME, by: ME })
    expect(s!.presenter).toBe(ME)
    s = reduceRoom(s, 'presence.leave', { user_id: YOU })
    expect(s!.participants.map((p) => p.user_id)).toEqual([ME])
    s = reduceRoom(s, 'presenter.clear', { presenter: null, reason: 'left' })
    expect(s!.presenter).toBeNull()
    s = reduceRoom(s, 'media.state', { camera: false, mic: true, screen: false, quality: 'fair', by: YOU })
    expect(s!.media[YOU]).toEqual({ camera: false, mic: true, screen: false, quality: 'fair' })
    s = reduceRoom(s, 'telestration.add', { target: YOU, frame: 'live', id: 'm2', strokes: [{ points: [[0.5, 0.5]], color: '#00ff00', width: 4 }], by: ME })
    expect(s!.telestration[YOU].strokes).toHaveLength(2)
    s = reduceRoom(s, 'telestration.clear', { target: YOU, by: ME })
    expect(s!.telestration[YOU]).toBeUndefined()
    const msg = { id: 'm2', sender_id: YOU, sender_name: '林振宇', body: '看到了', attachment: null, created_at: '2026-11-25T10:01:00Z' }
    s = reduceRoom(s, 'chat.message', msg)
    s = reduceRoom(s, 'chat.message', msg) // the REST answer and the event: once
    expect(s!.chat.map((m) => m.id)).toEqual(['m1', 'm2'])
    expect(addChat(s!.chat, msg)).toBe(s!.chat)
  })

  it('applies the viewer vocabulary and annotations; ignores the unknown', () => {
    let s: RoomState | null = snapshot()
    s = reduceRoom(s, 'viewer.series.select', { studyUid: '1.2', seriesUid: '1.2.3', by: ME })
    s = reduceRoom(s, 'viewer.voi.set', { voi: { windowWidth: 2000, windowCenter: 500 }, by: ME })
    s = reduceRoom(s, 'viewer.image.index', { imageIndex: 7, by: ME })
    s = reduceRoom(s, 'viewer.camera.set', { camera: { zoom: 2, rotation: 450 }, by: ME })
    s = reduceRoom(s, 'viewer.invert.set', { invert: true, by: ME })
    expect(s!.viewer).toMatchObject({ studyUid: '1.2', seriesUid: '1.2.3', imageIndex: 7, invert: true, voi: { windowWidth: 2000, windowCenter: 500 } })
    expect(s!.viewer!.camera).toMatchObject({ zoom: 2, rotation: 90 })
    const a = { uid: 'a-1', tool: 'cobb', seriesUid: '1.2.3', sopUid: '1.2.3.4', label: '12.00°', points: [[0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]] as [number, number, number][] }
    s = reduceRoom(s, 'annotation.add', { annotation: a, by: ME })
    expect(s!.annotations['a-1'].label).toBe('12.00°')
    s = reduceRoom(s, 'annotation.remove', { uid: 'a-1', by: ME })
    expect(s!.annotations).toEqual({})
    const before = s
    expect(reduceRoom(s, 'viewer.bogus', {})).toBe(before)
    expect(reduceRoom(s, 'pointer.move', { x: 1, y: 2 })).toBe(before)
    expect(reduceRoom(null, 'presence.join', { user_id: ME })).toBeNull()
  })

  it('maps viewer events to room frames and back', () => {
    const events: ViewerEvent[] = [
      { type: 'series.select', studyUid: '1.2', seriesUid: '1.2.3', imageIndex: 0 },
      { type: 'voi.set', voi: { windowWidth: 400, windowCenter: 40 } },
      { type: 'camera.set', camera: { zoom: 1.5 } },
      { type: 'annotation.add', annotation: { uid: 'x', tool: 'length', seriesUid: '1', sopUid: '2', label: '', points: [[0, 0, 0]] } },
      { type: 'annotation.remove', uid: 'x' },
      { type: 'pointer.move', x: 0.5, y: 0.25, world: [1, 2, 3] },
    ]
    for (const ev of events) {
      const frame = roomEventOf(ev)!
      expect(frame).not.toBeNull()
      // the server adds `by`
      expect(viewerEventOf(frame.event, { ...frame.data, by: ME })).toEqual(ev)
    }
    expect(roomEventOf({ type: 'voi.set', voi: null })).toEqual({ event: 'viewer.voi.set', data: { voi: null } })
    expect(roomEventOf({ type: 'annotation.visibility', uid: 'x', visible: true })).toBeNull()
    expect(viewerEventOf('viewer.nope', {})).toBeNull()
    expect(viewerEventOf('pointer.move', { x: 'a', y: 1 })).toBeNull()
  })
})

// --- perfect negotiation ------------------------------------------------------------------------------

class FakePc {
  static all: FakePc[] = []
  signalingState: RTCSignalingState = 'stable'
  iceConnectionState: RTCIceConnectionState = 'new'
  connectionState: RTCPeerConnectionState = 'new'
  localDescription: { type: RTCSdpType; sdp: string; toJSON(): unknown } | null = null
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null
  onnegotiationneeded: (() => void) | null = null
  onicecandidate: ((e: { candidate: null }) => void) | null = null
  ontrack: ((e: unknown) => void) | null = null
  oniceconnectionstatechange: (() => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  added: RTCIceCandidateInit[] = []
  transceivers: unknown[] = []
  closed = false
  restarted = 0
  constructor(public name: string) {
    FakePc.all.push(this)
  }
  async setLocalDescription(d?: { type: RTCSdpType; sdp: string }) {
    const type: RTCSdpType = d?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer')
    if (type === 'rollback') {
      this.signalingState = 'stable'
      this.localDescription = null
      return
    }
    const desc = { type, sdp: `${this.name}-${type}` }
    this.localDescription = { ...desc, toJSON: () => desc }
    this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable'
  }
  async setRemoteDescription(d: { type: RTCSdpType; sdp: string }) {
    if (d.type === 'offer' && this.signalingState === 'have-local-offer') {
      // implicit rollback (what browsers do for the polite peer)
      this.signalingState = 'stable'
    }
    this.remoteDescription = d
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable'
  }
  async addIceCandidate(c: RTCIceCandidateInit) {
    this.added.push(c)
  }
  getTransceivers() {
    return this.transceivers
  }
  addTransceiver() {
    this.transceivers.push({})
  }
  addTrack() {}
  restartIce() {
    this.restarted++
  }
  close() {
    this.closed = true
  }
}

describe('perfect negotiation', () => {
  it('is symmetric about who yields', () => {
    expect(isPolite(ME, YOU)).toBe(!isPolite(YOU, ME))
    expect(offerDecision({ type: 'offer', polite: false, makingOffer: true, signalingState: 'have-local-offer', settingRemoteAnswerPending: false })).toBe('ignore')
    expect(offerDecision({ type: 'offer', polite: true, makingOffer: true, signalingState: 'have-local-offer', settingRemoteAnswerPending: false })).toBe('accept')
    expect(offerDecision({ type: 'offer', polite: false, makingOffer: false, signalingState: 'stable', settingRemoteAnswerPending: false })).toBe('accept')
    expect(offerDecision({ type: 'answer', polite: false, makingOffer: false, signalingState: 'have-local-offer', settingRemoteAnswerPending: false })).toBe('accept')
    expect(linkStateOf('checking')).toBe('connecting')
    expect(linkStateOf('connected', 'connected')).toBe('connected')
    expect(linkStateOf('disconnected')).toBe('reconnecting')
    expect(linkStateOf('failed')).toBe('failed')
  })

  it('resolves glare: both offer at once, the impolite offer wins and both end stable', async () => {
    const outA: SignalOut[] = []
    const outB: SignalOut[] = []
    const a = new PeerLink({ me: ME, peer: YOU, session: 'sa', iceServers: [], send: (s) => outA.push(s), createPc: () => new FakePc('A') as never })
    const b = new PeerLink({ me: YOU, peer: ME, session: 'sb', iceServers: [], send: (s) => outB.push(s), createPc: () => new FakePc('B') as never })
    const pa = a.pc as unknown as FakePc
    const pb = b.pc as unknown as FakePc
    // both add tracks: both negotiate
    await (pa.onnegotiationneeded as () => Promise<void>)()
    await (pb.onnegotiationneeded as () => Promise<void>)()
    expect(outA[0].kind).toBe('offer')
    expect(outB[0].kind).toBe('offer')
    // simulate the collision: each still believes it is making an offer
    a.makingOffer = true
    b.makingOffer = true
    await a.receive('offer', outB[0].payload)
    await b.receive('offer', outA[0].payload)
    a.makingOffer = false
    b.makingOffer = false
    const polite = a.polite ? a : b
    const impolite = a.polite ? b : a
    const politeOut = a.polite ? outA : outB
    expect(impolite.ignoreOffer).toBe(true)
    expect(polite.ignoreOffer).toBe(false)
    const answer = politeOut.find((s) => s.kind === 'answer')!
    expect(answer.payload.target).toBe(impolite === a ? 'sa' : 'sb')
    await impolite.receive('answer', answer.payload)
    expect((impolite.pc as unknown as FakePc).signalingState).toBe('stable')
    expect((polite.pc as unknown as FakePc).signalingState).toBe('stable')
  })

  it('queues candidates until the remote description, and restarts ICE on failure', async () => {
    const out: SignalOut[] = []
    const states: string[] = []
    const link = new PeerLink({ me: ME, peer: YOU, session: 's1', iceServers: [], send: (s) => out.push(s), createPc: () => new FakePc('A') as never, onState: (s) => states.push(s) })
    const pc = link.pc as unknown as FakePc
    await link.receive('candidate', { session: 'r1', candidate: { candidate: 'c1' } })
    expect(pc.added).toEqual([])
    await link.receive('offer', { session: 'r1', description: { type: 'offer', sdp: 'x' } })
    expect(pc.added).toEqual([{ candidate: 'c1' }])
    expect(out.at(-1)!.kind).toBe('answer')
    // a signal from another page of the same user is not for this link
    await link.receive('candidate', { session: 'r2', candidate: { candidate: 'c2' } })
    expect(pc.added).toHaveLength(1)
    pc.iceConnectionState = 'failed'
    pc.oniceconnectionstatechange!()
    expect(pc.restarted).toBe(1)
    expect(states).toContain('reconnecting')
  })

  it('restarts ICE when negotiation is done but ICE never starts (candidates lost in a rollback)', async () => {
    const mk = (me: string, peer: string) =>
      new PeerLink({ me, peer, session: 's', iceServers: [], send: () => undefined, createPc: () => new FakePc('W') as never, watchdogMs: 0 })
    const impolite = isPolite(ME, YOU) ? mk(YOU, ME) : mk(ME, YOU)
    const polite = isPolite(ME, YOU) ? mk(ME, YOU) : mk(YOU, ME)
    for (const link of [impolite, polite]) {
      const pc = link.pc as unknown as FakePc
      link.checkStuck() // nothing negotiated yet: not stuck
      await pc.setLocalDescription()
      await pc.setRemoteDescription({ type: 'answer', sdp: 'a' })
      expect(pc.signalingState).toBe('stable')
    }
    impolite.checkStuck()
    expect((impolite.pc as unknown as FakePc).restarted).toBe(0)
    impolite.checkStuck()
    expect((impolite.pc as unknown as FakePc).restarted).toBe(1)
    // the polite side waits longer, so the two restarts rarely collide
    for (let i = 0; i < 3; i++) polite.checkStuck()
    expect((polite.pc as unknown as FakePc).restarted).toBe(0)
    polite.checkStuck()
    expect((polite.pc as unknown as FakePc).restarted).toBe(1)
    // a connected link is left alone
    const pc = impolite.pc as unknown as FakePc
    pc.iceConnectionState = 'connected'
    pc.oniceconnectionstatechange!()
    for (let i = 0; i < 10; i++) impolite.checkStuck()
    expect(pc.restarted).toBe(1)
  })

  it('mesh: a stuck link is replaced by a fresh connection under a new session id', async () => {
    const sent: SignalOut[] = []
    const mesh = new Mesh({ me: ME, session: 'pg', iceServers: [], send: (s) => sent.push(s), createPc: () => new FakePc('S') as never, watchdogMs: 0 })
    mesh.syncPeers([YOU])
    const old = mesh.links.get(YOU)!
    const pc = old.pc as unknown as FakePc
    await pc.setLocalDescription()
    await pc.setRemoteDescription({ type: 'answer', sdp: 'a' })
    for (let i = 0; i < 4; i++) old.checkStuck()
    const fresh = mesh.links.get(YOU)!
    expect(fresh).not.toBe(old)
    expect(pc.closed).toBe(true)
    expect(pc.restarted).toBe(0)
    expect(fresh.session).toBe('pg.1')
    // answers for the old link are ignored, those for the new one accepted
    await mesh.onSignal(YOU, 'candidate', { session: 'r', target: 'pg', candidate: { candidate: 'old' } })
    expect(fresh.remoteSession).toBeNull()
    await mesh.onSignal(YOU, 'offer', { session: 'r', target: 'pg.1', description: { type: 'offer', sdp: 'o' } })
    expect(fresh.remoteSession).toBe('r')
    mesh.close()
  })

  it('mesh: one link per peer; a reloaded peer (new session offer) replaces its link', async () => {
    const sent: SignalOut[] = []
    const mesh = new Mesh({ me: ME, session: 'mine', iceServers: [], send: (s) => sent.push(s), createPc: () => new FakePc('M') as never })
    mesh.syncPeers([ME, YOU])
    expect([...mesh.links.keys()]).toEqual([YOU])
    const first = mesh.links.get(YOU)!
    await mesh.onSignal(YOU, 'offer', { session: 'old', description: { type: 'offer', sdp: 'o1' } })
    expect(mesh.links.get(YOU)).toBe(first)
    await mesh.onSignal(YOU, 'candidate', { session: 'older', candidate: { candidate: 'x' } })
    expect(mesh.links.get(YOU)).toBe(first)
    await mesh.onSignal(YOU, 'offer', { session: 'new', description: { type: 'offer', sdp: 'o2' } })
    expect(mesh.links.get(YOU)).not.toBe(first)
    expect((first.pc as unknown as FakePc).closed).toBe(true)
    // addressed to an earlier page of mine: dropped
    const now = mesh.links.get(YOU)!
    await mesh.onSignal(YOU, 'offer', { session: 'new', target: 'not-mine', description: { type: 'offer', sdp: 'o3' } })
    expect(mesh.links.get(YOU)).toBe(now)
    mesh.close()
    expect(mesh.links.size).toBe(0)
  })
})

describe('network quality', () => {
  it('classifies RTT and loss', () => {
    expect(classify(40, 0)).toBe('good')
    expect(classify(200, 1)).toBe('fair')
    expect(classify(40, 5)).toBe('fair')
    expect(classify(600, 0)).toBe('poor')
    expect(classify(40, 12)).toBe('poor')
    expect(classify(null, null)).toBe('unknown')
    expect(worst(['good', 'poor', 'fair'])).toBe('poor')
    expect(worst([])).toBe('unknown')
  })

  it('reads RTT and loss from a stats report', () => {
    const report = new Map<string, Record<string, unknown>>([
      ['p', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.05 }],
      ['a', { type: 'inbound-rtp', packetsReceived: 900, packetsLost: 10 }],
      ['v', { type: 'inbound-rtp', packetsReceived: 100, packetsLost: 0 }],
    ])
    const cur = sampleOf(report)
    expect(cur).toEqual({ rtt: 0.05, packetsReceived: 1000, packetsLost: 10 })
    expect(lossBetween({ rtt: null, packetsReceived: 500, packetsLost: 5 }, cur)).toBeCloseTo((100 * 5) / 505)
    expect(lossBetween(cur, cur)).toBeNull()
  })

  it('throttles with a trailing call carrying the latest arguments', () => {
    vi.useFakeTimers()
    let t = 0
    const calls: number[] = []
    const f = throttle((n: number) => calls.push(n), 33, () => t)
    f(1)
    f(2)
    f(3)
    expect(calls).toEqual([1])
    t = 40
    vi.advanceTimersByTime(40)
    expect(calls).toEqual([1, 3])
    f.cancel()
    vi.useRealTimers()
  })
})

describe('shared annotations', () => {
  const imageId = 'wadors:http://x/dicomweb/studies/1.2/series/1.2.3/instances/1.2.3.4/frames/1'
  it('turns a Cornerstone Cobb angle into a SharedAnnotation and back', () => {
    const cs = {
      annotationUID: 'c0ffee-1',
      metadata: { toolName: 'CobbAngle', referencedImageId: imageId },
      data: {
        handles: { points: [[0, 0, 0], [10, 2, 0], [0, 10, 0], [10, 7, 0]] },
        cachedStats: { [imageId]: { angle: 16.5 } },
      },
    }
    const s = toShared(cs)!
    expect(s).toEqual({ uid: 'c0ffee-1', tool: 'cobb', seriesUid: '1.2.3', sopUid: '1.2.3.4', label: '16.50°', points: [[0, 0, 0], [10, 2, 0], [0, 10, 0], [10, 7, 0]] })
    const back = fromShared(s, (sop) => (sop === '1.2.3.4' ? imageId : null), { viewPlaneNormal: [0, 0, 1] })!
    expect(back.metadata).toMatchObject({ toolName: 'CobbAngle', referencedImageId: imageId, viewPlaneNormal: [0, 0, 1] })
    expect(back.data.handles!.points).toEqual(s.points)
    expect(back.isLocked).toBe(true)
    expect(toShared(back as never)).toMatchObject({ uid: s.uid, points: s.points })
    expect(sameGeometry(s, { ...s, points: s.points.map((p) => [...p]) as never })).toBe(true)
    expect(sameGeometry(s, { ...s, points: [[0, 0, 1], ...s.points.slice(1)] as never })).toBe(false)
    expect(fromShared(s, () => null)).toBeNull()
    expect(toShared({ ...cs, metadata: { toolName: 'Probe', referencedImageId: imageId } })).toBeNull()
  })

  it('carries an arrow with its note and a free-hand outline (closed when its ends meet)', () => {
    const arrow = toShared({
      annotationUID: 'arrow-1',
      metadata: { toolName: 'ArrowAnnotate', referencedImageId: imageId },
      data: { handles: { points: [[0, 0, 0], [5, 5, 0]] }, label: '请看这里' },
    })!
    expect(arrow).toMatchObject({ tool: 'arrow', label: '请看这里', points: [[0, 0, 0], [5, 5, 0]] })
    const arrowBack = fromShared(arrow, () => imageId)!
    expect(arrowBack.metadata.toolName).toBe('ArrowAnnotate')
    expect(arrowBack.data.label).toBe('请看这里')
    expect(toShared(arrowBack as never)!.label).toBe('请看这里')
    const ring = Array.from({ length: 40 }, (_, i) => [Math.cos((i / 40) * 2 * Math.PI) * 10, Math.sin((i / 40) * 2 * Math.PI) * 10, 0])
    const free = toShared({
      annotationUID: 'free-1',
      metadata: { toolName: 'PlanarFreehandROI', referencedImageId: imageId },
      data: { handles: { points: [] }, contour: { polyline: ring, closed: true } },
    })!
    expect(free).toMatchObject({ tool: 'freehand', points: ring })
    const freeBack = fromShared(free, () => imageId)!
    expect(freeBack.data.contour).toEqual({ polyline: ring, closed: true })
    expect(toShared(freeBack as never)!.points).toEqual(ring)
    const open = fromShared({ ...free, points: [[0, 0, 0], [5, 0, 0], [10, 3, 0]] }, () => imageId)!
    expect((open.data.contour as { closed: boolean }).closed).toBe(false)
  })

  it('thins long free-hand lines to the limit, keeping both ends', () => {
    const pts = Array.from({ length: 5000 }, (_, i) => [i, 0, 0] as [number, number, number])
    const out = thin(pts, 2000)
    expect(out).toHaveLength(2000)
    expect(out[0]).toEqual([0, 0, 0])
    expect(out[1999]).toEqual([4999, 0, 0])
  })

  it('maps a user to its Janus feed id (first 48 bits of the UUID)', () => {
    expect(feedIdOf('00000000-0001-4000-8000-000000000000')).toBe(1)
    expect(feedIdOf('ffffffff-ffff-4000-8000-000000000000')).toBe(2 ** 48 - 1)
  })
})

describe('hub: publish and unsequenced events', () => {
  class Sock implements SocketLike {
    readyState = 0
    sent: Record<string, unknown>[] = []
    onopen: ((ev: unknown) => void) | null = null
    onclose: ((ev: { code: number }) => void) | null = null
    onmessage: ((ev: { data: unknown }) => void) | null = null
    onerror: ((ev: unknown) => void) | null = null
    send(d: string) {
      this.sent.push(JSON.parse(d))
    }
    close() {
      this.readyState = 3
    }
  }
  it('publishes only on an open socket to a subscribed topic; signal events without seq pass through', () => {
    const sock = new Sock()
    const h = new WsHub({ createSocket: () => sock, url: () => 'ws://t/ws', random: () => 0, pingInterval: 60_000 })
    const got: [string, number][] = []
    h.subscribe('consult:x', { snapshot: () => undefined, event: (e, _d, seq) => got.push([e, seq]) })
    expect(h.publish('consult:x', 'presenter.take', {})).toBe(false)
    sock.readyState = 1
    sock.onopen!({})
    sock.onmessage!({ data: JSON.stringify({ op: 'snapshot', topic: 'consult:x', seq: 5, data: {} }) })
    expect(h.publish('consult:y', 'presenter.take', {})).toBe(false)
    expect(h.publish('consult:x', 'presenter.take', {}, 'r1')).toBe(true)
    expect(sock.sent.at(-1)).toEqual({ op: 'publish', topic: 'consult:x', event: 'presenter.take', data: {}, ref: 'r1' })
    sock.onmessage!({ data: JSON.stringify({ op: 'event', topic: 'consult:x', event: 'signal', data: { kind: 'offer' } }) })
    sock.onmessage!({ data: JSON.stringify({ op: 'event', topic: 'consult:x', seq: 6, event: 'presenter.take', data: {} }) })
    expect(got).toEqual([['signal', -1], ['presenter.take', 6]])
    expect(h.lastSeq('consult:x')).toBe(6)
    h.shutdown()
  })
})
