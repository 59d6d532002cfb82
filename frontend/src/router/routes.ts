import type { RouteRecordRaw } from 'vue-router'
import { Avatar, Calendar, ChatDotRound, DataAnalysis, FirstAidKit, HomeFilled, List, Money, OfficeBuilding, Search, Tickets, UserFilled } from '@element-plus/icons-vue'
import { R } from './names'
import './meta'

/** All views are lazy-loaded; each domain's views live in src/domains/<domain>/views. */
export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: R.login,
    component: () => import('@/domains/auth/views/LoginView.vue'),
    meta: { face: 'staff', public: true, titleKey: 'auth.login.title' },
  },
  {
    path: '/password',
    name: R.changePassword,
    component: () => import('@/domains/auth/views/ChangePasswordView.vue'),
    meta: { face: 'staff', titleKey: 'auth.password.title' },
  },
  {
    path: '/',
    component: () => import('@/layouts/StaffLayout.vue'),
    meta: { face: 'staff' },
    children: [
      {
        path: '',
        name: R.home,
        component: () => import('@/domains/institutions/views/DashboardView.vue'),
        meta: { face: 'staff', titleKey: 'nav.home', menu: { labelKey: 'nav.home', icon: HomeFilled, order: 0 } },
      },
      {
        path: 'patients',
        name: R.patients,
        component: () => import('@/domains/patients/views/PatientSearchView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'nav.patients',
          menu: { labelKey: 'nav.patients', icon: Search, order: 10 },
        },
      },
      {
        path: 'patients/new',
        name: R.patientRegister,
        component: () => import('@/domains/patients/views/PatientRegisterView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:write',
          titleKey: 'nav.registerPatient',
          menu: { labelKey: 'nav.registerPatient', icon: UserFilled, order: 20 },
        },
      },
      {
        path: 'patients/:id',
        name: R.patientDetail,
        component: () => import('@/domains/patients/views/PatientDetailView.vue'),
        props: true,
        meta: { face: 'staff', permission: 'patient:read', titleKey: 'patients.detail.title' },
      },
      {
        // the viewer chunk (Cornerstone3D, ~3.6 MB) loads only when a study is opened
        path: 'imaging/viewer/:studyUid',
        name: R.imagingViewer,
        component: () => import('@/domains/imaging/views/ViewerView.vue'),
        props: true,
        meta: { face: 'staff', permission: 'patient:read', titleKey: 'imaging.viewer.title' },
      },
      {
        path: 'triage',
        name: R.triageDesk,
        component: () => import('@/domains/triage/views/TriageDeskView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'triage.desk.title',
          menu: { labelKey: 'triage.nav.desk', icon: FirstAidKit, order: 30 },
        },
      },
      {
        path: 'audit',
        name: R.audit,
        component: () => import('@/domains/audit/views/AuditSearchView.vue'),
        meta: {
          face: 'staff',
          permission: 'audit:read',
          titleKey: 'nav.audit',
          menu: { labelKey: 'nav.audit', icon: DataAnalysis, order: 90 },
        },
      },
      // Workstation pages (issue 3 item 9). The back end's finer permissions (queue:act, bed:assign, …) are not
      // in /auth/me yet; clinical staff (patient:read) see the pages and the API refuses what a role may not do.
      {
        path: 'workstation',
        name: R.doctorWorkstation,
        component: () => import('@/domains/queue/views/DoctorWorkstationView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'queue.title',
          menu: { labelKey: 'queue.nav', icon: Avatar, order: 12 },
        },
      },
      {
        path: 'registration',
        name: R.registrationDesk,
        component: () => import('@/domains/scheduling/views/RegistrationDeskView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:write',
          titleKey: 'scheduling.deskTitle',
          menu: { labelKey: 'scheduling.nav', icon: Tickets, order: 14 },
        },
      },
      {
        path: 'beds',
        name: R.bedBoard,
        component: () => import('@/domains/inpatient/views/BedBoardView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'inpatient.title',
          menu: { labelKey: 'inpatient.nav', icon: OfficeBuilding, order: 16 },
        },
      },
      {
        path: 'or',
        name: R.orBoard,
        component: () => import('@/domains/surgery/views/OrScheduleView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'surgery.title',
          menu: { labelKey: 'surgery.nav', icon: Calendar, order: 18 },
        },
      },
      // the radiographer's/radiologist's worklist and the cashier (issue 3); menus by the domain permissions in /auth/me
      {
        path: 'imaging-worklist',
        name: R.imagingWorklist,
        component: () => import('@/domains/orders/views/ImagingWorklistView.vue'),
        meta: {
          face: 'staff',
          permission: 'order:execute',
          titleKey: 'worklist.title',
          menu: { labelKey: 'worklist.nav', icon: List, order: 17 },
        },
      },
      {
        path: 'cashier',
        name: R.cashier,
        component: () => import('@/domains/orders/views/CashierView.vue'),
        meta: {
          face: 'staff',
          permission: 'charge:pay',
          titleKey: 'cashier.title',
          menu: { labelKey: 'cashier.nav', icon: Money, order: 15 },
        },
      },
      // remote consultation (会诊, issue 6): both sides' worklists, the request form, the detail and the room
      {
        path: 'consultations',
        name: R.consultations,
        component: () => import('@/domains/consultations/views/ConsultationListView.vue'),
        meta: {
          face: 'staff',
          permission: 'patient:read',
          titleKey: 'consult.nav',
          menu: { labelKey: 'consult.nav', icon: ChatDotRound, order: 19 },
        },
      },
      {
        path: 'consultations/new',
        name: R.consultationNew,
        component: () => import('@/domains/consultations/views/ConsultationNewView.vue'),
        meta: { face: 'staff', permission: 'patient:read', titleKey: 'consult.new.title' },
      },
      {
        path: 'consultations/:id',
        name: R.consultationDetail,
        component: () => import('@/domains/consultations/views/ConsultationDetailView.vue'),
        props: true,
        meta: { face: 'staff', permission: 'patient:read', titleKey: 'consult.detail.title' },
      },
      {
        path: 'consultations/:id/room',
        name: R.consultationRoom,
        component: () => import('@/domains/consultations/views/ConsultationRoomView.vue'),
        props: true,
        meta: { face: 'staff', permission: 'patient:read', titleKey: 'consult.room.title' },
      },
      {
        path: 'security/totp',
        name: R.totpSetup,
        component: () => import('@/domains/auth/views/TotpSetupView.vue'),
        meta: { face: 'staff', titleKey: 'auth.totp.title' },
      },
      {
        path: 'forbidden',
        name: R.forbidden,
        component: () => import('@/components/ForbiddenView.vue'),
        meta: { face: 'staff', titleKey: 'common.forbiddenTitle' },
      },
    ],
  },
  {
    path: '/m',
    component: () => import('@/layouts/PortalLayout.vue'),
    meta: { face: 'portal' },
    children: [
      {
        path: '',
        name: R.portalHome,
        component: () => import('@/domains/portal/views/PortalHomeView.vue'),
        meta: { face: 'portal', titleKey: 'portal.home.title' },
      },
      {
        // public: the interview works before login (resume token in localStorage), then is claimed
        path: 'triage',
        name: R.portalTriage,
        component: () => import('@/domains/triage/views/TriageChatView.vue'),
        meta: { face: 'portal', public: true, titleKey: 'triage.chat.title' },
      },
      {
        // the triage chat links here with ?department=<code>
        path: 'book',
        name: R.portalBook,
        component: () => import('@/domains/scheduling/views/PortalBookView.vue'),
        meta: { face: 'portal', titleKey: 'scheduling.portal.title' },
      },
      {
        path: 'queue',
        name: R.portalQueue,
        component: () => import('@/domains/queue/views/PortalQueueView.vue'),
        meta: { face: 'portal', titleKey: 'queue.portal.title' },
      },
      {
        path: 'results',
        name: R.portalResults,
        component: () => import('@/domains/orders/views/PortalResultsView.vue'),
        meta: { face: 'portal', titleKey: 'orders.portal.title' },
      },
      {
        path: 'notifications',
        name: R.portalNotifications,
        component: () => import('@/domains/notifications/views/PortalNotificationsView.vue'),
        meta: { face: 'portal', titleKey: 'notify.title' },
      },
      {
        path: 'discharge',
        name: R.portalDischarge,
        component: () => import('@/domains/notifications/views/PortalNotificationsView.vue'),
        props: { kind: 'discharge' },
        meta: { face: 'portal', titleKey: 'notify.discharge.title' },
      },
      {
        path: 'login',
        name: R.portalLogin,
        component: () => import('@/domains/portal/views/PortalLoginView.vue'),
        meta: { face: 'portal', public: true, titleKey: 'auth.login.title' },
      },
      {
        path: 'info',
        name: R.portalInfo,
        component: () => import('@/domains/portal/views/PortalInfoView.vue'),
        meta: { face: 'portal', titleKey: 'portal.info.title' },
      },
      {
        path: 'password',
        name: R.portalPassword,
        component: () => import('@/domains/auth/views/ChangePasswordView.vue'),
        meta: { face: 'portal', titleKey: 'auth.password.title' },
      },
    ],
  },
  {
    // 候诊大屏: full screen, outside the staff shell; the screen signs in as a staff account
    path: '/display/:departmentId',
    name: R.queueDisplay,
    component: () => import('@/domains/queue/views/QueueDisplayView.vue'),
    props: true,
    meta: { face: 'staff', permission: 'patient:read', titleKey: 'queue.display.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: R.notFound,
    component: () => import('@/components/NotFoundView.vue'),
    meta: { public: true, titleKey: 'common.notFoundTitle' },
  },
]
