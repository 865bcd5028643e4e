// Pod update rules (upstream ValidatePodUpdate): the spec is immutable except container images,
// activeDeadlineSeconds (only downwards), added tolerations and removed scheduling gates.
import { isDeepStrictEqual } from 'node:util'
import type { PodSpec } from 'kubernetes-types/core/v1.js'
import { clone } from '../../apis/meta.js'
import { forbidden, invalid, required, type FieldError } from '../../apis/validation.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

export const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
]

function validateContainerUpdates(next: unknown, old: unknown, path: string): { errs: FieldError[]; stop: boolean } {
  const n = list(next)
  if (n.length !== list(old).length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true }
  const errs: FieldError[] = []
  n.forEach((c, i) => {
    const image = isObj(c) && typeof c.image === 'string' ? c.image : ''
    if (image === '') errs.push(required(`${path}[${i}].image`))
    if (image.trim() !== image) errs.push(invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'))
  })
  return { errs, stop: false }
}

/** Go's semantic equality treats empty and absent slices/maps alike; JSON has no other nils. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize)
  if (isObj(v)) {
    const out: Obj = {}
    for (const [k, x] of Object.entries(v)) {
      const nx = normalize(x)
      if (nx !== undefined && nx !== null) out[k] = nx
    }
    return out
  }
  return v
}

function tolerationsOnlyAdded(next: unknown, old: unknown): boolean {
  const n = list(next)
  return list(old).every((o) => {
    if (!isObj(o)) return true
    return n.some((t) => isObj(t) && isDeepStrictEqual(normalize({ ...o, tolerationSeconds: t.tolerationSeconds }), normalize(t)))
  })
}

/** A short `- old / + new` listing of what changed (upstream shows a cmp.Diff of the specs). */
export function specDiff(old: unknown, next: unknown, path = ''): string[] {
  if (isDeepStrictEqual(normalize(old), normalize(next))) return []
  if (isObj(old) && isObj(next)) {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort()
    return keys.flatMap((k) => specDiff(old[k], next[k], path ? `${path}.${k}` : k))
  }
  if (Array.isArray(old) && Array.isArray(next) && old.length === next.length) {
    return old.flatMap((o, i) => specDiff(o, next[i], `${path}[${i}]`))
  }
  const out: string[] = []
  if (old !== undefined) out.push(`- ${path}: ${JSON.stringify(old)}`)
  if (next !== undefined) out.push(`+ ${path}: ${JSON.stringify(next)}`)
  return out
}

/** The spec part of ValidatePodUpdate (metadata and full spec validation run separately). */
export function validatePodSpecUpdate(nextSpec: PodSpec | undefined, oldSpec: PodSpec | undefined): FieldError[] {
  const n = (isObj(nextSpec) ? nextSpec : {}) as Obj
  const o = (isObj(oldSpec) ? oldSpec : {}) as Obj
  const errs: FieldError[] = []
  const c = validateContainerUpdates(n.containers, o.containers, 'spec.containers')
  errs.push(...c.errs)
  if (c.stop) return errs
  const ic = validateContainerUpdates(n.initContainers, o.initContainers, 'spec.initContainers')
  errs.push(...ic.errs)
  if (ic.stop) return errs

  if (n.activeDeadlineSeconds !== undefined && n.activeDeadlineSeconds !== null) {
    const v = Number(n.activeDeadlineSeconds)
    if (v < 0 || v > 2147483647) {
      errs.push(invalid('spec.activeDeadlineSeconds', v, 'must be between 0 and 2147483647, inclusive'))
      return errs
    }
    if (o.activeDeadlineSeconds !== undefined && o.activeDeadlineSeconds !== null && Number(o.activeDeadlineSeconds) < v) {
      errs.push(invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'))
      return errs
    }
  } else if (o.activeDeadlineSeconds !== undefined && o.activeDeadlineSeconds !== null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'))
  }

  if (!tolerationsOnlyAdded(n.tolerations, o.tolerations))
    errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'))

  const oldGates = new Set(list(o.schedulingGates).map((g) => (isObj(g) ? g.name : undefined)))
  list(n.schedulingGates).forEach((g, i) => {
    const name = isObj(g) ? g.name : undefined
    if (!oldGates.has(name)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${String(name)}'`))
  })

  if (isDeepStrictEqual(normalize(n), normalize(o))) return errs

  const munged = clone(n)
  const oldContainers = list(o.containers)
  munged.containers = list(munged.containers).map((ct, i) => (isObj(ct) ? { ...ct, image: (oldContainers[i] as Obj | undefined)?.image } : ct))
  const oldInits = list(o.initContainers)
  if (Array.isArray(munged.initContainers))
    munged.initContainers = munged.initContainers.map((ct, i) => (isObj(ct) ? { ...ct, image: (oldInits[i] as Obj | undefined)?.image } : ct))
  munged.activeDeadlineSeconds = o.activeDeadlineSeconds
  munged.schedulingGates = o.schedulingGates
  munged.tolerations = o.tolerations
  if (typeof o.terminationGracePeriodSeconds === 'number' && o.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds
  if (!isDeepStrictEqual(normalize(munged), normalize(o))) {
    const diff = specDiff(o, munged).join('\n')
    errs.push(forbidden('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${diff}`))
  }
  return errs
}
