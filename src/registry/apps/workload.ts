// What Deployment and ReplicaSet (and friends) share: the label selector rules, the pod template
// check against the selector, non-negative counters and the container cells of their tables
// (upstream: pkg/apis/apps/validation, metav1 validation, pkg/printers/internalversion).
import type { LabelSelector } from 'kubernetes-types/meta/v1.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isQualifiedName, isValidLabelValue, notSupported, required, validateLabels } from '../../apis/validation.js'
import { validatePodTemplateSpec } from '../../apis/core/pod.js'
import { formatSelector, fromLabelSelector, matches, type Selector } from '../../lib/selector.js'
import { goInvalid, goLabelSelector, goStringMap } from './gosyntax.js'
import { isObj } from '../../lib/guards.js'
export { isObj }

export type Obj = Record<string, unknown>
export const objAt = (o: unknown, key: string): Obj | undefined => (isObj(o) && isObj(o[key]) ? (o[key] as Obj) : undefined)
export const numOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d)
export const strOr = (v: unknown, d: string): string => (typeof v === 'string' ? v : d)

/** Returns o[key], creating `{}` when it is absent or null; undefined when it holds a non-object. */
export function ensureObj(o: Obj, key: string): Obj | undefined {
  if (o[key] === undefined || o[key] === null) o[key] = {}
  return isObj(o[key]) ? (o[key] as Obj) : undefined
}

export const negativeMsg = 'must be greater than or equal to 0'

/** apivalidation.ValidateNonnegativeField; absent counts as Go's zero value. */
export function validateNonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, negativeMsg)] : []
}

