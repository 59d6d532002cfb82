// @vitest-environment node
import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  applyStateToViewport,
  deserialise,
  diff,
  initialState,
  rangeToVoi,
  replay,
  serialise,
  stateFromViewport,
  voiToRange,
  type StackViewportLike,
  type ViewerEvent,
} from '@/domains/imaging/viewerState'

const s0 = initialState('1.2.3', '1.2.3.1')

describe('viewer state reducer', () => {
  it('selecting a series resets image, window and camera', () => {
    let s = applyEvent(s0, { type: 'image.index', imageIndex: 7 })
    s = applyEvent(s, { type: 'voi.set', voi: { windowWidth: 2000, windowCenter: 500 } })
    s = applyEvent(s, { type: 'camera.set', camera: { zoom: 2, rotation: 90 } })
    s = applyEvent(s, { type: 'series.select', studyUid: '1.2.3', seriesUid: '1.2.3.2' })
    expect(s.seriesUid).toBe('1.2.3.2')
    expect(s.imageIndex).toBe(0)
    expect(s.voi).toBeNull()
    expect(s.camera).toEqual({ zoom: 1, pan: [0, 0], rotation: 0, flipH: false, flipV: false })
  })

  it('is pure: the input state is never changed and no-ops return the same object', () => {
    const frozen = Object.freeze({ ...s0, camera: Object.freeze({ ...s0.camera }) })
    const s = applyEvent(frozen, { type: 'image.index', imageIndex: 3 })
    expect(frozen.imageIndex).toBe(0)
    expect(s.imageIndex).toBe(3)
    expect(applyEvent(s, { type: 'image.index', imageIndex: 3 })).toBe(s)
    expect(applyEvent(s, { type: 'pointer.move', x: 1, y: 2 })).toBe(s)
  })

  it('rejects invalid values', () => {
    expect(applyEvent(s0, { type: 'voi.set', voi: { windowWidth: -1, windowCenter: 0 } })).toBe(s0)
    expect(applyEvent(s0, { type: 'image.index', imageIndex: -5 }).imageIndex).toBe(0)
    expect(applyEvent(s0, { type: 'camera.set', camera: { zoom: 0 } }).camera.zoom).toBe(1)
    expect(applyEvent(s0, { type: 'layout.set', layout: '3x3' as never })).toBe(s0)
  })

  it('normalises rotation and merges partial camera changes', () => {
    let s = applyEvent(s0, { type: 'camera.set', camera: { rotation: 450 } })
    expect(s.camera.rotation).toBe(90)
    s = applyEvent(s, { type: 'camera.set', camera: { rotation: -90, flipH: true } })
    expect(s.camera).toMatchObject({ rotation: 270, flipH: true, flipV: false, zoom: 1 })
  })

  it('tracks visible annotations through add, update, visibility and remove', () => {
    const a = { uid: 'a', tool: 'CobbAngle', seriesUid: 's', sopUid: 'i', label: '', points: [] }
    let s = applyEvent(s0, { type: 'annotation.add', annotation: a })
    s = applyEvent(s, { type: 'annotation.add', annotation: a })
    expect(s.visibleAnnotationUids).toEqual(['a'])
    s = applyEvent(s, { type: 'annotation.update', annotation: { ...a, uid: 'b' } })
    s = applyEvent(s, { type: 'annotation.visibility', uid: 'a', visible: false })
    expect(s.visibleAnnotationUids).toEqual(['b'])
    s = applyEvent(s, { type: 'annotation.remove', uid: 'b' })
    expect(s.visibleAnnotationUids).toEqual([])
  })

  it('diff gives the events that replay one state into another', () => {
    const events: ViewerEvent[] = [
      { type: 'image.index', imageIndex: 12 },
      { type: 'voi.set', voi: { windowWidth: 400, windowCenter: 40 } },
      { type: 'camera.set', camera: { zoom: 1.5, pan: [10, -4], flipV: true } },
      { type: 'invert.set', invert: true },
      { type: 'layout.set', layout: '2x2' },
      { type: 'annotation.visibility', uid: 'x', visible: true },
    ]
    const target = replay(s0, events)
    expect(replay(s0, diff(s0, target))).toEqual(target)
  })

  it('serialises to JSON and back, dropping malformed fields', () => {
    const s = replay(s0, [{ type: 'voi.set', voi: { windowWidth: 2000, windowCenter: 500 } }, { type: 'invert.set', invert: true }])
    expect(deserialise(serialise(s))).toEqual(s)
    const bad = deserialise(JSON.stringify({ studyUid: '1', imageIndex: 'x', layout: 'huge', visibleAnnotationUids: [1, 'a'] }))
    expect(bad.imageIndex).toBe(0)
    expect(bad.layout).toBe('1x1')
    expect(bad.visibleAnnotationUids).toEqual(['a'])
  })
})

describe('viewport adapters', () => {
  function fakeViewport(): StackViewportLike & { calls: string[] } {
    let index = 0
    let props: { voiRange?: { lower: number; upper: number }; invert?: boolean } = { voiRange: { lower: 0, upper: 100 } }
    let pres = { zoom: 1, pan: [0, 0] as [number, number], rotation: 0, flipHorizontal: false, flipVertical: false }
    const calls: string[] = []
    return {
      calls,
      getCurrentImageIdIndex: () => index,
      setImageIdIndex: async (i: number) => {
        index = i
        calls.push(`index ${i}`)
      },
      getProperties: () => props,
      setProperties: (p) => {
        props = { ...props, ...p }
      },
      getViewPresentation: () => pres,
      setViewPresentation: (p) => {
        pres = { ...pres, ...p } as typeof pres
      },
      render: () => calls.push('render'),
    }
  }

  it('window/level converts to and from a VOI range', () => {
    expect(voiToRange({ windowWidth: 2000, windowCenter: 500 })).toEqual({ lower: -500, upper: 1500 })
    expect(rangeToVoi({ lower: -500, upper: 1500 })).toEqual({ windowWidth: 2000, windowCenter: 500 })
  })

  it('applying a state to a viewport and reading it back gives the same state', async () => {
    const vp = fakeViewport()
    const wanted = replay(s0, [
      { type: 'image.index', imageIndex: 4 },
      { type: 'voi.set', voi: { windowWidth: 2000, windowCenter: 500 } },
      { type: 'camera.set', camera: { zoom: 2, pan: [5, 6], rotation: 90, flipH: true } },
      { type: 'invert.set', invert: true },
    ])
    await applyStateToViewport(vp, wanted)
    expect(vp.calls).toEqual(['index 4', 'render'])
    expect(stateFromViewport(vp, s0)).toEqual(wanted)
  })
})
