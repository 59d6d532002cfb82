/**
 * Orderable items offered by the order form. Mirrors src/osteon/orders/data/price_list.yaml (the server has
 * no catalogue endpoint yet); the server validates every code and prices the charge itself.
 */
export interface CatalogueItem {
  code: string
  kind: 'imaging' | 'lab' | 'prescription'
  name: string
  modality?: 'DX' | 'CR' | 'CT' | 'MR'
  bodyPart?: string
  unit?: string
}

export const CATALOGUE: readonly CatalogueItem[] = [
  { code: 'XR-LS-2V', kind: 'imaging', name: '腰椎正侧位DR摄影', modality: 'DX', bodyPart: 'LSPINE' },
  { code: 'XR-KNEE-2V', kind: 'imaging', name: '膝关节正侧位DR摄影', modality: 'DX', bodyPart: 'KNEE' },
  { code: 'XR-HIP-2V', kind: 'imaging', name: '髋关节正位+侧位DR摄影', modality: 'DX', bodyPart: 'HIP' },
  { code: 'XR-WRIST-2V', kind: 'imaging', name: '腕关节正侧位DR摄影', modality: 'DX', bodyPart: 'WRIST' },
  { code: 'CT-LS', kind: 'imaging', name: '腰椎CT平扫', modality: 'CT', bodyPart: 'LSPINE' },
  { code: 'CT-KNEE', kind: 'imaging', name: '膝关节CT平扫+三维重建', modality: 'CT', bodyPart: 'KNEE' },
  { code: 'MR-LS', kind: 'imaging', name: '腰椎MRI平扫', modality: 'MR', bodyPart: 'LSPINE' },
  { code: 'MR-KNEE', kind: 'imaging', name: '膝关节MRI平扫', modality: 'MR', bodyPart: 'KNEE' },
  { code: 'LAB-CBC', kind: 'lab', name: '血细胞分析(血常规)' },
  { code: 'LAB-BMP', kind: 'lab', name: '电解质+肾功能' },
  { code: 'LAB-INFL', kind: 'lab', name: 'C反应蛋白+血沉' },
  { code: 'LAB-COAG', kind: 'lab', name: '凝血功能+D-二聚体' },
  { code: 'DRUG-CELE', kind: 'prescription', name: '塞来昔布胶囊 0.2g', unit: '粒' },
  { code: 'DRUG-LOXO', kind: 'prescription', name: '洛索洛芬钠片 60mg', unit: '片' },
  { code: 'DRUG-MECOB', kind: 'prescription', name: '甲钴胺片 0.5mg', unit: '片' },
  { code: 'DRUG-RIVA', kind: 'prescription', name: '利伐沙班片 10mg', unit: '片' },
]
