// The "empty object" upstream compares a create against (runtime.ObjectCreater.New of the kind,
// as Go serializes it). It matters for one visible detail: whether an owned map or list gets a
// "." entry. A node that did not exist at all before the write is itself added ("."); a node that
// existed as `{}` or `null` only gains children. For a new Deployment that gives
//   f:spec (no "."), f:template (no "."), f:containers (no ".": `containers: null`),
//   f:labels {".":{}} (absent before), f:ports {".":{}} (omitempty, absent before).
//
// Go's zero value has non-pointer structs as `{}` and fields without `omitempty` as `null`.
// OpenAPI does not say which structs are pointers; `required` marks the fields without
// `omitempty`, and the few non-pointer optional structs are named below.

import type { Schema } from '../../apis/schema.js'
import { atomsOf, type SchemaContext } from './atoms.js'
import type { Json } from './pathelement.js'

/** Optional struct fields that Go declares as values, not pointers (so they are `{}` when empty). */
const valueStructFields = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy'])

export function zeroObject(schema: Schema, ctx: SchemaContext, depth = 0): { [k: string]: Json } {
  const out: { [k: string]: Json } = {}
  if (depth > 6) return out
  const map = atomsOf(schema, ctx).map
  if (!map) return out
  const required = new Set(resolvedRequired(schema, ctx))
  for (const [name, fieldSchema] of Object.entries(map.fields)) {
    // ObjectMeta's own zero fields (creationTimestamp: null) only ever show up as "removed".
    if (name === 'metadata') {
      out[name] = {}
      continue
    }
    const atoms = atomsOf(fieldSchema, ctx)
    const isStruct = !!atoms.map && Object.keys(atoms.map.fields).length > 0 && !atoms.scalar
    if (isStruct && (valueStructFields.has(name) || required.has(name))) out[name] = zeroObject(fieldSchema, ctx, depth + 1)
    else if (required.has(name)) out[name] = null
  }
  return out
}

function resolvedRequired(schema: Schema, ctx: SchemaContext): string[] {
  let s = schema
  for (let i = 0; i < 8 && (s.$ref || (s.allOf?.length === 1 && !s.properties)); i++) {
    try {
      const next = ctx.resolve(s)
      if (next === s) break
      s = next
    } catch {
      return []
    }
  }
  return s.required ?? []
}
