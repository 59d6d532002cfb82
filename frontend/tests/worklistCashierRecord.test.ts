// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { awaitingPayment, examLine, filterLines, nextAction, reportReady, sortForWork } from '@/domains/orders/worklist'
import { byCategory, receiptOf, totalFen, yuan } from '@/domains/orders/cashier'
import { implantTouched, isoToLocal, localToIso, recordBody, recordProblems, splitMinutes, type RecordForm } from '@/domains/surgery/record'

const line = (status: string, next: string[], acc = 'ACC2026112500001', mrn = 'QS001', name = '王*国') => ({
  order: { status, next_steps: next, accession_number: acc, details: {} },
  patient: { mrn, name_masked: name },
})

describe('imaging worklist', () => {
  it('offers the next step the server allows', () => {
    expect(nextAction(line('paid', ['scheduled', 'cancelled']).order)).toBe('schedule')
    expect(nextAction(line('scheduled', ['performed', 'cancelled']).order)).toBe('perform')
    expect(nextAction(line('performed', ['reported']).order)).toBe('report')
    expect(nextAction(line('reported', ['reviewed']).order)).toBeNull() // the ordering doctor reviews
    expect(nextAction(line('ordered', ['paid', 'cancelled']).order)).toBeNull()
    expect(nextAction(line('ordered', ['scheduled', 'cancelled']).order)).toBe('schedule') // inpatient: no payment step
  })
  it('marks unpaid outpatient exams', () => {
    expect(awaitingPayment(line('ordered', ['paid', 'cancelled']).order)).toBe(true)
    expect(awaitingPayment(line('ordered', ['scheduled', 'cancelled']).order)).toBe(false)
  })
  it('puts work first and keeps the server order within a group', () => {
    const a = line('reported', ['reviewed'], 'A')
    const b = line('ordered', ['paid'], 'B')
    const c = line('paid', ['scheduled'], 'C')
    const d = line('performed', ['reported'], 'D')
    expect(sortForWork([a, b, c, d]).map((l) => l.order.accession_number)).toEqual(['C', 'D', 'B', 'A'])
  })
  it('filters by status group and by accession, MRN or name', () => {
    const lines = [line('paid', ['scheduled'], 'ACC1', 'QS1', '张*三'), line('reported', ['reviewed'], 'ACC2', 'QS2', '李*')]
    expect(filterLines(lines, 'todo', '').length).toBe(1)
    expect(filterLines(lines, 'all', '').length).toBe(2)
    expect(filterLines(lines, 'reported', '').map((l) => l.order.accession_number)).toEqual(['ACC2'])
    expect(filterLines(lines, 'all', 'qs2').length).toBe(1)
    expect(filterLines(lines, 'all', '张').length).toBe(1)
    expect(filterLines(lines, 'all', 'acc').length).toBe(2)
  })
  it('describes the exam in one line', () => {
    const side = (l: string) => ({ right: '右', left: '左', bilateral: '双侧' })[l] ?? l
    expect(examLine({ modality: 'DX', body_part: 'HIP', laterality: 'right', views: ['AP', 'LAT'] }, side)).toBe('DX · HIP · 右 · AP, LAT')
    expect(examLine({ modality: 'MR', body_part: 'LSPINE', laterality: 'none', views: [] }, side)).toBe('MR · LSPINE')
  })
  it('needs findings or an impression', () => {
    expect(reportReady('  ', '')).toBe(false)
    expect(reportReady('', '右股骨颈骨折')).toBe(true)
  })
})

