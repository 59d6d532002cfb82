/** Client-side masks for values the server returns in full only on the detail endpoint. */
export function maskPhone(v: string | null | undefined): string {
  if (!v) return ''
  if (v.length < 7) return '*'.repeat(v.length)
  return `${v.slice(0, 3)}****${v.slice(-4)}`
}

export function maskAddress(v: string | null | undefined): string {
  if (!v) return ''
  const chars = [...v]
  const keep = Math.min(6, Math.floor(chars.length / 2))
  return `${chars.slice(0, keep).join('')}****`
}
