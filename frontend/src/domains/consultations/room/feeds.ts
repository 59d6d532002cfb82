/** A participant's Janus feed id: the first 48 bits of their user UUID (docs/consultation.md, media as built). */
export function feedIdOf(userId: string): number {
  return parseInt(userId.replace(/-/g, '').slice(0, 12), 16)
}