/** metav1 validation.ValidateLabelSelector with AllowInvalidLabelValueInSelector false. */
export function validateLabelSelector(ls: unknown, field: string): FieldError[] {
  if (!isObj(ls)) return []
  const errs = validateLabels(isObj(ls.matchLabels) ? (ls.matchLabels as Record<string, string>) : undefined, `${field}.matchLabels`)
  const exprs = Array.isArray(ls.matchExpressions) ? ls.matchExpressions : []
  exprs.forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`
    const r = isObj(e) ? e : {}
    const values = Array.isArray(r.values) ? r.values : []
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"))
        break
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        break
      default:
        errs.push(invalid(`${p}.operator`, r.operator ?? '', 'not a valid selector operator'))
    }
    for (const msg of isQualifiedName(strOr(r.key, ''))) errs.push(invalid(`${p}.key`, r.key ?? '', msg))
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(String(v))) errs.push(invalid(`${p}.values[${j}]`, v, msg))
    })
  })
  return errs
}

/**
 * metav1.LabelSelectorAsSelector: absent → matches nothing, empty → everything, and an error when
 * a requirement cannot be built (bad key, value, operator, or value count).
 */
export type ConvertedSelector = { kind: 'nothing' } | { kind: 'everything' } | { kind: 'selector'; selector: Selector } | { kind: 'error' }

export function convertLabelSelector(ls: unknown): ConvertedSelector {
  if (ls === undefined || ls === null) return { kind: 'nothing' }
  if (!isObj(ls)) return { kind: 'error' }
  const labels = isObj(ls.matchLabels) ? ls.matchLabels : {}
  const exprs = Array.isArray(ls.matchExpressions) ? ls.matchExpressions : []
  if (Object.keys(labels).length + exprs.length === 0) return { kind: 'everything' }
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string' || isQualifiedName(k).length || isValidLabelValue(v).length) return { kind: 'error' }
  }
  for (const e of exprs) {
    if (!isObj(e) || typeof e.key !== 'string' || isQualifiedName(e.key).length) return { kind: 'error' }
    const values = e.values === undefined || e.values === null ? [] : e.values
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string' || isValidLabelValue(v).length)) return { kind: 'error' }
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) return { kind: 'error' }
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) return { kind: 'error' }
    else if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator as string)) return { kind: 'error' }
  }
  try {
    return { kind: 'selector', selector: fromLabelSelector(ls as LabelSelector) ?? [] }
  } catch {
    return { kind: 'error' }
  }
}

/** labels.Selector.String() of the converted selector; '' for nothing/everything. */
export function selectorString(ls: unknown): string | undefined {
  const c = convertLabelSelector(ls)
  if (c.kind === 'error') return undefined
  return c.kind === 'selector' ? formatSelector(c.selector) : ''
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when it does not convert. */
export function formatLabelSelectorCell(ls: unknown): string {
  const s = selectorString(ls)
  if (s === undefined) return '<error>'
  return s === '' ? '<none>' : s
}

/**
 * The selector part of ValidateDeploymentSpec / ValidateReplicaSetSpec: required, well formed,
 * not empty; returns the converted selector for the template check (undefined when it failed).
 */
export function validateWorkloadSelector(ls: unknown, field: string, kindWord: string): { errs: FieldError[]; selector?: ConvertedSelector } {
  const errs: FieldError[] = []
  if (ls === undefined || ls === null) errs.push(required(field))
  else {
    errs.push(...validateLabelSelector(ls, field))
    if (isObj(ls)) {
      const n = (isObj(ls.matchLabels) ? Object.keys(ls.matchLabels).length : 0) + (Array.isArray(ls.matchExpressions) ? ls.matchExpressions.length : 0)
      if (n === 0) errs.push(goInvalid(field, ls, goLabelSelector(ls), `empty selector is invalid for ${kindWord}`))
    }
  }
  const selector = convertLabelSelector(ls)
  if (selector.kind === 'error') {
    errs.push(goInvalid(field, ls, goLabelSelector(ls), 'invalid label selector'))
    return { errs }
  }
  return { errs, selector }
}

/** ValidatePodTemplateSpecForReplicaSet. */
export function validateTemplateForReplicaSet(template: unknown, selector: ConvertedSelector, field: string, kind: string): FieldError[] {
  if (!isObj(template)) return [required(field)]
  const errs: FieldError[] = []
  const labels = objAt(template, 'metadata')?.labels
  if (selector.kind !== 'everything') {
    const ok = selector.kind === 'selector' && matches(selector.selector, isObj(labels) ? (labels as Record<string, string>) : undefined)
    if (!ok) errs.push(goInvalid(`${field}.metadata.labels`, labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'))
  }
  errs.push(...validatePodTemplateSpec(template, field))
  const spec = objAt(template, 'spec') ?? {}
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']))
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null)
    errs.push(forbidden(`${field}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`))
  return errs
}

/** Upstream apiequality.Semantic.DeepEqual for JSON values: nil and empty maps/lists are equal. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)
  if (Array.isArray(a) || Array.isArray(b)) {
    if ((a === undefined || a === null || empty(a)) && (b === undefined || b === null || empty(b))) return true
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => semanticEqual(x, b[i]))
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) {
      const x = a[k]
      const y = b[k]
      // An absent map or list equals an empty one; an absent scalar or struct equals only absence.
      if ((x === undefined || x === null) && (y === undefined || y === null)) continue
      if ((x === undefined || x === null) && empty(y) && (Array.isArray(y) || isMapLike(k))) continue
      if ((y === undefined || y === null) && empty(x) && (Array.isArray(x) || isMapLike(k))) continue
      if (!semanticEqual(x, y)) return false
    }
    return true
  }
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true
  return a === b
}

// Maps (as opposed to structs) among the fields our equality checks meet.
const mapFields = new Set(['matchLabels', 'labels', 'annotations', 'nodeSelector', 'data', 'binaryData'])
const isMapLike = (key: string) => mapFields.has(key)

/** layoutContainerCells: names and images joined by commas. */
export function containerCells(template: unknown): [string, string] {
  const containers = objAt(template, 'spec')?.containers
  const list = Array.isArray(containers) ? containers.filter(isObj) : []
  return [list.map((c) => strOr(c.name, '')).join(','), list.map((c) => strOr(c.image, '')).join(',')]
}
