/**
 * Peer-to-peer media for small rooms (≤ 6: a full mesh of RTCPeerConnections), signalled with `signal`
 * events relayed over the room topic (docs/consultation.md §2: `{to, kind: offer|answer|candidate, payload}`,
 * delivered only to `to`). Each link follows the WebRTC "perfect negotiation" pattern, so either side may
 * start (both add their tracks when they see each other): the polite peer yields on an offer collision, the
 * impolite one ignores the other's offer. A page load has its own `session` id; a signal from a new session
 * of the same user (they reloaded) replaces the old link.
 */

export type SignalKind = 'offer' | 'answer' | 'candidate'

export interface SignalPayload {
  session: string
  /** the sender's link generation on the receiver (answers/candidates must match the receiver's session) */
  target?: string
  description?: { type: RTCSdpType; sdp?: string }
  candidate?: RTCIceCandidateInit | null
}

export interface SignalOut {
  to: string
  kind: SignalKind
  payload: SignalPayload
}

export type SendSignal = (s: SignalOut) => void

/** Who yields on a glare: a fixed, symmetric rule both sides compute the same way. */
export function isPolite(me: string, peer: string): boolean {
  return me > peer
}

/** The perfect-negotiation decision for an incoming description. */
export function offerDecision(o: {
  type: RTCSdpType
  polite: boolean
  makingOffer: boolean
  signalingState: RTCSignalingState
  settingRemoteAnswerPending: boolean
}): 'ignore' | 'accept' {
  const readyForOffer = !o.makingOffer && (o.signalingState === 'stable' || o.settingRemoteAnswerPending)
  const collision = o.type === 'offer' && !readyForOffer
  return collision && !o.polite ? 'ignore' : 'accept'
}

export type LinkState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'

/** Maps ICE / connection states to what the tile shows. */
export function linkStateOf(ice: RTCIceConnectionState, conn?: RTCPeerConnectionState): LinkState {
  if (conn === 'closed' || ice === 'closed') return 'closed'
  if (conn === 'failed' || ice === 'failed') return 'failed'
  if (ice === 'disconnected' || conn === 'disconnected') return 'reconnecting'
  if (ice === 'connected' || ice === 'completed' || conn === 'connected') return 'connected'
  if (ice === 'checking' || conn === 'connecting') return 'connecting'
  return 'new'
}

export interface PeerLinkOptions {
  me: string
  peer: string
  session: string
  iceServers: RTCIceServer[]
  send: SendSignal
  createPc?: (cfg: RTCConfiguration) => RTCPeerConnection
  onStream?: (stream: MediaStream) => void
  onState?: (state: LinkState) => void
  /** how often the link checks that ICE got going (ms; 0 = never) */
  watchdogMs?: number
  /** called instead of an ICE restart when the link is stuck (the mesh replaces it with a fresh connection) */
  onStuck?: () => void
}

/** One side of one peer-to-peer connection. */
export class PeerLink {
  readonly pc: RTCPeerConnection
  readonly polite: boolean
  remoteSession: string | null = null
  makingOffer = false
  ignoreOffer = false
  settingRemoteAnswerPending = false
  state: LinkState = 'new'
  stream: MediaStream | null = null
  private pendingCandidates: RTCIceCandidateInit[] = []
  private restarts = 0
  private stuckTicks = 0
  private watchdog: ReturnType<typeof setInterval> | null = null

