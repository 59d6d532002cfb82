export interface Debounced<A extends unknown[]> {
  (...args: A): void
  cancel(): void
  flush(): void
  readonly pending: boolean
}

/** Calls `fn` once `ms` have passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null
  let lastArgs: A | null = null
  const d = ((...args: A) => {
    lastArgs = args
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      const a = lastArgs as A
      lastArgs = null
      fn(...a)
    }, ms)
  }) as Debounced<A>
  d.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    lastArgs = null
  }
  d.flush = () => {
    if (!timer) return
    clearTimeout(timer)
    timer = null
    const a = lastArgs as A
    lastArgs = null
    fn(...a)
  }
  Object.defineProperty(d, 'pending', { get: () => timer !== null })
  return d
}
