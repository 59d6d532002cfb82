import {
  data,
  ordersAckAlert,
  ordersCreateOrder,
  ordersListPatientOrders,
  ordersMyAlerts,
  ordersReviewOrder,
} from '@/api/client'
import type {
  AlertRead,
  ImagingOrderCreate,
  LabOrderCreate,
  OrderRead,
  PrescriptionCreate,
} from '@/api/client'

export type { AlertRead, OrderRead }
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
