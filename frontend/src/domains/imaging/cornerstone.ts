/**
 * Cornerstone3D set-up for the viewer (this module and everything importing it lives in the lazily
 * loaded viewer chunk): one-time initialisation, the shared tool group, wadors image ids built from
 * Osteon's WADO-RS series metadata, and user calibration of lengths by a marker of known size.
 */
import {
  init as coreInit,
  imageLoader,
  RenderingEngine,
  type Types as CoreTypes,
} from '@cornerstonejs/core'
import {
  init as toolsInit,
  addTool,
  AngleTool,
  ArrowAnnotateTool,
  CobbAngleTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LengthTool,
  PanTool,
  PlanarFreehandROITool,
  RectangleROITool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools'
import { init as loaderInit, wadors } from '@cornerstonejs/dicom-image-loader'
import { dicomwebBase, tagValue } from './api'
import type { DicomJson } from './types'
import { formatStats, imageKeyOf } from './measurements'

export const ENGINE_ID = 'osteon-viewer'
export const TOOL_GROUP_ID = 'osteon-viewer-tools'

/** Tools the user picks for the primary mouse button (names are Cornerstone tool names). */
export const PRIMARY_TOOLS = {
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  cobb: CobbAngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
  rectangle: RectangleROITool.toolName,
  arrow: ArrowAnnotateTool.toolName,
  freehand: PlanarFreehandROITool.toolName,
} as const
export type PrimaryTool = keyof typeof PRIMARY_TOOLS

export const MEASUREMENT_TOOLS: readonly string[] = [
  LengthTool.toolName,
  AngleTool.toolName,
  CobbAngleTool.toolName,
  EllipticalROITool.toolName,
  RectangleROITool.toolName,
]

/** Annotation tools (arrow with a note, free-hand outline): shown and shared, not stored as measurements. */
export const ANNOTATION_TOOLS: readonly string[] = [ArrowAnnotateTool.toolName, PlanarFreehandROITool.toolName]

/** Asks for an arrow's note; null/'' cancels the arrow (Cornerstone's default is window.prompt). */
let arrowText: () => Promise<string | null> = async () => '→'

export function setArrowTextProvider(provider: () => Promise<string | null>): void {
  arrowText = provider
}

/** User calibration: mm per native unit (mm from PixelSpacing, or pixels), keyed by "sop/frame". */
const calibrations = new Map<string, number>()

export function setCalibration(imageKey: string, factor: number | null): void {
  if (factor && factor > 0 && Number.isFinite(factor)) calibrations.set(imageKey, factor)
  else calibrations.delete(imageKey)
}

export function calibrationOf(imageKey: string): number | null {
  return calibrations.get(imageKey) ?? null
}

export function allCalibrations(): Map<string, number> {
  return calibrations
}

let ready: Promise<RenderingEngine> | null = null

/** Initialises Cornerstone once; resolves to the shared rendering engine. */
export function initCornerstone(): Promise<RenderingEngine> {
  if (!ready) {
    ready = (async () => {
      await coreInit()
      loaderInit({ maxWebWorkers: Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)) })
      toolsInit()
      for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool, AngleTool, CobbAngleTool,
        EllipticalROITool, RectangleROITool, ArrowAnnotateTool, PlanarFreehandROITool]) {
        addTool(tool)
      }
      const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID)!
      group.addTool(WindowLevelTool.toolName)
      group.addTool(PanTool.toolName)
      group.addTool(ZoomTool.toolName)
      group.addTool(StackScrollTool.toolName)
      group.addTool(LengthTool.toolName, { getTextLines: calibratedLengthText })
      group.addTool(AngleTool.toolName)
      group.addTool(CobbAngleTool.toolName)
      group.addTool(EllipticalROITool.toolName)
      group.addTool(RectangleROITool.toolName)
      const askText = (done: (text: string | null) => void): void => {
        void arrowText().then(done, () => done(null))
      }
      group.addTool(ArrowAnnotateTool.toolName, { getTextCallback: askText, changeTextCallback: (_d: unknown, _e: unknown, done: (text: string | null) => void) => askText(done) })
      group.addTool(PlanarFreehandROITool.toolName, { calculateStats: false })
      const { MouseBindings } = ToolEnums
      group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] })
      group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] })
      group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] })
      for (const name of [...MEASUREMENT_TOOLS, ...ANNOTATION_TOOLS]) group.setToolPassive(name)
      setPrimaryTool('windowLevel')
      return new RenderingEngine(ENGINE_ID)
    })()
  }
  return ready
}