describe('cashier', () => {
  it('shows fen as yuan exactly', () => {
    expect(yuan(0)).toBe('0.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(9000)).toBe('90.00')
    expect(yuan(12345)).toBe('123.45')
    expect(yuan(-250)).toBe('-2.50')
    expect(() => yuan(1.5)).toThrow()
  })
  it('sums integers exactly where floats would not', () => {
    // 0.1 + 0.2 in yuan is 0.30000000000000004; in fen it is 30
    expect(totalFen([{ amount_fen: 10 }, { amount_fen: 20 }])).toBe(30)
    expect(yuan(totalFen([{ amount_fen: 9000 }, { amount_fen: 1990 }, { amount_fen: 1 }]))).toBe('109.91')
  })
  it('totals by category in first-seen order', () => {
    expect(byCategory([{ category: 'exam', amount_fen: 9000 }, { category: 'drug', amount_fen: 500 }, { category: 'exam', amount_fen: 1000 }])).toEqual([
      { category: 'exam', fen: 10000 },
      { category: 'drug', fen: 500 },
    ])
  })
  it('builds the receipt of one payment and refuses mixed payments', () => {
    const c = (id: string, fen: number, ref = 'CASH-1') => ({
      id, category: 'exam', item_code: 'X', item_name: 'X', unit_price_fen: fen, quantity: 1, amount_fen: fen, status: 'paid',
      service_date: '2026-11-25', paid_at: '2026-11-25T02:00:00Z', payment_ref: ref,
    })
    const r = receiptOf([c('a', 9000), c('b', 2000)])
    expect(r.reference).toBe('CASH-1')
    expect(r.totalFen).toBe(11000)
    expect(() => receiptOf([c('a', 1, 'CASH-1'), c('b', 1, 'CASH-2')])).toThrow()
    expect(() => receiptOf([])).toThrow()
  })
})

describe('surgical record', () => {
  const now = new Date('2026-11-25T12:00:00')
  const form = (over: Partial<RecordForm> = {}): RecordForm => ({
    start: '2026-11-25T08:00',
    end: '2026-11-25T09:30',
    codes: [{ code: '79.35', name: '股骨骨折切开复位内固定术' }],
    grade: 3,
    bloodLossMl: 200,
    implants: [],
    note: '',
    ...over,
  })
  it('accepts a complete record', () => {
    expect(recordProblems(form(), now)).toEqual([])
  })
  it('names what is missing or wrong', () => {
    expect(recordProblems(form({ start: '' }), now)).toEqual(['times'])
    expect(recordProblems(form({ end: '2026-11-25T07:00' }), now)).toEqual(['endBeforeStart'])
    expect(recordProblems(form({ end: '2026-11-25T13:00' }), now)).toEqual(['future'])
    expect(recordProblems(form({ codes: [] }), now)).toEqual(['codes'])
    expect(recordProblems(form({ bloodLossMl: null }), now)).toEqual(['bloodLoss'])
    expect(recordProblems(form({ bloodLossMl: 12.5 }), now)).toEqual(['bloodLoss'])
    const half = { manufacturer: '威高骨科', product: '空心螺钉', lot: '', udi: '', quantity: 3 }
    expect(recordProblems(form({ implants: [half] }), now)).toEqual(['implant'])
  })
  it('ignores untouched implant rows and sends times with a zone', () => {
    const blank = { manufacturer: '', product: '', lot: '', udi: '', quantity: 1 }
    const screw = { manufacturer: ' 威高骨科 ', product: '空心螺钉', lot: 'L2311', udi: '(01)06901234567892(10)L2311', quantity: 3 }
    expect(implantTouched(blank)).toBe(false)
    const body = recordBody(form({ implants: [blank, screw] }))
    expect(body.implants).toEqual([{ manufacturer: '威高骨科', product: '空心螺钉', lot: 'L2311', udi: '(01)06901234567892(10)L2311', quantity: 3 }])
    expect(body.procedures).toEqual([{ code: '79.35' }])
    expect(body.actual_start_at).toMatch(/Z$/)
    expect(new Date(body.actual_start_at).getTime()).toBe(new Date('2026-11-25T08:00').getTime())
  })
  it('round-trips local times and splits intervals', () => {
    expect(localToIso('nonsense')).toBe('')
    expect(isoToLocal(localToIso('2026-11-25T08:15'))).toBe('2026-11-25T08:15')
    expect(isoToLocal(null)).toBe('')
    expect(splitMinutes(1 * 1440 + 3 * 60 + 20)).toEqual({ d: 1, h: 3, m: 20 })
  })
})
