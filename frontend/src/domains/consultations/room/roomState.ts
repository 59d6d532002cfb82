/**
 * The room's shared state as the `consult:<id>` topic delivers it (docs/consultation.md §2): a snapshot,
 * then ordered events folded by `reduceRoom` (pure, unit-tested). Transient events (`signal`,
 * `pointer.move`) change nothing here; the room view hands them to the media layer and the laser pointer.
 */
import { applyEvent, initialState, type SharedAnnotation, type ViewerEvent, type ViewerState } from '@/domains/imaging/viewerState'
import type { ChatMessage } from '../types'

export interface RoomParticipant {
  user_id: string
  name: string
  role: string
  institution: string
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown'

export interface MediaState {
  camera: boolean
  mic: boolean
  screen: boolean
  quality?: Quality
}

/** One telestration stroke: points normalised to the video frame (0..1), colour and width in CSS px. */
export interface Stroke {
  points: [number, number][]
  color: string
  width: number
}

export interface Telestration {
  frame: 'live' | 'frozen'
  strokes: Stroke[]
}

export interface RoomState {
  participants: RoomParticipant[]
  presenter: string | null
  viewer: ViewerState | null
  annotations: Record<string, SharedAnnotation>
  telestration: Record<string, Telestration>
  media: Record<string, MediaState>
  chat: ChatMessage[]
}

export const TRANSIENT_EVENTS: readonly string[] = ['signal', 'pointer.move']
export const VIEWER_TYPES = ['series.select', 'image.index', 'voi.set', 'camera.set', 'invert.set', 'layout.set'] as const

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : v == null ? fallback : String(v)
}

export function normaliseParticipant(raw: unknown): RoomParticipant | null {
  if (!raw || typeof raw !== 'object') return null
  const r = raw as Record<string, unknown>
  const user_id = str(r.user_id ?? r.id)
  if (!user_id) return null
  return {
    user_id,
    name: str(r.name ?? r.full_name, user_id.slice(0, 8)),
    role: str(r.role),
    institution: str(r.institution ?? r.institution_name),
  }
}

/** Snapshot telestration: `{target: [mark, …]}` (marks = `{frame, id, strokes}`) or `{target: {frame, strokes}}`. */
function normaliseTelestration(raw: unknown): Record<string, Telestration> {
  const out: Record<string, Telestration> = {}
  if (!raw || typeof raw !== 'object') return out
  for (const [target, v] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      const marks = v as { frame?: string; strokes?: Stroke[] }[]
      const strokes = marks.flatMap((m) => (Array.isArray(m?.strokes) ? m.strokes : []))
      const last = marks[marks.length - 1]
      out[target] = { frame: last?.frame === 'frozen' ? 'frozen' : 'live', strokes }
    } else {
      const t = v as Partial<Telestration> | null
      if (t && Array.isArray(t.strokes)) out[target] = { frame: t.frame === 'frozen' ? 'frozen' : 'live', strokes: t.strokes }
    }
  }
  return out
}

function chatId(m: ChatMessage): string {
  return str(m.id)
}

/** Appends a chat message unless one with its id is already there (REST answer + event). */
export function addChat(list: readonly ChatMessage[], m: ChatMessage): ChatMessage[] {
  if (m.id && list.some((x) => chatId(x) === chatId(m))) return list as ChatMessage[]
  return [...list, m]
}

export function emptyRoom(): RoomState {
  return { participants: [], presenter: null, viewer: null, annotations: {}, telestration: {}, media: {}, chat: [] }
}

/** The snapshot as the hub sends it → RoomState (missing parts become empty). */
export function fromSnapshot(raw: unknown): RoomState {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const participants = (Array.isArray(r.participants) ? r.participants : [])
    .map(normaliseParticipant)
    .filter((p): p is RoomParticipant => p !== null)
  const viewerRaw = r.viewer as Partial<ViewerState> | null | undefined
  let viewer: ViewerState | null = null
  if (viewerRaw && typeof viewerRaw === 'object') {
    viewer = { ...initialState(str(viewerRaw.studyUid), str(viewerRaw.seriesUid)), ...viewerRaw } as ViewerState
  }
  return {
    participants: dedupe(participants),
    presenter: typeof r.presenter === 'string' && r.presenter ? r.presenter : null,
    viewer,
    annotations: { ...((r.annotations as Record<string, SharedAnnotation>) ?? {}) },
    telestration: normaliseTelestration(r.telestration),
    media: { ...((r.media as Record<string, MediaState>) ?? {}) },
    chat: Array.isArray(r.chat) ? (r.chat as ChatMessage[]) : [],
  }
}

function dedupe(list: RoomParticipant[]): RoomParticipant[] {
  const seen = new Map<string, RoomParticipant>()
  for (const p of list) seen.set(p.user_id, p)
  return [...seen.values()]
}

