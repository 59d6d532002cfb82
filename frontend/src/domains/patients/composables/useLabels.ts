import { useI18n } from 'vue-i18n'
import type { InsuranceType, Sex } from '../types'

/** Display labels for patient enumerations. */
export function usePatientLabels() {
  const { t } = useI18n()
  return {
    sexLabel: (s: Sex | string | null | undefined) => (s ? t(`patients.sex.${s}`) : ''),
    insuranceLabel: (i: InsuranceType | string | null | undefined) => (i ? t(`patients.insurance.${i}`) : ''),
  }
}
