/** Lab result flags from the server: L/H outside the reference interval, LL/HH beyond the critical limits. */
export function isAbnormal(flag: string | null | undefined): boolean {
  return !!flag && flag !== 'N'
}

export function flagClass(flag: string | null | undefined, critical = false): string {
  if (critical || flag === 'LL' || flag === 'HH') return 'flag-critical'
  return isAbnormal(flag) ? 'flag-abnormal' : ''
}
