/**
 * Media through the Janus WebRTC Server's VideoRoom (when the server sets OSTEON_JANUS_URL; contract §3):
 * one publisher handle for our camera/microphone, one subscriber handle per remote publisher. The room,
 * its pin and our per-participant token come from `POST …/room/join`. Uses Janus's own JavaScript library
 * (`janus-gateway`) with `webrtc-adapter`. On a session loss (Janus restarted) it reconnects from scratch
 * and reports `reconnecting` meanwhile.
 */
import type { JanusJS } from 'janus-gateway'
import type { JanusMedia } from '../types'
import type { LinkState } from './p2p'
export { feedIdOf } from './feeds'

type JanusClass = typeof JanusJS.Janus
let initialised: Promise<JanusClass> | null = null

/** Loads janus.js and webrtc-adapter only when a room uses Janus (P2P rooms never download them). */
function initJanus(): Promise<JanusClass> {
  initialised ??= (async () => {
    const [{ default: Janus }, { default: adapter }] = await Promise.all([import('janus-gateway'), import('webrtc-adapter')])
    await new Promise<void>((resolve) => {
      Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies({ adapter }), callback: () => resolve() })
    })
    return Janus
  })()
  return initialised
}

export interface JanusRoomOptions {
  config: JanusMedia
  /** a fresh media config after Janus restarted (POST …/room/join again: new token) */
  refresh?: () => Promise<JanusMedia | null>
  iceServers: RTCIceServer[]
  /** a remote publisher's stream appeared (stream) or went (null); key = its feed id, label = its display */
  onStream: (key: string, stream: MediaStream | null, label: string) => void
  onState: (state: LinkState) => void
}

interface Feed {
  handle: JanusJS.PluginHandle | null
  stream: MediaStream
  display: string
}

export class JanusRoom {
  private janus: JanusJS.Janus | null = null
  private Janus: JanusClass | null = null
  private publisher: JanusJS.PluginHandle | null = null
  private feeds = new Map<number, Feed>()
  private local: MediaStream | null = null
  private closed = false
  private retry: ReturnType<typeof setTimeout> | null = null
  private attempts = 0

  constructor(private o: JanusRoomOptions) {}

  async connect(local: MediaStream | null): Promise<void> {
    this.local = local
    this.Janus = await initJanus()
    this.start()
  }

  private start(): void {
    if (this.closed) return
    this.o.onState('connecting')
    const { config } = this.o
    this.janus = new this.Janus!({
      server: config.server,
      iceServers: this.o.iceServers,
      token: config.token,
      success: () => this.attachPublisher(),
      error: () => this.lost(),
      destroyed: () => undefined,
    })
  }

  private useId = true

  /** Session lost (Janus restarted, network gone): start over after a short, growing delay. */
  private lost(): void {
    if (this.closed) return
    this.o.onState('reconnecting')
    for (const [id] of this.feeds) this.dropFeed(id)
    this.publisher = null
    try {
      this.janus?.destroy({ cleanupHandles: true, notifyDestroyed: false })
    } catch {
      /* already gone */
    }
    this.janus = null
    this.attempts += 1
    const delay = Math.min(10_000, 500 * 2 ** Math.min(5, this.attempts - 1))
    if (this.retry) clearTimeout(this.retry)
    this.retry = setTimeout(async () => {
      const fresh = await this.o.refresh?.().catch(() => null)
      if (fresh) this.o.config = fresh
      this.start()
    }, delay)
  }

  private attachPublisher(): void {
    const { config } = this.o
    this.janus?.attach({
      plugin: 'janus.plugin.videoroom',
      token: config.token,
      success: (handle) => {
        this.publisher = handle
        this.joinPublisher()
      },
      error: () => this.lost(),
      iceState: (state) => {
        if (state === 'connected') {
          this.attempts = 0
          this.o.onState('connected')
        } else if (state === 'disconnected') this.o.onState('reconnecting')
        else if (state === 'failed') this.lost()
      },
      onmessage: (msg, jsep) => {
        const event = msg.videoroom as string | undefined
        if (msg.error_code === 436 && this.useId) {
          // our id is still held by a stale session from before a drop: join without it
          this.useId = false
          this.joinPublisher()
          return
        }
        if (event === 'joined') {
          this.publish()
          this.subscribeAll(msg.publishers)
        } else if (event === 'event') {
          this.subscribeAll(msg.publishers)
          const gone = (msg.unpublished ?? msg.leaving) as number | string | undefined
          if (gone !== undefined && gone !== 'ok') this.dropFeed(Number(gone))
          if (msg.error) console.warn('janus videoroom:', msg.error)
        }
        if (jsep) this.publisher?.handleRemoteJsep({ jsep })
      },
    })
  }

