import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { applyLocale, i18n } from '@/i18n'
import ImportedMeasurementList from '@/domains/imaging/components/ImportedMeasurementList.vue'
import { fromImported, isImported } from '@/domains/imaging/measurements'
import type { ImportedMeasurement } from '@/domains/imaging/types'

const ID = 'wadors:http://127.0.0.1:8000/dicomweb/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/frames/1'

const COBB: ImportedMeasurement = {
  uid: 'sr-0123456789abcdef01234567',
  tool: 'CobbAngle',
  series_instance_uid: '1.2.3.4',
  sop_instance_uid: '1.2.3.4.5',
  frame: 1,
  label: '26.57°',
  author: 'Smith John',
  created_at: '2026-12-01',
  data: { points: [[6.65, 6.65, 1], [20.65, 6.65, 1], [6.65, 20.65, 1], [20.65, 27.65, 1]] },
  imported: true,
  read_only: true,
  source_sr_instance_uid: '2.25.77',
  observer_name: 'Smith John',
  content_date: '2026-12-01',
  values: { 'Cobb angle': 26.57 },
  units: { 'Cobb angle': 'deg' },
}

afterEach(() => {
  applyLocale('zh-CN')
})

describe('imported SR measurements', () => {
  it('become locked Cornerstone annotations marked as imported, on the referenced image', () => {
    const a = fromImported(COBB, (sop, frame) => (sop === '1.2.3.4.5' && frame === 1 ? ID : null))
    expect(a).not.toBeNull()
    expect(a!.isLocked).toBe(true)
    expect(isImported(a!)).toBe(true)
    expect(a!.metadata.toolName).toBe('CobbAngle')
    expect(a!.metadata.referencedImageId).toBe(ID)
    expect(a!.data.handles?.points).toEqual(COBB.data?.points)
    expect(fromImported(COBB, () => null)).toBeNull() // image not loaded: nothing drawn
  })

  it('are listed read-only with observer and date, Chinese first, and can only be hidden', async () => {
    applyLocale('zh-CN')
    const wrapper = mount(ImportedMeasurementList, {
      props: { items: [COBB], hidden: [], emptySources: 1 },
      global: { plugins: [i18n, ElementPlus] },
    })
    const row = wrapper.get('[data-testid="imported-row"]')
    expect(row.text()).toContain('Cobb 角')
    expect(row.get('[data-testid="imported-value"]').text()).toBe('26.57°')
    expect(row.get('[data-testid="imported-source"]').text()).toBe('Smith John · 2026-12-01')
    expect(row.get('[data-testid="imported-readonly"]').text()).toBe('只读')
    expect(wrapper.text()).toContain('来自其他工作站的测量')
    expect(wrapper.get('[data-testid="imported-empty"]').text()).toContain('1 个 SR')
    expect(wrapper.find('[data-testid="measurement-delete"]').exists()).toBe(false)
    expect(wrapper.findAll('button').map((b) => b.text())).toEqual(['隐藏'])

    await row.get('[data-testid="imported-toggle"]').trigger('click')
    expect(wrapper.emitted('toggle')).toEqual([[COBB.uid, false]])
    await wrapper.setProps({ hidden: [COBB.uid] })
    expect(wrapper.get('[data-testid="imported-toggle"]').text()).toBe('显示')
    await wrapper.get('[data-testid="imported-toggle"]').trigger('click')
    expect(wrapper.emitted('toggle')?.[1]).toEqual([COBB.uid, true])
    expect(wrapper.emitted('jump')).toBeUndefined() // the toggle does not jump

    applyLocale('en')
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toContain('From other workstations (DICOM SR)')
    expect(wrapper.get('[data-testid="imported-readonly"]').text()).toBe('Read only')
  })

  it('shows an unknown observer and nothing at all when there is nothing imported', () => {
    const wrapper = mount(ImportedMeasurementList, {
      props: { items: [{ ...COBB, observer_name: '', content_date: null }], hidden: [] },
      global: { plugins: [i18n, ElementPlus] },
    })
    expect(wrapper.get('[data-testid="imported-source"]').text()).toContain('未知测量者')
    const empty = mount(ImportedMeasurementList, { props: { items: [], hidden: [] }, global: { plugins: [i18n, ElementPlus] } })
    expect(empty.find('[data-testid="imported-measurements"]').exists()).toBe(false)
  })
})
