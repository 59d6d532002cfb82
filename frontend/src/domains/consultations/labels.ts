/** Tag colours for statuses and urgencies (labels are i18n keys `consult.status.<s>` / `consult.urgency.<u>`). */
export function statusTagType(s: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (s) {
    case 'requested':
    case 'assigned':
    case 'time_proposed':
      return 'warning'
    case 'accepted':
    case 'in_session':
      return 'primary'
    case 'reported':
    case 'closed':
      return 'success'
    case 'declined':
      return 'danger'
    default:
      return 'info'
  }
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}
