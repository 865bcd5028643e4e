// JSON merge patch (application/merge-patch+json), RFC 7386 section 2:
//
//   define MergePatch(Target, Patch):
//     if Patch is an Object:
//       if Target is not an Object: Target = {}
//       for each Name/Value pair in Patch:
//         if Value is null: remove Name from Target (if present)
//         else: Target[Name] = MergePatch(Target[Name], Value)
//       return Target
//     else: return Patch
//
// Lists are replaced whole; `null` deletes. Neither input is changed. A stack overflow on an absurdly
// deep body is a PatchError (400).
import { withDepthGuard } from './errors.js'
import { cloneJson } from './strategic.js'
import { isObj as isObject } from '../../lib/guards.js'

export function applyMergePatch(original: unknown, patch: unknown): unknown {
  return withDepthGuard(() => mergePatch(original, patch))
}

function mergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch)
  const target: Record<string, unknown> = isObject(original) ? (cloneJson(original) as Record<string, unknown>) : {}
  for (const key of Object.keys(patch)) {
    const value = patch[key]
    if (value === null) {
      delete target[key]
      continue
    }
    const merged = mergePatch(Object.hasOwn(target, key) ? target[key] : undefined, value)
    if (key === '__proto__') Object.defineProperty(target, key, { value: merged, writable: true, enumerable: true, configurable: true })
    else target[key] = merged
  }
  return target
}

/**
 * The merge patch that turns `from` into `to` (objects are diffed key by key, anything else is
 * replaced). Exact for values that hold no `null` inside objects, which a merge patch cannot express.
 */
export function createMergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return cloneJson(to)
  const patch: Record<string, unknown> = {}
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) patch[key] = null
  for (const key of Object.keys(to)) {
    if (Object.hasOwn(from, key) && jsonEqual(from[key], to[key])) continue
    const value = Object.hasOwn(from, key) ? createMergePatch(from[key], to[key]) : cloneJson(to[key])
    if (key === '__proto__') Object.defineProperty(patch, key, { value, writable: true, enumerable: true, configurable: true })
    else patch[key] = value
  }
  return patch
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}
