import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis, HomeFilled, Search, UserFilled } from '@element-plus/icons-vue'
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
    path: '/:pathMatch(.*)*',
    name: R.notFound,
    component: () => import('@/components/NotFoundView.vue'),
    meta: { public: true, titleKey: 'common.notFoundTitle' },
  },
]
