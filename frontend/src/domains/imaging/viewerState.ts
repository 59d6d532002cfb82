/**
 * The viewer's state as plain, serialisable data, and the small event vocabulary that changes it.
 *
 * The viewer emits these events as the user works and can apply events from elsewhere, so the
 * remote-consultation room can later keep two viewers in step by relaying events (or whole states)
 * without changing the viewer. `applyEvent` is a pure reducer; `stateFromViewport` /
 * `applyStateToViewport` adapt to a Cornerstone3D StackViewport (typed structurally, so they are
 * testable without WebGL).
 */

export type Layout = '1x1' | '1x2' | '2x2'
export const LAYOUTS: readonly Layout[] = ['1x1', '1x2', '2x2']

export interface Voi {
  windowWidth: number
  windowCenter: number
}

export interface Camera {
  /** 1 = fit to the viewport */
  zoom: number
  /** in canvas pixels relative to the fitted position */
  pan: [number, number]
  /** degrees, clockwise, normalised to 0..359 */
  rotation: number
  flipH: boolean
  flipV: boolean
}

export interface ViewerState {
  studyUid: string
  seriesUid: string
  imageIndex: number
  voi: Voi | null
  camera: Camera
  invert: boolean
  layout: Layout
  visibleAnnotationUids: string[]
}

/** A measurement or annotation as shared between viewers (geometry in world coordinates). */
export interface SharedAnnotation {
  uid: string
  tool: string
  seriesUid: string
  sopUid: string
  label: string
  points: [number, number, number][]
}

export type ViewerEvent =
  | { type: 'series.select'; studyUid: string; seriesUid: string; imageIndex?: number }
  | { type: 'image.index'; imageIndex: number }
  | { type: 'voi.set'; voi: Voi | null }
  | { type: 'camera.set'; camera: Partial<Camera> }
  | { type: 'invert.set'; invert: boolean }
  | { type: 'layout.set'; layout: Layout }
  | { type: 'annotation.add'; annotation: SharedAnnotation }
  | { type: 'annotation.update'; annotation: SharedAnnotation }
  | { type: 'annotation.remove'; uid: string }
  | { type: 'annotation.visibility'; uid: string; visible: boolean }
  | { type: 'pointer.move'; x: number; y: number; world?: [number, number, number] }

export type ViewerEventType = ViewerEvent['type']

export const DEFAULT_CAMERA: Camera = { zoom: 1, pan: [0, 0], rotation: 0, flipH: false, flipV: false }

export function initialState(studyUid = '', seriesUid = ''): ViewerState {
  return {
    studyUid,
    seriesUid,
    imageIndex: 0,
    voi: null,
    camera: { ...DEFAULT_CAMERA, pan: [0, 0] },
    invert: false,
    layout: '1x1',
    visibleAnnotationUids: [],
  }
}

export function normaliseRotation(deg: number): number {
  const r = Math.round(deg) % 360
  return r < 0 ? r + 360 : r
}

function finite(n: unknown, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback
}

/** Pure reducer: the state after `event`. Unknown or invalid events leave the state unchanged. */
export function applyEvent(state: ViewerState, event: ViewerEvent): ViewerState {
  switch (event.type) {
    case 'series.select':
      if (state.studyUid === event.studyUid && state.seriesUid === event.seriesUid && event.imageIndex === undefined) {
        return state
      }
      return {
        ...state,
        studyUid: event.studyUid,
        seriesUid: event.seriesUid,
        imageIndex: Math.max(0, Math.floor(finite(event.imageIndex, 0))),
        voi: null,
        camera: { ...DEFAULT_CAMERA, pan: [0, 0] },
      }
    case 'image.index': {
      const imageIndex = Math.max(0, Math.floor(finite(event.imageIndex, state.imageIndex)))
      return imageIndex === state.imageIndex ? state : { ...state, imageIndex }
    }
    case 'voi.set':
      if (event.voi === null) return { ...state, voi: null }
      if (!(event.voi.windowWidth > 0) || !Number.isFinite(event.voi.windowCenter)) return state
      return { ...state, voi: { windowWidth: event.voi.windowWidth, windowCenter: event.voi.windowCenter } }
    case 'camera.set': {
      const c = event.camera
      const camera: Camera = {
        zoom: c.zoom !== undefined && c.zoom > 0 ? c.zoom : state.camera.zoom,
        pan: c.pan ? [finite(c.pan[0], 0), finite(c.pan[1], 0)] : state.camera.pan,
        rotation: c.rotation !== undefined ? normaliseRotation(finite(c.rotation, 0)) : state.camera.rotation,
        flipH: c.flipH ?? state.camera.flipH,
        flipV: c.flipV ?? state.camera.flipV,
      }
      return { ...state, camera }
    }
    case 'invert.set':
      return state.invert === event.invert ? state : { ...state, invert: event.invert }
    case 'layout.set':
      return LAYOUTS.includes(event.layout) ? { ...state, layout: event.layout } : state
    case 'annotation.add':
    case 'annotation.update':
      return state.visibleAnnotationUids.includes(event.annotation.uid)
        ? state
        : { ...state, visibleAnnotationUids: [...state.visibleAnnotationUids, event.annotation.uid] }
    case 'annotation.remove':
      return state.visibleAnnotationUids.includes(event.uid)
        ? { ...state, visibleAnnotationUids: state.visibleAnnotationUids.filter((u) => u !== event.uid) }
        : state
    case 'annotation.visibility': {
      const has = state.visibleAnnotationUids.includes(event.uid)
      if (has === event.visible) return state
      return {
        ...state,
        visibleAnnotationUids: event.visible
          ? [...state.visibleAnnotationUids, event.uid]
          : state.visibleAnnotationUids.filter((u) => u !== event.uid),
      }
    }
    case 'pointer.move':
      return state // transient: relayed to the other viewer, not part of the state
    default:
      return state
  }
}

