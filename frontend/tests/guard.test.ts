// @vitest-environment node
import { describe, expect, it } from 'vitest'
import type { RouteMeta } from 'vue-router'
import { decide, safeRedirect, type GuardUser } from '@/router/guard'
import { R, type RouteName } from '@/router/names'
import { routes } from '@/router/routes'

function target(name: RouteName, meta: RouteMeta, fullPath = '/x') {
  return { name, meta, fullPath }
}

const doctor: GuardUser = { role: 'doctor', permissions: ['patient:read', 'patient:write'], must_change_password: false }
const auditor: GuardUser = { role: 'audit_admin', permissions: ['audit:read'], must_change_password: false }
const patient: GuardUser = { role: 'patient', permissions: [], must_change_password: false }

const staffPatients = target(R.patients, { face: 'staff', permission: 'patient:read' }, '/patients?q=zs')
const staffAudit = target(R.audit, { face: 'staff', permission: 'audit:read' }, '/audit')
const portalInfo = target(R.portalInfo, { face: 'portal' }, '/m/info')

describe('route guard', () => {
  it('sends anonymous users to the staff login with the destination', () => {
    expect(decide(staffPatients, null)).toEqual({ name: R.login, query: { redirect: '/patients?q=zs' } })
  })

  it('sends anonymous users on /m/ to the patient login', () => {
    expect(decide(portalInfo, null)).toEqual({ name: R.portalLogin, query: { redirect: '/m/info' } })
  })

  it('lets anyone open public pages, but not the login page once signed in', () => {
    expect(decide(target(R.login, { face: 'staff', public: true }), null)).toBe(true)
    expect(decide(target(R.login, { face: 'staff', public: true }), doctor)).toEqual({ name: R.home })
    expect(decide(target(R.portalLogin, { face: 'portal', public: true }), patient)).toEqual({ name: R.portalHome })
    expect(decide(target(R.notFound, { public: true }), null)).toBe(true)
  })

  it('checks meta.permission', () => {
    expect(decide(staffPatients, doctor)).toBe(true)
    expect(decide(staffAudit, doctor)).toEqual({ name: R.forbidden })
    expect(decide(staffAudit, auditor)).toBe(true)
    expect(decide(staffPatients, auditor)).toEqual({ name: R.forbidden })
  })

  it('forces the password change while must_change_password is set', () => {
    const fresh = { ...doctor!, must_change_password: true }
    expect(decide(staffPatients, fresh)).toEqual({ name: R.changePassword })
    expect(decide(target(R.home, { face: 'staff' }), fresh)).toEqual({ name: R.changePassword })
    expect(decide(target(R.changePassword, { face: 'staff' }), fresh)).toBe(true)
    const freshPatient = { ...patient!, must_change_password: true }
    expect(decide(portalInfo, freshPatient)).toEqual({ name: R.portalPassword })
    expect(decide(target(R.portalPassword, { face: 'portal' }), freshPatient)).toBe(true)
  })

  it('keeps patients in the H5 portal and staff out of it', () => {
    expect(decide(staffPatients, patient)).toEqual({ name: R.portalHome })
    expect(decide(target(R.home, { face: 'staff' }), patient)).toEqual({ name: R.portalHome })
    expect(decide(portalInfo, patient)).toBe(true)
    expect(decide(portalInfo, doctor)).toEqual({ name: R.home })
  })

  it('accepts only local paths as post-login redirects', () => {
    expect(safeRedirect('/patients/1')).toBe('/patients/1')
    expect(safeRedirect('//evil.example/x')).toBeNull()
    expect(safeRedirect('/\\evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect(['/a'])).toBeNull()
  })
})

describe('route table', () => {
  const flat = routes.flatMap((r) => [r, ...(r.children ?? [])])

  it('names exactly the routes of the typed route map', () => {
    const named = flat.map((r) => r.name).filter(Boolean).sort()
    expect(named).toEqual(Object.values(R).sort())
  })

  it('lazy-loads every view', () => {
    for (const r of flat) {
      if (r.component) expect(typeof r.component, String(r.name ?? r.path)).toBe('function')
    }
  })

  it('protects patient and audit pages with permissions', () => {
    const byName = new Map(flat.map((r) => [r.name, r]))
    expect(byName.get(R.patients)?.meta?.permission).toBe('patient:read')
    expect(byName.get(R.patientDetail)?.meta?.permission).toBe('patient:read')
    expect(byName.get(R.patientRegister)?.meta?.permission).toBe('patient:write')
    expect(byName.get(R.audit)?.meta?.permission).toBe('audit:read')
  })

  it('gives every named route a face or marks it public', () => {
    for (const r of flat) {
      if (!r.name) continue
      expect(r.meta?.face !== undefined || r.meta?.public === true, String(r.name)).toBe(true)
    }
  })

  it('serves the patient H5 shell under /m/', () => {
    const portal = routes.find((r) => r.path === '/m')
    expect(portal?.meta?.face).toBe('portal')
    expect(portal?.children?.map((c) => c.name)).toEqual(
      expect.arrayContaining([R.portalHome, R.portalLogin, R.portalInfo]),
    )
  })
})
