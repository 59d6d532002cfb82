import type { Ref } from 'vue'
import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN'
import en from './locales/en'
import { setRequestLocale } from '@/api/http'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'zh-CN'
const STORAGE_KEY = 'osteon.locale'

export type MessageSchema = typeof zhCN

function storedLocale(): Locale {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    if (v && (LOCALES as readonly string[]).includes(v)) return v as Locale
  } catch {
    /* storage unavailable */
  }
  return DEFAULT_LOCALE
}

export const i18n = createI18n<[MessageSchema], Locale>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

/** Composition-mode global composer: `locale` is a ref. */
const globalLocale = (): Ref<Locale> => (i18n.global as unknown as { locale: Ref<Locale> }).locale

export function currentLocale(): Locale {
  return globalLocale().value
}

export function applyLocale(locale: Locale): void {
  globalLocale().value = locale
  setRequestLocale(locale)
  if (typeof document !== 'undefined') document.documentElement.lang = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    /* storage unavailable */
  }
}

setRequestLocale(currentLocale())
