import type { Component } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { User } from '@element-plus/icons-vue'
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
]

export function visibleTiles(tiles: readonly PortalTile[], can: (p?: string) => boolean): PortalTile[] {
  return tiles.filter((t) => can(t.permission))
}