  private joinPublisher(): void {
    const { config } = this.o
    const message: Record<string, unknown> = { request: 'join', ptype: 'publisher', room: config.room, pin: config.pin, display: config.display }
    if (this.useId && config.feed_id) message.id = config.feed_id
    this.publisher?.send({ message: message as JanusJS.PluginMessage['message'] })
  }

  private publish(): void {
    const tracks: JanusJS.TrackOption[] = []
    const audio = this.local?.getAudioTracks()[0]
    const video = this.local?.getVideoTracks()[0]
    if (audio) tracks.push({ type: 'audio', capture: audio, recv: false })
    if (video) tracks.push({ type: 'video', capture: video, recv: false })
    if (!tracks.length) return // nothing to send: a receive-only participant
    this.publisher?.createOffer({
      tracks,
      success: (jsep) => {
        this.publisher?.send({ message: { request: 'configure', audio: !!audio, video: !!video }, jsep })
      },
      error: (e) => console.warn('janus offer', e),
    })
  }

  private subscribeAll(list: unknown): void {
    if (!Array.isArray(list)) return
    for (const p of list as { id: number; display?: string }[]) {
      if (!this.feeds.has(p.id)) this.subscribe(p.id, p.display ?? String(p.id))
    }
  }

  private subscribe(feedId: number, display: string): void {
    const { config } = this.o
    const feed: Feed = { handle: null, stream: new MediaStream(), display }
    this.feeds.set(feedId, feed)
    this.janus?.attach({
      plugin: 'janus.plugin.videoroom',
      token: config.token,
      success: (handle) => {
        feed.handle = handle
        handle.send({ message: { request: 'join', ptype: 'subscriber', room: config.room, pin: config.pin, streams: [{ feed: feedId }] } })
      },
      error: () => this.dropFeed(feedId),
      onmessage: (msg, jsep) => {
        if (msg.error_code === 428) {
          // the publisher's connection is not up yet: try again shortly
          this.feeds.delete(feedId)
          try {
            feed.handle?.detach()
          } catch {
            /* gone */
          }
          setTimeout(() => !this.closed && !this.feeds.has(feedId) && this.subscribe(feedId, display), 1000)
          return
        }
        if (!jsep || !feed.handle) return
        const handle = feed.handle
        handle.createAnswer({
          jsep,
          tracks: [{ type: 'data', capture: false }],
          success: (answer) => handle.send({ message: { request: 'start', room: config.room }, jsep: answer }),
          error: (e) => console.warn('janus answer', e),
        })
      },
      onremotetrack: (track, _mid, on) => {
        if (on) {
          if (!feed.stream.getTracks().includes(track)) feed.stream.addTrack(track)
        } else feed.stream.removeTrack(track)
        // a new MediaStream object makes <video> re-attach the changed track set
        feed.stream = new MediaStream(feed.stream.getTracks())
        this.o.onStream(String(feedId), feed.stream.getTracks().length ? feed.stream : null, feed.display)
      },
      oncleanup: () => this.o.onStream(String(feedId), null, feed.display),
    })
  }

  private dropFeed(feedId: number): void {
    const feed = this.feeds.get(feedId)
    if (!feed) return
    this.feeds.delete(feedId)
    try {
      feed.handle?.detach()
    } catch {
      /* gone */
    }
    this.o.onStream(String(feedId), null, feed.display)
  }

  /** Replace the sent track of one kind (device switch, screen share). */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const handle = this.publisher
    if (!handle || !track) return
    await new Promise<void>((resolve) => {
      handle.replaceTracks({ tracks: [{ type: kind, capture: track, replace: true }], success: () => resolve(), error: () => resolve() })
    })
  }

  /** The peer connections, keyed `publisher` (ours) and by remote feed id (for the network-quality statistics). */
  peerConnections(): [string, RTCPeerConnection][] {
    const out: [string, RTCPeerConnection][] = []
    const pub = this.publisher?.webrtcStuff?.pc
    if (pub) out.push(['publisher', pub])
    for (const [id, f] of this.feeds) {
      const pc = f.handle?.webrtcStuff?.pc
      if (pc) out.push([String(id), pc])
    }
    return out
  }

  close(): void {
    this.closed = true
    if (this.retry) clearTimeout(this.retry)
    for (const [id] of this.feeds) this.dropFeed(id)
    try {
      this.publisher?.hangup()
      this.janus?.destroy({ cleanupHandles: true })
    } catch {
      /* gone */
    }
    this.janus = null
  }
}
