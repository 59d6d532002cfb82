import type { RouteNamedMap } from './meta'

/** Every route name, so navigation is checked by the compiler (typed route map in meta.ts). */
export const R = {
  login: 'login',
  changePassword: 'change-password',
  totpSetup: 'totp-setup',
  home: 'home',
  patients: 'patients',
  patientRegister: 'patient-register',
  patientDetail: 'patient-detail',
  imagingViewer: 'imaging-viewer',
  audit: 'audit',
  triageDesk: 'triage-desk',
  portalTriage: 'portal-triage',
  forbidden: 'forbidden',
  portalLogin: 'portal-login',
  portalHome: 'portal-home',
  portalInfo: 'portal-info',
  portalPassword: 'portal-password',
  notFound: 'not-found',
  // workstation pages (issue 3 item 9)
  doctorWorkstation: 'doctor-workstation',
  bedBoard: 'bed-board',
  registrationDesk: 'registration-desk',
  orBoard: 'or-board',
  queueDisplay: 'queue-display',
  portalBook: 'portal-book',
  portalQueue: 'portal-queue',
  portalResults: 'portal-results',
  portalNotifications: 'portal-notifications',
  portalDischarge: 'portal-discharge',
  // remote consultation (issue 6)
  consultations: 'consultations',
  consultationNew: 'consultation-new',
  consultationDetail: 'consultation-detail',
  consultationRoom: 'consultation-room',
  // imaging worklist, cashier (issue 3: the technician's and the cashier's screens)
  imagingWorklist: 'imaging-worklist',
  cashier: 'cashier',
} as const satisfies Record<string, keyof RouteNamedMap>

export type RouteName = (typeof R)[keyof typeof R]

// every route in the map has a constant here
type Missing = Exclude<keyof RouteNamedMap, RouteName>
export const ALL_ROUTES_NAMED: Missing extends never ? true : Missing = true
