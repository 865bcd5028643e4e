// Generic ObjectMeta rules every kind shares (upstream ValidateObjectMeta / ValidateObjectMetaUpdate).
import type { StoredObject } from '../apis/meta.js'
import {
  forbidden,
  invalid,
  isDNS1123Label,
  isQualifiedName,
  required,
  validateAnnotations,
  validateLabels,
  type FieldError,
} from '../apis/validation.js'
import type { ResourceDef } from './types.js'

export function validateObjectMeta(def: ResourceDef, obj: StoredObject): FieldError[] {
  const m = obj.metadata
  const errs: FieldError[] = []
  if (!m.name) {
    if (!m.generateName) errs.push(required('metadata.name', 'name or generateName is required'))
  } else {
    for (const e of def.nameValidator(m.name)) errs.push(invalid('metadata.name', m.name, e))
  }
  if (def.namespaced) {
    if (!m.namespace) errs.push(required('metadata.namespace'))
    else for (const e of isDNS1123Label(m.namespace)) errs.push(invalid('metadata.namespace', m.namespace, e))
  } else if (m.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'))
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'))
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'))
  for (const [i, f] of (m.finalizers ?? []).entries()) {
    for (const e of isQualifiedName(f)) errs.push(invalid(`metadata.finalizers[${i}]`, f, e))
  }
  const owners = m.ownerReferences ?? []
  for (const [i, ref] of owners.entries()) {
    const p = `metadata.ownerReferences[${i}]`
    if (!ref.apiVersion) errs.push(invalid(`${p}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'))
    if (!ref.kind) errs.push(invalid(`${p}.kind`, ref.kind ?? '', 'kind must not be empty'))
    if (!ref.name) errs.push(invalid(`${p}.name`, ref.name ?? '', 'name must not be empty'))
    if (!ref.uid) errs.push(invalid(`${p}.uid`, ref.uid ?? '', 'uid must not be empty'))
  }
  if (owners.filter((r) => r.controller).length > 1) {
    errs.push(invalid('metadata.ownerReferences', owners.map((r) => r.name), 'Only one reference can have Controller set to true'))
  }
  errs.push(...validateManagedFields(m.managedFields ?? []))
  return errs
}

/** Upstream's ValidateManagedFields (a managedFields list written by hand must still be one). */
function validateManagedFields(entries: NonNullable<StoredObject['metadata']['managedFields']>): FieldError[] {
  const errs: FieldError[] = []
  entries.forEach((e, i) => {
    const p = `metadata.managedFields[${i}]`
    if (e.operation !== 'Apply' && e.operation !== 'Update') errs.push(invalid(`${p}.operation`, e.operation ?? '', 'must be `Apply` or `Update`'))
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') errs.push(invalid(`${p}.fieldsType`, e.fieldsType, 'must be `FieldsV1`'))
    const manager = e.manager ?? ''
    if (manager.length > 128) errs.push({ type: 'FieldValueTooLong', field: `${p}.manager`, value: manager, detail: 'may not be more than 128 bytes' })
    if (e.subresource && e.subresource.length > 256) errs.push({ type: 'FieldValueTooLong', field: `${p}.subresource`, value: e.subresource, detail: 'may not be more than 256 bytes' })
  })
  return errs
}

export function validateObjectMetaUpdate(def: ResourceDef, obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateObjectMeta(def, obj)
  const m = obj.metadata
  const o = old.metadata
  if (m.uid !== o.uid) errs.push(invalid('metadata.uid', m.uid, 'field is immutable'))
  if (m.creationTimestamp !== o.creationTimestamp) errs.push(invalid('metadata.creationTimestamp', m.creationTimestamp, 'field is immutable'))
  if (o.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp) errs.push(invalid('metadata.deletionTimestamp', m.deletionTimestamp, 'field is immutable; may only be changed via deletion'))
  return errs
}
