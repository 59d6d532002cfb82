/**
 * Live annotations between viewers (pure, unit-tested): a Cornerstone3D annotation ⇄ the room's
 * SharedAnnotation (tool name, series/instance, label, world-coordinate points ≤ 2000), built on the imaging
 * domain's measurement conversions (measurements.ts).
 */
import { formatStats, parseImageId, statsOf, type CsAnnotationLike } from '@/domains/imaging/measurements'
import type { SharedAnnotation } from '@/domains/imaging/viewerState'

/** Cornerstone tool name → the room's tool vocabulary (contract §2). */
export const TOOL_TO_SHARED: Record<string, string> = {
  Length: 'length',
  Angle: 'angle',
  CobbAngle: 'cobb',
  ArrowAnnotate: 'arrow',
  PlanarFreehandROI: 'freehand',
  EllipticalROI: 'ellipse',
  RectangleROI: 'rectangle',
}
export const SHARED_TO_TOOL: Record<string, string> = Object.fromEntries(Object.entries(TOOL_TO_SHARED).map(([k, v]) => [v, k]))

export const MAX_POINTS = 2000

type Pt = [number, number, number]

function point(p: unknown): Pt | null {
  if (!Array.isArray(p) || p.length < 2) return null
  const v = [Number(p[0]), Number(p[1]), Number(p[2] ?? 0)]
  return v.every((n) => Number.isFinite(n)) ? (v as Pt) : null
}

/** Thins a long polyline to at most `max` points (keeps the ends). */
export function thin(points: Pt[], max = MAX_POINTS): Pt[] {
  if (points.length <= max) return points
  const step = (points.length - 1) / (max - 1)
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)])
}

export function toShared(a: CsAnnotationLike): SharedAnnotation | null {
  const tool = TOOL_TO_SHARED[a.metadata.toolName]
  const ref = a.metadata.referencedImageId ? parseImageId(a.metadata.referencedImageId) : null
  if (!tool || !ref || !a.annotationUID) return null
  const raw =
    tool === 'freehand'
      ? ((a.data.contour as { polyline?: unknown[] } | undefined)?.polyline ?? a.data.handles?.points ?? [])
      : (a.data.handles?.points ?? [])
  const points = thin(raw.map(point).filter((p): p is Pt => p !== null))
  if (!points.length) return null
  const label =
    tool === 'arrow' ? String(a.data.label || (a.data as { text?: string }).text || '') : formatStats(a.metadata.toolName, statsOf(a))
  return { uid: a.annotationUID, tool, seriesUid: ref.seriesUid, sopUid: ref.sopUid, label: label.slice(0, 200), points }
}

export interface ViewGeometry {
  viewPlaneNormal?: number[]
  viewUp?: number[]
  FrameOfReferenceUID?: string
}

/** A SharedAnnotation → a Cornerstone annotation on the image `imageIdFor(sop)` (stats recomputed there). */
export function fromShared(s: SharedAnnotation, imageIdFor: (sopUid: string) => string | null, geometry: ViewGeometry = {}): CsAnnotationLike | null {
  const toolName = SHARED_TO_TOOL[s.tool]
  const imageId = imageIdFor(s.sopUid)
  if (!toolName || !imageId) return null
  const pts = s.points.map((p) => [...p])
  const data: CsAnnotationLike['data'] = { handles: { points: toolName === 'PlanarFreehandROI' ? [] : pts, activeHandleIndex: null, textBox: { hasMoved: false } }, label: '', cachedStats: {} }
  if (toolName === 'PlanarFreehandROI') data.contour = { polyline: pts, closed: isClosed(pts) }
  if (toolName === 'ArrowAnnotate') data.label = s.label
  return {
    annotationUID: s.uid,
    highlighted: false,
    invalidated: true,
    isLocked: true,
    isVisible: true,
    metadata: { ...geometry, toolName, referencedImageId: imageId },
    data,
  }
}

/** A free-hand outline whose ends meet (Cornerstone closes a loop drawn back to its start). */
function isClosed(pts: number[][]): boolean {
  if (pts.length < 10) return false
  const dist = (p: number[], q: number[]): number => Math.hypot(p[0] - q[0], p[1] - q[1], (p[2] ?? 0) - (q[2] ?? 0))
  let length = 0
  for (let i = 1; i < pts.length; i++) length += dist(pts[i - 1], pts[i])
  const span = Math.max(...pts.map((p) => dist(p, pts[0])))
  const gap = dist(pts[0], pts[pts.length - 1])
  return gap <= (2 * length) / (pts.length - 1) && gap < span * 0.2
}

/** True when two shared annotations draw the same thing (an echo of our own need not be re-applied). */
export function sameGeometry(a: SharedAnnotation, b: SharedAnnotation): boolean {
  if (a.tool !== b.tool || a.sopUid !== b.sopUid || a.points.length !== b.points.length) return false
  return a.points.every((p, i) => p.every((v, j) => Math.abs(v - b.points[i][j]) < 1e-6))
}