/** Replays events onto a state (e.g. a late joiner catching up). */
export function replay(state: ViewerState, events: readonly ViewerEvent[]): ViewerState {
  return events.reduce(applyEvent, state)
}

/** The events that turn `from` into `to` (what one viewer sends when it changed several things at once). */
export function diff(from: ViewerState, to: ViewerState): ViewerEvent[] {
  const out: ViewerEvent[] = []
  if (from.studyUid !== to.studyUid || from.seriesUid !== to.seriesUid) {
    out.push({ type: 'series.select', studyUid: to.studyUid, seriesUid: to.seriesUid, imageIndex: to.imageIndex })
  } else if (from.imageIndex !== to.imageIndex) out.push({ type: 'image.index', imageIndex: to.imageIndex })
  if (JSON.stringify(from.voi) !== JSON.stringify(to.voi)) out.push({ type: 'voi.set', voi: to.voi })
  if (JSON.stringify(from.camera) !== JSON.stringify(to.camera)) out.push({ type: 'camera.set', camera: to.camera })
  if (from.invert !== to.invert) out.push({ type: 'invert.set', invert: to.invert })
  if (from.layout !== to.layout) out.push({ type: 'layout.set', layout: to.layout })
  for (const uid of from.visibleAnnotationUids) {
    if (!to.visibleAnnotationUids.includes(uid)) out.push({ type: 'annotation.visibility', uid, visible: false })
  }
  for (const uid of to.visibleAnnotationUids) {
    if (!from.visibleAnnotationUids.includes(uid)) out.push({ type: 'annotation.visibility', uid, visible: true })
  }
  return out
}

export function serialise(state: ViewerState): string {
  return JSON.stringify(state)
}

/** Parses a state received from elsewhere; anything malformed falls back to the defaults. */
export function deserialise(text: string): ViewerState {
  const raw = JSON.parse(text) as Partial<ViewerState>
  const base = initialState(String(raw.studyUid ?? ''), String(raw.seriesUid ?? ''))
  let s = applyEvent(base, { type: 'image.index', imageIndex: Number(raw.imageIndex ?? 0) })
  if (raw.voi) s = applyEvent(s, { type: 'voi.set', voi: raw.voi })
  if (raw.camera) s = applyEvent(s, { type: 'camera.set', camera: raw.camera })
  s = applyEvent(s, { type: 'invert.set', invert: Boolean(raw.invert) })
  if (raw.layout) s = applyEvent(s, { type: 'layout.set', layout: raw.layout })
  if (Array.isArray(raw.visibleAnnotationUids)) {
    s = { ...s, visibleAnnotationUids: raw.visibleAnnotationUids.filter((u) => typeof u === 'string') }
  }
  return s
}

// --- Cornerstone3D adapters --------------------------------------------------------------------

/** The part of a Cornerstone3D StackViewport the adapters use. */
export interface StackViewportLike {
  getCurrentImageIdIndex(): number
  setImageIdIndex(index: number): Promise<unknown>
  getProperties(): { voiRange?: { lower: number; upper: number }; invert?: boolean }
  setProperties(props: { voiRange?: { lower: number; upper: number }; invert?: boolean }): void
  getViewPresentation(): {
    zoom?: number
    pan?: [number, number] | number[]
    rotation?: number
    flipHorizontal?: boolean
    flipVertical?: boolean
  }
  setViewPresentation(p: {
    zoom?: number
    pan?: [number, number]
    rotation?: number
    flipHorizontal?: boolean
    flipVertical?: boolean
  }): void
  render(): void
}

export function voiToRange(voi: Voi): { lower: number; upper: number } {
  return { lower: voi.windowCenter - voi.windowWidth / 2, upper: voi.windowCenter + voi.windowWidth / 2 }
}

export function rangeToVoi(range: { lower: number; upper: number }): Voi {
  return { windowWidth: range.upper - range.lower, windowCenter: (range.upper + range.lower) / 2 }
}

/** Reads what a viewport shows into a state (study/series/layout/annotations come from `base`). */
export function stateFromViewport(viewport: StackViewportLike, base: ViewerState): ViewerState {
  const props = viewport.getProperties()
  const p = viewport.getViewPresentation()
  const pan = p.pan ?? [0, 0]
  return {
    ...base,
    imageIndex: viewport.getCurrentImageIdIndex(),
    voi: props.voiRange ? rangeToVoi(props.voiRange) : base.voi,
    invert: Boolean(props.invert),
    camera: {
      zoom: p.zoom ?? 1,
      pan: [Number(pan[0]) || 0, Number(pan[1]) || 0],
      rotation: normaliseRotation(p.rotation ?? 0),
      flipH: Boolean(p.flipHorizontal),
      flipV: Boolean(p.flipVertical),
    },
  }
}

/** Makes a viewport show `state` (the stack must already be the state's series). */
export async function applyStateToViewport(viewport: StackViewportLike, state: ViewerState): Promise<void> {
  if (viewport.getCurrentImageIdIndex() !== state.imageIndex) await viewport.setImageIdIndex(state.imageIndex)
  viewport.setProperties({
    ...(state.voi ? { voiRange: voiToRange(state.voi) } : {}),
    invert: state.invert,
  })
  viewport.setViewPresentation({
    zoom: state.camera.zoom,
    pan: state.camera.pan,
    rotation: state.camera.rotation,
    flipHorizontal: state.camera.flipH,
    flipVertical: state.camera.flipV,
  })
  viewport.render()
}
