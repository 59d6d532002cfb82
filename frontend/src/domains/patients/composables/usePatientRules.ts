import type { FormItemRule } from 'element-plus'
import { useI18n } from 'vue-i18n'
import { checkIdNumber, checkName, isValidMobile } from '../validation'

type Cb = (e?: Error) => void

/** Element Plus validation rules shared by the registration and edit forms. */
export function usePatientRules() {
  const { t } = useI18n()
  const name: FormItemRule[] = [
    {
      required: true,
      trigger: 'blur',
      validator: (_r, v: string, cb: Cb) => {
        const p = checkName(v ?? '')
        cb(p ? new Error(t(`patients.validation.name.${p}`)) : undefined)
      },
    },
  ]
  const idNumber: FormItemRule[] = [
    {
      trigger: 'blur',
      validator: (_r, v: string, cb: Cb) => {
        if (!v || !v.trim()) return cb()
        const p = checkIdNumber(v)
        cb(p ? new Error(t(`patients.validation.idNumber.${p}`)) : undefined)
      },
    },
  ]
  const optionalMobile: FormItemRule[] = [
    {
      trigger: 'blur',
      validator: (_r, v: string, cb: Cb) =>
        cb(v && v.trim() && !isValidMobile(v) ? new Error(t('patients.validation.phone')) : undefined),
    },
  ]
  const required = (key: string, trigger: 'blur' | 'change' = 'change'): FormItemRule[] => [
    { required: true, trigger, message: () => t(key) },
  ]
  const maxLen = (n: number): FormItemRule[] => [
    {
      trigger: 'blur',
      validator: (_r, v: string, cb: Cb) =>
        cb(v && [...v].length > n ? new Error(t('common.tooLong', { n })) : undefined),
    },
  ]
  return { name, idNumber, optionalMobile, required, maxLen }
}
