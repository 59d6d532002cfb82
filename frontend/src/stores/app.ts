import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { getMeta } from '@/domains/institutions/api'
import type { Meta } from '@/domains/institutions/types'
import { applyLocale, currentLocale, type Locale } from '@/i18n'

const LARGE_TEXT_KEY = 'osteon.largeText'

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1'
  } catch {
    return false
  }
}

/** App-wide state: deployment meta, language and the patient H5 large-text preference. */
export const useAppStore = defineStore('app', () => {
  const meta = ref<Meta | null>(null)
  const locale = ref<Locale>(currentLocale())
  const largeText = ref(readFlag(LARGE_TEXT_KEY))

  const demoMode = computed(() => meta.value?.demo_mode === true)
  const timezone = computed(() => meta.value?.timezone || undefined)

  let metaPromise: Promise<void> | null = null
  function loadMeta(): Promise<void> {
    if (!metaPromise) {
      metaPromise = getMeta()
        .then((m) => {
          meta.value = m
        })
        .catch(() => {
          metaPromise = null
        })
    }
    return metaPromise
  }

  function setLocale(l: Locale): void {
    applyLocale(l)
    locale.value = l
  }

  function setLargeText(on: boolean): void {
    largeText.value = on
    try {
      localStorage.setItem(LARGE_TEXT_KEY, on ? '1' : '0')
    } catch {
      /* storage unavailable */
    }
  }

  return { meta, locale, largeText, demoMode, timezone, loadMeta, setLocale, setLargeText }
})