/** A room event → the ViewerEvent it carries (`viewer.voi.set` {voi} → {type:'voi.set', voi}), else null. */
export function viewerEventOf(event: string, data: unknown): ViewerEvent | null {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>
  if (event.startsWith('viewer.')) {
    const type = event.slice('viewer.'.length)
    if (!(VIEWER_TYPES as readonly string[]).includes(type)) return null
    const { by: _by, type: _t, ...rest } = d
    void _by
    void _t
    return { ...rest, type } as ViewerEvent
  }
  if (event === 'annotation.add' || event === 'annotation.update') {
    const a = (d.annotation ?? d) as SharedAnnotation
    if (!a || typeof a.uid !== 'string') return null
    return { type: event, annotation: stripBy(a) }
  }
  if (event === 'annotation.remove') return typeof d.uid === 'string' ? { type: 'annotation.remove', uid: d.uid } : null
  if (event === 'pointer.move') {
    const x = Number(d.x)
    const y = Number(d.y)
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null
    return { type: 'pointer.move', x, y, ...(Array.isArray(d.world) ? { world: d.world as [number, number, number] } : {}) }
  }
  return null
}

function stripBy(a: SharedAnnotation & { by?: unknown }): SharedAnnotation {
  const { by: _by, ...rest } = a
  void _by
  return rest
}

/** A local ViewerEvent → the room frame to publish (`event`, `data`); null for what is not shared. */
export function roomEventOf(ev: ViewerEvent): { event: string; data: Record<string, unknown> } | null {
  const { type, ...rest } = ev as ViewerEvent & Record<string, unknown>
  if ((VIEWER_TYPES as readonly string[]).includes(type)) return { event: `viewer.${type}`, data: rest }
  if (type === 'annotation.add' || type === 'annotation.update') {
    return { event: type, data: { annotation: { ...(ev as { annotation: SharedAnnotation }).annotation } } }
  }
  if (type === 'annotation.remove') return { event: type, data: { uid: (ev as { uid: string }).uid } }
  if (type === 'pointer.move') return { event: type, data: rest }
  return null
}

/** Folds one event into the state (pure). Unknown events leave it unchanged. */
export function reduceRoom(state: RoomState | null, event: string, data: unknown): RoomState | null {
  if (!state) return state
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>
  switch (event) {
    case 'presence.join': {
      const p = normaliseParticipant(d.participant ?? d)
      if (!p) return state
      return { ...state, participants: dedupe([...state.participants, p]) }
    }
    case 'presence.leave': {
      const id = str(d.user_id ?? (d.participant as Record<string, unknown> | undefined)?.user_id)
      if (!state.participants.some((p) => p.user_id === id)) return state
      // the presenter role stays with a participant who drops (the server decides when it passes on)
      return { ...state, participants: state.participants.filter((p) => p.user_id !== id) }
    }
    case 'presenter.take': {
      const id = str(d.presenter ?? d.user_id ?? d.by)
      return id ? { ...state, presenter: id } : state
    }
    case 'presenter.release':
    case 'presenter.clear':
      return { ...state, presenter: null }
    case 'media.state': {
      const id = str(d.user_id ?? d.by)
      if (!id) return state
      const prev = state.media[id] ?? { camera: false, mic: false, screen: false }
      const next: MediaState = {
        camera: typeof d.camera === 'boolean' ? d.camera : prev.camera,
        mic: typeof d.mic === 'boolean' ? d.mic : prev.mic,
        screen: typeof d.screen === 'boolean' ? d.screen : prev.screen,
        quality: (d.quality as Quality | undefined) ?? prev.quality,
      }
      return { ...state, media: { ...state.media, [id]: next } }
    }
    case 'telestration.add': {
      const target = str(d.target)
      if (!target || !Array.isArray(d.strokes)) return state
      const prev = state.telestration[target]
      const frame = d.frame === 'frozen' ? 'frozen' : 'live'
      const strokes = [...(prev?.strokes ?? []), ...(d.strokes as Stroke[])]
      return { ...state, telestration: { ...state.telestration, [target]: { frame, strokes } } }
    }
    case 'telestration.clear': {
      const target = str(d.target)
      if (!target || !state.telestration[target]) return state
      const rest = { ...state.telestration }
      delete rest[target]
      return { ...state, telestration: rest }
    }
    case 'chat.message':
      return { ...state, chat: addChat(state.chat, (d.message ?? d) as ChatMessage) }
    default:
      break
  }
  const ve = viewerEventOf(event, data)
  if (!ve || ve.type === 'pointer.move') return state
  if (ve.type === 'annotation.add' || ve.type === 'annotation.update') {
    return { ...state, annotations: { ...state.annotations, [ve.annotation.uid]: ve.annotation } }
  }
  if (ve.type === 'annotation.remove') {
    if (!state.annotations[ve.uid]) return state
    const rest = { ...state.annotations }
    delete rest[ve.uid]
    return { ...state, annotations: rest }
  }
  const base = state.viewer ?? initialState()
  const viewer = applyEvent(base, ve)
  return viewer === state.viewer ? state : { ...state, viewer }
}
