// What Go's encoding/json does to a decoded object before anyone sees it again: a slice or map
// field tagged `omitempty` is left out when empty. A real API server decodes every body into its Go
// types, so `annotations: {}`, `nodeSelector: {}` or `env: []` never reach storage or a client;
// without this, `kubectl diff` would show them and clients would read them back.
import { messageForKind, messageSpec } from './schema.js'
import { isObj as isObject } from '../../lib/guards.js'

type Json = Record<string, unknown>

/** Nesting guard: the deepest path in the table is about 15 messages. */
const maxDepth = 64

/**
 * Drops empty omitempty slices and maps from `obj` in place, by the Go type of `apiVersion kind`
 * (only its metadata for kinds outside the table). `metadata.managedFields` is kept even when
 * empty: on an update that means "clear them" to the field manager, which drops it afterwards.
 */
export function dropEmptyOmitted(obj: Json, apiVersion: string, kind: string): void {
  const message = messageForKind(apiVersion, kind)
  if (message) walk(obj, message, 0, true)
  else if (isObject(obj.metadata)) walk(obj.metadata, 'meta.ObjectMeta', 1, true)
}

function walk(obj: Json, message: string, depth: number, top: boolean): void {
  const spec = messageSpec(message)
  if (!spec || depth > maxDepth) return
  for (const f of spec.fields) {
    if (f.inline) {
      if (f.kind === 'message') walk(obj, f.type, depth + 1, false)
      continue
    }
    if (!Object.hasOwn(obj, f.json)) continue
    const v = obj[f.json]
    if (f.label === 'repeated') {
      if (f.omitempty && (v === null || (Array.isArray(v) && v.length === 0))) {
        if (!(top && message === 'meta.ObjectMeta' && f.json === 'managedFields')) delete obj[f.json]
      } else if (f.kind === 'message' && Array.isArray(v)) {
        for (const item of v) if (isObject(item)) walk(item, f.type, depth + 1, false)
      }
    } else if (f.label === 'map') {
      if (f.omitempty && (v === null || (isObject(v) && Object.keys(v).length === 0))) delete obj[f.json]
      else if (f.kind === 'message' && isObject(v)) for (const item of Object.values(v)) if (isObject(item)) walk(item, f.type, depth + 1, false)
    } else if (f.kind === 'message' && isObject(v)) {
      walk(v, f.type, depth + 1, top && f.json === 'metadata')
    }
  }
}

