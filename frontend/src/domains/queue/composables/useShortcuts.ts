import { onBeforeUnmount, onMounted } from 'vue'

/** True when a key press belongs to a text field (shortcuts must not steal typing). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
}

/**
 * Single-key shortcuts (no modifier) for a page, ignored while typing; `Alt+key` works everywhere.
 * `map` keys are lower-case letters.
 */
export function useShortcuts(map: Record<string, () => void>): void {
  function onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey) return
    if (!e.altKey && isTyping(e.target)) return
    const fn = map[e.key.toLowerCase()] ?? (e.altKey && e.code.startsWith('Key') ? map[e.code.slice(3).toLowerCase()] : undefined)
    if (!fn) return
    e.preventDefault()
    fn()
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
