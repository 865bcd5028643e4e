// core/v1 ConfigMap (upstream ValidateConfigMap / ValidateConfigMapUpdate, printConfigMap).
import type { ConfigMap } from 'kubernetes-types/core/v1.js'
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { forbidden, invalid, isDNS1123Subdomain, tooLong, type FieldError } from '../../apis/validation.js'
import { isConfigMapKey } from '../../apis/core/names.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import { objOf, str } from './util.js'

export type ConfigMapObj = StoredObject & ConfigMap

/** 1 MiB, upstream MaxSecretSize (ConfigMaps share it). */
export const maxDataSize = 1024 * 1024

function validateConfigMap(cm: ConfigMapObj): FieldError[] {
  const errs: FieldError[] = []
  const data = objOf(cm.data)
  const binary = objOf(cm.binaryData)
  let total = 0
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, m))
    if (key in binary) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'))
    total += Buffer.byteLength(str(value))
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`binaryData[${key}]`, key, m))
    total += Buffer.from(str(value), 'base64').length
  }
  if (total > maxDataSize) errs.push(tooLong('', maxDataSize))
  return errs
}

/** With `immutable: true`, data, binaryData and the flag itself may no longer change. */
export function validateImmutableData(obj: { immutable?: boolean | null; data?: unknown; binaryData?: unknown }, old: typeof obj, fields: string[]): FieldError[] {
  if (old.immutable !== true) return []
  const errs: FieldError[] = []
  const msg = 'field is immutable when `immutable` is set'
  if (obj.immutable !== true) errs.push(forbidden('immutable', msg))
  const empty = (v: unknown) => (v && typeof v === 'object' && Object.keys(v).length > 0 ? v : undefined)
  for (const f of fields) {
    const a = (obj as Record<string, unknown>)[f]
    const b = (old as Record<string, unknown>)[f]
    if (!isDeepStrictEqual(empty(a), empty(b))) errs.push(forbidden(f, msg))
  }
  return errs
}

export const configMapsResource: ResourceDef<ConfigMapObj> = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  nameValidator: isDNS1123Subdomain,

  validate: validateConfigMap,
  validateUpdate: (cm, old) => [...validateImmutableData(cm, old, ['data', 'binaryData']), ...validateConfigMap(cm)],

  table: {
    columns: [nameColumn, column('Data', 'string', docs.configMapData), ageColumn],
    cells: (cm, now) => [cm.metadata.name, Object.keys(objOf(cm.data)).length + Object.keys(objOf(cm.binaryData)).length, age(cm.metadata.creationTimestamp, now)],
  },
}
