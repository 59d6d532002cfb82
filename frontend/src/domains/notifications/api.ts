import { data, notificationsListNotifications, notificationsMarkAllRead, notificationsMarkRead } from '@/api/client'
import type { NotificationPage, NotificationRead } from '@/api/client'

export type { NotificationPage, NotificationRead }

export function listNotifications(unreadOnly = false): Promise<NotificationPage> {
  return data(notificationsListNotifications({ query: { unread_only: unreadOnly, limit: 50 } }))
}
export function markRead(id: string): Promise<unknown> {
  return data(notificationsMarkRead({ path: { notification_id: id } }))
}
export function markAllRead(): Promise<unknown> {
  return data(notificationsMarkAllRead())
}

/** The notifications:<user_id> topic snapshot. */
export interface InboxState {
  unread: number
  items: NotificationRead[]
}

export function inboxReducer(state: InboxState | null, event: string, d: unknown): InboxState | null {
  if (event !== 'notification.new') return state
  const n = d as NotificationRead
  const items = [n, ...(state?.items ?? []).filter((x) => x.id !== n.id)].slice(0, 50)
  return { unread: (state?.unread ?? 0) + 1, items }
}