  constructor(private readonly o: PeerLinkOptions) {
    this.polite = isPolite(o.me, o.peer)
    this.pc = (o.createPc ?? ((c) => new RTCPeerConnection(c)))({ iceServers: o.iceServers })
    const pc = this.pc
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true
        await pc.setLocalDescription()
        if (pc.localDescription) this.sendSignal('offer', { description: pc.localDescription.toJSON() as SignalPayload['description'] })
      } catch (e) {
        console.warn('negotiation failed', e)
      } finally {
        this.makingOffer = false
      }
    }
    pc.onicecandidate = ({ candidate }) => {
      this.sendSignal('candidate', { candidate: candidate ? candidate.toJSON() : null })
    }
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] ?? this.stream ?? new MediaStream()
      if (!ev.streams[0]) stream.addTrack(ev.track)
      this.stream = stream
      o.onStream?.(stream)
    }
    const update = () => {
      const next = linkStateOf(pc.iceConnectionState, pc.connectionState)
      if (next === 'failed' && this.restarts < 5) {
        // ICE restart: perfect negotiation makes a fresh offer with new credentials
        this.restarts += 1
        pc.restartIce()
        this.setState('reconnecting')
        return
      }
      if (next === 'connected') this.restarts = 0
      this.setState(next)
    }
    pc.oniceconnectionstatechange = update
    pc.onconnectionstatechange = update
    const every = o.watchdogMs ?? 3000
    if (every > 0) this.watchdog = setInterval(() => this.checkStuck(), every)
  }

  /**
   * An offer collision resolved by a rollback can lose the ICE candidates of the rolled-back description: both
   * sides end `stable` with the other's description and ICE never starts (seen with Chromium on loopback). A link
   * that stays `new` with negotiation done is renewed — `onStuck` (the mesh: a new RTCPeerConnection under a new
   * session id, which the other side takes as a reload), else an ICE restart — the impolite side first, the polite
   * one later if that did not help, so the two rarely collide; likewise a link stuck in `connecting` for much
   * longer. (An ICE restart alone does not revive such a connection: its gathering stays stuck.)
   */
  get session(): string {
    return this.o.session
  }

  checkStuck(): void {
    const pc = this.pc
    const settled = pc.signalingState === 'stable' && !!pc.remoteDescription && !!pc.localDescription
    const stuck = settled && (this.state === 'new' || this.state === 'connecting')
    this.stuckTicks = stuck ? this.stuckTicks + 1 : 0
    const limit = (this.state === 'new' ? 2 : 6) * (this.polite ? 2 : 1)
    if (this.stuckTicks >= limit && this.restarts < 5) {
      this.stuckTicks = 0
      this.restarts += 1
      if (this.o.onStuck) this.o.onStuck()
      else pc.restartIce()
    }
  }

  private setState(s: LinkState): void {
    if (s === this.state) return
    this.state = s
    this.o.onState?.(s)
  }

  private sendSignal(kind: SignalKind, extra: Omit<SignalPayload, 'session'>): void {
    this.o.send({ to: this.o.peer, kind, payload: { session: this.o.session, ...(this.remoteSession ? { target: this.remoteSession } : {}), ...extra } })
  }

  /** The transceiver that sends `kind` (found by its receiver's kind, so a null track is found too). */
  private sending(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track?.kind === kind && t.currentDirection !== 'stopped')
  }

  /** Adds (or replaces) the local tracks; adding triggers negotiation. */
  setLocalStream(stream: MediaStream | null): void {
    for (const track of stream?.getTracks() ?? []) {
      const t = this.sending(track.kind as 'audio' | 'video')
      if (t && t.sender.track) void t.sender.replaceTrack(track)
      else if (t) {
        void t.sender.replaceTrack(track)
        t.direction = 'sendrecv'
      } else this.pc.addTrack(track, stream!)
    }
  }

  /** Replace what one kind of sender sends (device switch, screen share) without renegotiating. */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const t = this.sending(kind)
    if (t) await t.sender.replaceTrack(track)
  }

  /** Handle a signal from the peer. */
  async receive(kind: SignalKind, payload: SignalPayload): Promise<void> {
    const pc = this.pc
    if (this.remoteSession === null) this.remoteSession = payload.session
    if (payload.session !== this.remoteSession) return // stale: the mesh replaces the link first
    if (kind === 'candidate') {
      if (!payload.candidate) return
      if (!pc.remoteDescription) {
        this.pendingCandidates.push(payload.candidate)
        return
      }
      try {
        await pc.addIceCandidate(payload.candidate)
      } catch (e) {
        if (!this.ignoreOffer) console.warn('candidate refused', e)
      }
      return
    }
    const description = payload.description
    if (!description) return
    const decision = offerDecision({
      type: description.type,
      polite: this.polite,
      makingOffer: this.makingOffer,
      signalingState: pc.signalingState,
      settingRemoteAnswerPending: this.settingRemoteAnswerPending,
    })
    this.ignoreOffer = decision === 'ignore'
    if (this.ignoreOffer) return
    this.settingRemoteAnswerPending = description.type === 'answer'
    try {
      await pc.setRemoteDescription(description)
    } finally {
      this.settingRemoteAnswerPending = false
    }
    for (const c of this.pendingCandidates.splice(0)) {
      try {
        await pc.addIceCandidate(c)
      } catch {
        /* stale candidate */
      }
    }
    if (description.type === 'offer') {
      await pc.setLocalDescription()
      if (pc.localDescription) this.sendSignal('answer', { description: pc.localDescription.toJSON() as SignalPayload['description'] })
    }
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog)
    this.watchdog = null
    this.pc.onnegotiationneeded = null
    this.pc.onicecandidate = null
    this.pc.ontrack = null
    this.pc.oniceconnectionstatechange = null
    this.pc.onconnectionstatechange = null
    this.pc.close()
    this.setState('closed')
  }
}

