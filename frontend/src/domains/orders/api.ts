import {
  data,
  ordersAckAlert,
  ordersCreateOrder,
  ordersImagingWorklist,
  ordersListPatientCharges,
  ordersPayCharges,
  ordersReportOrder,
  ordersTransitionOrder,
  ordersListPatientOrders,
  ordersMyAlerts,
  ordersReviewOrder,
} from '@/api/client'
import type {
  AlertRead,
  ChargeRead,
  ImagingOrderCreate,
  LabOrderCreate,
  OrderRead,
  PrescriptionCreate,
  WorklistRow,
} from '@/api/client'

export type { AlertRead, ChargeRead, OrderRead, WorklistRow }
export type NewOrder = ImagingOrderCreate | LabOrderCreate | PrescriptionCreate

export function createOrder(body: NewOrder): Promise<OrderRead> {
  return data(ordersCreateOrder({ body })) as Promise<OrderRead>
}
export function patientOrders(patientId: string, query: { encounter_id?: string; admission_id?: string } = {}): Promise<OrderRead[]> {
  return data(ordersListPatientOrders({ path: { patient_id: patientId }, query: { ...query, limit: 100 } })) as Promise<OrderRead[]>
}
export function reviewOrder(id: string): Promise<OrderRead> {
  return data(ordersReviewOrder({ path: { order_id: id } })) as Promise<OrderRead>
}
export function myAlerts(): Promise<AlertRead[]> {
  return data(ordersMyAlerts()) as Promise<AlertRead[]>
}
export function ackAlert(id: string, note = ''): Promise<AlertRead> {
  return data(ordersAckAlert({ path: { alert_id: id }, body: { note } })) as Promise<AlertRead>
}

/** The imaging worklist of my hospital (today by default, plus older open orders). */
export function imagingWorklist(day?: string): Promise<WorklistRow[]> {
  return data(ordersImagingWorklist({ query: day ? { day } : {} })) as Promise<WorklistRow[]>
}
export function transitionOrder(id: string, to: 'scheduled' | 'performed', note = ''): Promise<OrderRead> {
  return data(ordersTransitionOrder({ path: { order_id: id }, body: { to, note } })) as Promise<OrderRead>
}
/** A radiology report: findings (检查所见) and impression (诊断意见, `conclusion` in the API). */
export function reportOrder(id: string, findings: string, conclusion: string): Promise<OrderRead> {
  return data(ordersReportOrder({ path: { order_id: id }, body: { findings, conclusion, values: [] } })) as Promise<OrderRead>
}
export function patientCharges(patientId: string, status?: 'unpaid' | 'paid' | 'refunded'): Promise<ChargeRead[]> {
  return data(ordersListPatientCharges({ path: { patient_id: patientId }, query: status ? { status } : {} })) as Promise<ChargeRead[]>
}
/** Payment through the server's payment gateway (cashier confirmation now, the HIS adapter later). */
export function payCharges(chargeIds: string[]): Promise<ChargeRead[]> {
  return data(ordersPayCharges({ body: { charge_ids: chargeIds } })) as Promise<ChargeRead[]>
}
