import type { Annotation, AnnotationSetRead, AnnotationSetWrite, StudyRead } from '@/api/client'

export type Study = StudyRead
export type StoredAnnotation = Annotation
export type AnnotationSet = AnnotationSetRead
export type AnnotationSetBody = AnnotationSetWrite

/** A series as QIDO-RS lists it. */
export interface SeriesInfo {
  seriesUid: string
  modality: string
  description: string
  number: number
  instances: number
}

/** One instance of a series from the WADO-RS metadata (DICOM JSON). */
export type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>

/** A measurement imported from a DICOM SR another workstation sent: drawn, never edited or saved back. */
export type { ImportedAnnotation as ImportedMeasurement, SrSourceRead as SrSource } from '@/api/client'