export interface MeshOptions {
  me: string
  session: string
  iceServers: RTCIceServer[]
  send: SendSignal
  createPc?: (cfg: RTCConfiguration) => RTCPeerConnection
  onStream?: (peer: string, stream: MediaStream | null) => void
  onState?: (peer: string, state: LinkState) => void
  maxPeers?: number
  watchdogMs?: number
}

/** All links of this page: one per other participant, created when they appear or first signal. */
export class Mesh {
  readonly links = new Map<string, PeerLink>()
  private local: MediaStream | null = null
  private renewals = new Map<string, number>()

  constructor(private readonly o: MeshOptions) {}

  /** A stuck link: close it and start over with a fresh connection (a new session id, so the peer does too). */
  renew(peer: string): void {
    const n = (this.renewals.get(peer) ?? 0) + 1
    if (n > 5 || !this.links.has(peer)) return
    this.renewals.set(peer, n)
    this.drop(peer)
    this.create(peer, `${this.o.session}.${n}`)
  }

  private create(peer: string, session = this.o.session): PeerLink | null {
    if (peer === this.o.me) return null
    if (this.links.size >= (this.o.maxPeers ?? 5)) return null
    const link = new PeerLink({
      me: this.o.me,
      peer,
      session,
      watchdogMs: this.o.watchdogMs,
      onStuck: () => this.renew(peer),
      iceServers: this.o.iceServers,
      send: this.o.send,
      createPc: this.o.createPc,
      onStream: (s) => this.o.onStream?.(peer, s),
      onState: (s) => this.o.onState?.(peer, s),
    })
    this.links.set(peer, link)
    if (this.local) link.setLocalStream(this.local)
    else {
      // receive even without a camera
      link.pc.addTransceiver('audio', { direction: 'recvonly' })
      link.pc.addTransceiver('video', { direction: 'recvonly' })
    }
    return link
  }

  /** The set of online participants changed: connect to new ones (links to those who left stay until ICE gives up). */
  syncPeers(userIds: readonly string[]): void {
    for (const id of userIds) if (id !== this.o.me && !this.links.has(id)) this.create(id)
  }

  /** Drop the link to a peer (they left for good). */
  drop(peer: string): void {
    const link = this.links.get(peer)
    if (!link) return
    link.close()
    this.links.delete(peer)
    this.o.onStream?.(peer, null)
  }

  async onSignal(from: string, kind: SignalKind, payload: SignalPayload): Promise<void> {
    if (!payload || typeof payload.session !== 'string') return
    let link = this.links.get(from)
    // meant for an earlier page of mine, or an earlier link to this peer
    if (payload.target && payload.target !== (link?.session ?? this.o.session)) return
    if (link && link.remoteSession && link.remoteSession !== payload.session) {
      if (kind !== 'offer') return // a straggler from the old page
      this.drop(from) // they reloaded: start over with their new session
      link = undefined
    }
    link ??= this.create(from) ?? undefined
    if (!link) return
    try {
      await link.receive(kind, payload)
    } catch (e) {
      console.warn('signal failed', e)
    }
  }

  setLocalStream(stream: MediaStream | null): void {
    this.local = stream
    for (const link of this.links.values()) link.setLocalStream(stream)
  }

  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.replaceTrack(kind, track)))
  }

  close(): void {
    for (const peer of [...this.links.keys()]) this.drop(peer)
  }
}