/** The LengthTool label, in calibrated mm when the user calibrated this image. */
function calibratedLengthText(data: ToolTypes.Annotation['data'], targetId: string): string[] {
  const stats = (data.cachedStats as Record<string, { length?: number; unit?: string }> | undefined)?.[targetId]
  if (!stats || stats.length == null) return []
  const factor = calibrationOf(imageKeyOf(targetId))
  return [formatStats('Length', stats as Record<string, unknown>, factor)]
}

let primary: PrimaryTool = 'windowLevel'

export function primaryTool(): PrimaryTool {
  return primary
}

/** Puts `tool` on the primary mouse button; the previous one goes passive (measurements stay editable). */
export function setPrimaryTool(tool: PrimaryTool): void {
  const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID)
  if (!group) return
  const current = PRIMARY_TOOLS[primary]
  const next = PRIMARY_TOOLS[tool]
  if (current !== next) {
    if (current === PanTool.toolName) {
      group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] })
    } else if (current === ZoomTool.toolName) {
      group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] })
    } else {
      group.setToolPassive(current)
    }
  }
  const extra =
    next === PanTool.toolName
      ? [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }]
      : next === ZoomTool.toolName
        ? [{ mouseButton: ToolEnums.MouseBindings.Secondary }]
        : []
  group.setToolActive(next, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }, ...extra] })
  primary = tool
}

export function frameUrl(studyUid: string, seriesUid: string, sopUid: string, frame: number): string {
  return `${dicomwebBase()}/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/${frame}`
}

/**
 * wadors image ids for a series, ordered by instance number (then slice position), each with its
 * instance metadata registered so Cornerstone needs no further metadata requests.
 */
export function imageIdsFor(studyUid: string, seriesUid: string, instances: DicomJson[]): string[] {
  const sorted = [...instances].sort((a, b) => {
    const na = Number(tagValue(a, '00200013') ?? 0)
    const nb = Number(tagValue(b, '00200013') ?? 0)
    if (na !== nb) return na - nb
    const za = Number((a['00200032']?.Value as number[] | undefined)?.[2] ?? 0)
    const zb = Number((b['00200032']?.Value as number[] | undefined)?.[2] ?? 0)
    return za - zb
  })
  const ids: string[] = []
  for (const inst of sorted) {
    const sop = String(tagValue(inst, '00080018') ?? '')
    if (!sop) continue
    if (!inst['7FE00010'] && !tagValue(inst, '00280010')) continue // not an image (SR, PR …)
    const frames = Math.max(1, Number(tagValue(inst, '00280008') ?? 1))
    for (let f = 1; f <= frames; f++) {
      const id = `wadors:${frameUrl(studyUid, seriesUid, sop, f)}`
      wadors.metaDataManager.add(id, inst as unknown as Parameters<typeof wadors.metaDataManager.add>[1])
      ids.push(id)
    }
  }
  return ids
}

/** Loads and caches the given images (first one first), reporting progress; stops when `signal` aborts. */
export async function prefetch(
  imageIds: string[],
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
  concurrency = 6,
): Promise<void> {
  let done = 0
  let next = 0
  onProgress(0, imageIds.length)
  const worker = async (): Promise<void> => {
    while (next < imageIds.length && !signal.aborted) {
      const id = imageIds[next++]
      try {
        await imageLoader.loadAndCacheImage(id)
      } catch {
        // a broken frame is shown as an error when scrolled to; keep loading the rest
      }
      done += 1
      if (!signal.aborted) onProgress(done, imageIds.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, imageIds.length) }, worker))
}

export type StackViewport = CoreTypes.IStackViewport
