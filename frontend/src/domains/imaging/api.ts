/**
 * Imaging API: studies and saved annotations through the generated client; DICOMweb (QIDO-RS/WADO-RS
 * metadata, not described in OpenAPI) through fetch with the same conventions (same-origin cookie,
 * lost-session handling). Pixel data is fetched by Cornerstone's loader itself (same-origin XHR sends
 * the session cookie).
 */
import {
  data,
  imagingGetStudy,
  imagingPatientStudies,
  viewerGetAnnotations,
  viewerGetPresets,
  viewerPutAnnotations,
  viewerPutPresets,
  type PresetsRead,
  type PresetsWrite,
} from '@/api/client'
import { ApiError, toApiError } from '@/api/errors'
import { decorateHeaders, notifyUnauthorized } from '@/api/http'
import type { AnnotationSet, AnnotationSetBody, DicomJson, SeriesInfo, Study } from './types'

export function patientStudies(patientId: string): Promise<Study[]> {
  return data(imagingPatientStudies({ path: { patient_id: patientId } }))
}

export function getStudy(studyUid: string): Promise<Study> {
  return data(imagingGetStudy({ path: { study_uid: studyUid } }))
}

export function getAnnotations(studyUid: string): Promise<AnnotationSet> {
  return data(viewerGetAnnotations({ path: { study_uid: studyUid } }))
}

export function saveAnnotations(studyUid: string, body: AnnotationSetBody): Promise<AnnotationSet> {
  return data(viewerPutAnnotations({ path: { study_uid: studyUid }, body }))
}

export function getPresets(): Promise<PresetsRead> {
  return data(viewerGetPresets())
}

export function savePresets(body: PresetsWrite): Promise<PresetsRead> {
  return data(viewerPutPresets({ body }))
}

/** What `POST /api/v1/viewer/studies/{uid}/annotations/sr` answers (not in the generated client yet). */
export interface SrExport {
  study_instance_uid: string
  series_instance_uid: string
  sop_instance_uid: string
  sop_class_uid: string
  annotations_version: number
  created: boolean
  measurements: { uid: string; tool: string; values: Record<string, number>; unit: string }[]
  skipped: string[]
  wado_rs_url: string
}

/** Export a study's saved measurements as a DICOM SR stored as a new series of the study. */
export async function exportStudySr(studyUid: string): Promise<SrExport> {
  const url = `/api/v1/viewer/studies/${encodeURIComponent(studyUid)}/annotations/sr`
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: decorateHeaders('POST', new Headers()) })
  } catch {
    throw new ApiError(0, { status: 0 })
  }
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  if (!res.ok) {
    notifyUnauthorized(res.status, url)
    throw toApiError(res.status, body)
  }
  return body as SrExport
}

export function dicomwebBase(): string {
  return `${window.location.origin}/dicomweb`
}

async function dicomJson(path: string, signal?: AbortSignal): Promise<DicomJson[]> {
  const url = `${dicomwebBase()}${path}`
  let res: Response
  try {
    res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/dicom+json' }, signal })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, { status: 0 })
  }
  if (res.status === 204) return []
  if (!res.ok) {
    notifyUnauthorized(res.status, url)
    let body: unknown = null
    try {
      body = await res.json()
    } catch {
      body = null
    }
    throw toApiError(res.status, body)
  }
  return (await res.json()) as DicomJson[]
}

export function tagValue(item: DicomJson, tag: string): unknown {
  return item[tag]?.Value?.[0]
}

export function tagString(item: DicomJson, tag: string): string {
  const v = tagValue(item, tag)
  if (v == null) return ''
  if (typeof v === 'object' && v !== null && 'Alphabetic' in v) return String((v as { Alphabetic: string }).Alphabetic)
  return String(v)
}

export async function studySeries(studyUid: string, signal?: AbortSignal): Promise<SeriesInfo[]> {
  const rows = await dicomJson(`/studies/${encodeURIComponent(studyUid)}/series`, signal)
  return rows
    .map((r) => ({
      seriesUid: tagString(r, '0020000E'),
      modality: tagString(r, '00080060'),
      description: tagString(r, '0008103E'),
      number: Number(tagValue(r, '00200011') ?? 0),
      instances: Number(tagValue(r, '00201209') ?? 0),
    }))
    .sort((a, b) => a.number - b.number)
}

export function seriesMetadata(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<DicomJson[]> {
  return dicomJson(`/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/metadata`, signal)
}
