// @vitest-environment node
import { describe, expect, it } from 'vitest'
import {
  calibrationEntry,
  cobbAngle,
  formatStats,
  fromStored,
  imageKeyOf,
  parseImageId,
  toStored,
  type CsAnnotationLike,
} from '@/domains/imaging/measurements'

const ID = 'wadors:http://127.0.0.1:8000/dicomweb/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/frames/1'

describe('measurements', () => {
  it('parses wadors image ids and Cornerstone target ids', () => {
    expect(parseImageId(ID)).toEqual({ studyUid: '1.2.3', seriesUid: '1.2.3.4', sopUid: '1.2.3.4.5', frame: 1 })
    expect(imageKeyOf(`imageId:${ID}`)).toBe('1.2.3.4.5/1')
    expect(parseImageId('nonsense')).toBeNull()
  })

  it('labels each tool, lengths scaled by a user calibration', () => {
    expect(formatStats('Length', { length: 10, unit: 'mm' })).toBe('10.00 mm')
    expect(formatStats('Length', { length: 100, unit: 'px' }, 0.25)).toBe('25.00 mm*')
    expect(formatStats('CobbAngle', { angle: 23.456 })).toBe('23.46°')
    expect(formatStats('EllipticalROI', { mean: 10, stdDev: 2, area: 3, areaUnit: 'mm²' })).toBe('μ 10.0 · σ 2.0 · 3.0 mm²')
    expect(formatStats('Unknown', {})).toBe('')
  })

  it('computes the Cobb angle between two lines regardless of their direction', () => {
    expect(cobbAngle([0, 0], [10, 0], [0, 0], [0, 10])).toBeCloseTo(90)
    expect(cobbAngle([0, 0], [10, 0], [10, 10], [0, 0])).toBeCloseTo(45)
    expect(cobbAngle([0, 0], [10, 0], [0, 5], [10, 5])).toBeCloseTo(0)
  })

  it('round-trips a Cornerstone annotation through the stored form', () => {
    const a: CsAnnotationLike = {
      annotationUID: 'u-1',
      metadata: { toolName: 'CobbAngle', referencedImageId: ID, FrameOfReferenceUID: '9.9', viewPlaneNormal: [0, 0, 1] },
      data: { handles: { points: [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 2, 0]] }, cachedStats: { [`imageId:${ID}`]: { angle: 12.3 } } },
    }
    const stored = toStored(a, 'Dr Li', null)!
    expect(stored).toMatchObject({ uid: 'u-1', tool: 'CobbAngle', series_instance_uid: '1.2.3.4', sop_instance_uid: '1.2.3.4.5', frame: 1, label: '12.30°' })
    expect(JSON.stringify(stored)).not.toContain('http')
    const back = fromStored(stored, (sop, frame) => (sop === '1.2.3.4.5' && frame === 1 ? ID : null))!
    expect(back.metadata).toMatchObject({ toolName: 'CobbAngle', referencedImageId: ID, FrameOfReferenceUID: '9.9' })
    expect(back.data.handles?.points).toEqual(a.data.handles?.points)
    expect(back.invalidated).toBe(true)
    expect(fromStored(stored, () => null)).toBeNull()
  })

  it('stores a calibration as its own entry that is never drawn', () => {
    const c = calibrationEntry('1.2.3.4.5/1', 0.2, 25, 'Dr Li', '1.2.3.4')
    expect(c).toMatchObject({ tool: 'Calibration', sop_instance_uid: '1.2.3.4.5', frame: 1, data: { factor: 0.2, knownMm: 25 } })
    expect(c.uid).toMatch(/^[A-Za-z0-9._-]+$/)
    expect(fromStored(c, () => ID)).toBeNull()
  })
})
