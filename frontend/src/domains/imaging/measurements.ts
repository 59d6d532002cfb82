/**
 * Measurements as data: the key of an image, the labels shown for each tool, and the conversion
 * between Cornerstone3D annotations and what Osteon stores per study. Pure (no Cornerstone import),
 * so it is unit-tested and shared by the viewer and the measurement panel.
 */
import type { ImportedMeasurement, StoredAnnotation } from './types'

/** The tool name Osteon stores for a user calibration (not a Cornerstone tool). */
export const CALIBRATION_TOOL = 'Calibration'

const FRAME_RE = /\/studies\/([0-9.]+)\/series\/([0-9.]+)\/instances\/([0-9.]+)\/frames\/(\d+)/

export interface ImageRef {
  studyUid: string
  seriesUid: string
  sopUid: string
  frame: number
}

/** Study/series/instance/frame of a wadors image id (or a Cornerstone target id containing one). */
export function parseImageId(imageIdOrTarget: string): ImageRef | null {
  const m = FRAME_RE.exec(imageIdOrTarget)
  if (!m) return null
  return { studyUid: m[1], seriesUid: m[2], sopUid: m[3], frame: Number(m[4]) }
}

/** "sop/frame": how calibrations and stored annotations name an image independent of the server URL. */
export function imageKeyOf(imageIdOrTarget: string): string {
  const ref = parseImageId(imageIdOrTarget)
  return ref ? `${ref.sopUid}/${ref.frame}` : imageIdOrTarget
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** The label of a measurement from its cached statistics; lengths scaled by a user calibration. */
export function formatStats(tool: string, stats: Record<string, unknown> | undefined, calibration: number | null = null
): string {
  if (!stats) return ''
  switch (tool) {
    case 'Length': {
      const length = num(stats.length)
      if (length == null) return ''
      if (calibration) return `${(length * calibration).toFixed(2)} mm*`
      return `${length.toFixed(2)} ${String(stats.unit ?? 'mm')}`
    }
    case 'Angle':
    case 'CobbAngle': {
      const angle = num(stats.angle)
      return angle == null ? '' : `${angle.toFixed(2)}°`
    }
    case 'EllipticalROI':
    case 'RectangleROI': {
      const mean = num(stats.mean)
      const sd = num(stats.stdDev)
      const area = num(stats.area)
      const parts: string[] = []
      if (mean != null) parts.push(`μ ${mean.toFixed(1)}`)
      if (sd != null) parts.push(`σ ${sd.toFixed(1)}`)
      if (area != null) parts.push(`${area.toFixed(1)} ${String(stats.areaUnit ?? '')}`.trim())
      return parts.join(' · ')
    }
    default:
      return ''
  }
}

/** Angle in degrees (0..90) between two lines given by their end points, as a Cobb angle is defined. */
export function cobbAngle(a1: number[], a2: number[], b1: number[], b2: number[]): number {
  const ux = a2[0] - a1[0]
  const uy = a2[1] - a1[1]
  const vx = b2[0] - b1[0]
  const vy = b2[1] - b1[1]
  const cos = Math.abs(ux * vx + uy * vy) / (Math.hypot(ux, uy) * Math.hypot(vx, vy))
  return (Math.acos(Math.min(1, cos)) * 180) / Math.PI
}

/** The part of a Cornerstone annotation Osteon stores (structural, to stay independent of its types). */
export interface CsAnnotationLike {
  annotationUID?: string
  metadata: {
    toolName: string
    referencedImageId?: string
    FrameOfReferenceUID?: string
    viewPlaneNormal?: number[]
    viewUp?: number[]
    [k: string]: unknown
  }
  data: {
    handles?: { points?: number[][]; textBox?: unknown; [k: string]: unknown }
    label?: string
    cachedStats?: Record<string, Record<string, unknown>>
    [k: string]: unknown
  }
  [k: string]: unknown
}

export function statsOf(a: CsAnnotationLike): Record<string, unknown> | undefined {
  const cached = a.data.cachedStats
  if (!cached) return undefined
  const first = Object.values(cached)[0]
  return first
}

/** A Cornerstone annotation → the stored form (geometry in world coordinates, image by sop/frame). */
export function toStored(a: CsAnnotationLike, author: string, calibration: number | null): StoredAnnotation | null {
  const ref = a.metadata.referencedImageId ? parseImageId(a.metadata.referencedImageId) : null
  if (!ref || !a.annotationUID) return null
  const points = (a.data.handles?.points ?? []).map((p) => p.map((v) => Number(v)))
  const { referencedImageId: _ignored, ...metadata } = a.metadata
  void _ignored
  return {
    uid: a.annotationUID,
    tool: a.metadata.toolName,
    series_instance_uid: ref.seriesUid,
    sop_instance_uid: ref.sopUid,
    frame: ref.frame,
    label: formatStats(a.metadata.toolName, statsOf(a), a.metadata.toolName === 'Length' ? calibration : null),
    author,
    created_at: new Date().toISOString(),
    data: { metadata, points, textBox: a.data.handles?.textBox ?? null },
  }
}

/**
 * The stored form → a Cornerstone annotation for the image whose id `imageIdFor` returns (stats are
 * recomputed by the tool: the annotation is marked invalidated).
 */
export function fromStored(s: StoredAnnotation, imageIdFor: (sop: string, frame: number) => string | null
): CsAnnotationLike | null {
  if (s.tool === CALIBRATION_TOOL) return null
  const imageId = imageIdFor(s.sop_instance_uid ?? '', s.frame ?? 1)
  if (!imageId) return null
  const d = s.data as { metadata?: Record<string, unknown>; points?: number[][]; textBox?: unknown }
  const handles: Record<string, unknown> = { points: (d.points ?? []).map((p) => [...p]), activeHandleIndex: null }
  if (d.textBox) handles.textBox = d.textBox
  return {
    annotationUID: s.uid,
    highlighted: false,
    invalidated: true,
    isLocked: false,
    isVisible: true,
    metadata: { ...(d.metadata ?? {}), toolName: s.tool, referencedImageId: imageId },
    data: { handles: handles as CsAnnotationLike['data']['handles'], label: '', cachedStats: {} },
  }
}

/** A calibration stored with the study's annotations (so the next viewer measures the same). */
export function calibrationEntry(imageKey: string, factor: number, knownMm: number, author: string,
  seriesUid: string): StoredAnnotation {
  const [sop, frame] = imageKey.split('/')
  return {
    uid: `cal-${sop.replace(/\./g, '-').slice(-40)}-${frame}`,
    tool: CALIBRATION_TOOL,
    series_instance_uid: seriesUid,
    sop_instance_uid: sop,
    frame: Number(frame) || 1,
    label: `${knownMm} mm`,
    author,
    created_at: new Date().toISOString(),
    data: { factor, knownMm },
  }
}

/** Marks an annotation as imported from a DICOM SR (kept out of the study's own, saved set). */
export function isImported(a: CsAnnotationLike): boolean {
  return (a.metadata as { imported?: unknown }).imported === true
}

/**
 * An imported measurement → a locked Cornerstone annotation (drawn like the viewer's own, but the tools do not
 * let it be moved, and it is never collected for saving or offered for deletion).
 */
export function fromImported(s: ImportedMeasurement, imageIdFor: (sop: string, frame: number) => string | null
): CsAnnotationLike | null {
  const a = fromStored(s, imageIdFor)
  if (!a) return null
  return { ...a, isLocked: true, metadata: { ...a.metadata, imported: true, sourceSr: s.source_sr_instance_uid } }
}
