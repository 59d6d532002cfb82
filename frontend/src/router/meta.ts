import type { Component } from 'vue'
import type { RouteRecordInfo } from 'vue-router'
import type { Permission } from '@/domains/auth/types'

export type Face = 'staff' | 'portal'

export interface MenuMeta {
  /** i18n key of the menu label */
  labelKey: string
  icon: Component
  order: number
}

declare module 'vue-router' {
  interface RouteMeta {
    /** which shell the route belongs to: the staff workstation or the patient H5 */
    face?: Face
    /** reachable without a session */
    public?: boolean
    /** permission the user needs; checked by the guard and used to filter menus */
    permission?: Permission
    /** present when the route appears in the side menu */
    menu?: MenuMeta
    /** i18n key for the document title */
    titleKey?: string
  }
}

export {}

type NoParams = Record<never, never>
type Info<Name extends string, Path extends string, P extends Record<string, string> = NoParams> = RouteRecordInfo<
  Name,
  Path,
  { [K in keyof P]: string | number },
  P
>

/** Route names and their params, so `router.push({ name, params })` and `<router-link>` are type-checked. */
export interface RouteNamedMap {
  login: Info<'login', '/login'>
  'change-password': Info<'change-password', '/password'>
  home: Info<'home', '/'>
  patients: Info<'patients', '/patients'>
  'patient-register': Info<'patient-register', '/patients/new'>
  'patient-detail': Info<'patient-detail', '/patients/:id', { id: string }>
  'imaging-viewer': Info<'imaging-viewer', '/imaging/viewer/:studyUid', { studyUid: string }>
  audit: Info<'audit', '/audit'>
  'triage-desk': Info<'triage-desk', '/triage'>
  'portal-triage': Info<'portal-triage', '/m/triage'>
  'totp-setup': Info<'totp-setup', '/security/totp'>
  forbidden: Info<'forbidden', '/forbidden'>
  'portal-home': Info<'portal-home', '/m'>
  'portal-login': Info<'portal-login', '/m/login'>
  'portal-info': Info<'portal-info', '/m/info'>
  'portal-password': Info<'portal-password', '/m/password'>
  'doctor-workstation': Info<'doctor-workstation', '/workstation'>
  'bed-board': Info<'bed-board', '/beds'>
  'registration-desk': Info<'registration-desk', '/registration'>
  'or-board': Info<'or-board', '/or'>
  'queue-display': Info<'queue-display', '/display/:departmentId', { departmentId: string }>
  'portal-book': Info<'portal-book', '/m/book'>
  'portal-queue': Info<'portal-queue', '/m/queue'>
  'portal-results': Info<'portal-results', '/m/results'>
  'portal-notifications': Info<'portal-notifications', '/m/notifications'>
  'portal-discharge': Info<'portal-discharge', '/m/discharge'>
  consultations: Info<'consultations', '/consultations'>
  'consultation-new': Info<'consultation-new', '/consultations/new'>
  'consultation-detail': Info<'consultation-detail', '/consultations/:id', { id: string }>
  'consultation-room': Info<'consultation-room', '/consultations/:id/room', { id: string }>
  'imaging-worklist': Info<'imaging-worklist', '/imaging-worklist'>
  cashier: Info<'cashier', '/cashier'>
  'not-found': Info<'not-found', '/:pathMatch(.*)*', { pathMatch: string }>
}

declare module 'vue-router' {
  interface TypesConfig {
    RouteNamedMap: RouteNamedMap
  }
}
