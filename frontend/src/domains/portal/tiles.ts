import type { Component } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { Bell, Calendar, ChatDotRound, Document, Finished, Tickets, User } from '@element-plus/icons-vue'
import { R } from '@/router/names'

/** A tile on the patient H5 home. Later modules append tiles here (appointments, follow-up, reports …). */
export interface PortalTile {
  key: string
  titleKey: string
  descKey: string
  icon: Component
  to: RouteLocationRaw
  /** hide the tile unless the signed-in patient has this permission */
  permission?: string
}

export const PORTAL_TILES: readonly PortalTile[] = [
  { key: 'info', titleKey: 'portal.info.title', descKey: 'portal.info.desc', icon: User, to: { name: R.portalInfo } },
  { key: 'triage', titleKey: 'triage.tile.title', descKey: 'triage.tile.desc', icon: ChatDotRound, to: { name: R.portalTriage } },
  { key: 'book', titleKey: 'scheduling.portal.title', descKey: 'scheduling.portal.desc', icon: Calendar, to: { name: R.portalBook } },
  { key: 'queue', titleKey: 'queue.portal.title', descKey: 'queue.portal.desc', icon: Tickets, to: { name: R.portalQueue } },
  { key: 'results', titleKey: 'orders.portal.title', descKey: 'orders.portal.desc', icon: Document, to: { name: R.portalResults } },
  { key: 'notifications', titleKey: 'notify.title', descKey: 'notify.desc', icon: Bell, to: { name: R.portalNotifications } },
  { key: 'discharge', titleKey: 'notify.discharge.title', descKey: 'notify.discharge.desc', icon: Finished, to: { name: R.portalDischarge } },
]

export function visibleTiles(tiles: readonly PortalTile[], can: (p?: string) => boolean): PortalTile[] {
  return tiles.filter((t) => can(t.permission))
}
