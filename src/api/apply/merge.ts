// Merging an applied configuration into the live object (structured-merge-diff's typed Merge):
// the applied value wins at every leaf it sets; granular maps merge key by key; associative
// lists merge item by item, keeping live-only items and following the applied order for the rest.

import type { Schema } from '../../apis/schema.js'
import { atomsOf, childSchema, deducedSchema, listItemElement, shapeOf, type ListAtom, type MapAtom, type SchemaContext } from './atoms.js'
import { isJsonObject, type Json } from './pathelement.js'

/** `lhs` is the live value, `rhs` the applied one; `undefined` means absent. */
export function mergeValues(lhs: Json | undefined, rhs: Json | undefined, schema: Schema, ctx: SchemaContext): Json | undefined {
  if (lhs === undefined && rhs === undefined) return undefined
  const atoms = atomsOf(schema, ctx)
  const ls = lhs === undefined ? undefined : shapeOf(atoms, lhs, rhs)
  const rs = rhs === undefined ? undefined : shapeOf(atoms, rhs, lhs)
  const shape = rs ?? ls
  const keepRhs = (): Json | undefined => (rhs !== undefined ? rhs : lhs)
  if (shape === 'mismatch' || shape === 'scalar' || (ls && rs && ls !== rs)) return keepRhs()
  if (shape === 'list') {
    const l = Array.isArray(lhs) ? lhs : undefined
    const r = Array.isArray(rhs) ? rhs : undefined
    if (!atoms.list!.associative || ((!l || l.length === 0) && (!r || r.length === 0))) return keepRhs()
    return mergeList(l ?? [], r ?? [], atoms.list!, ctx)
  }
  const l = isJsonObject(lhs) ? lhs : undefined
  const r = isJsonObject(rhs) ? rhs : undefined
  if (atoms.map!.atomic || ((!l || Object.keys(l).length === 0) && (!r || Object.keys(r).length === 0))) return keepRhs()
  return mergeMap(l ?? {}, r ?? {}, atoms.map!, ctx)
}

function mergeMap(l: { [k: string]: Json }, r: { [k: string]: Json }, map: MapAtom, ctx: SchemaContext): Json | undefined {
  const out: { [k: string]: Json } = {}
  // Live key order first, then keys only the applied configuration has.
  for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
    const schema = childSchema(map, key).schema ?? deducedSchema
    const merged = mergeValues(l[key], r[key], schema, ctx)
    if (merged !== undefined) out[key] = merged
  }
  return Object.keys(out).length > 0 ? out : undefined
}

interface Indexed {
  pes: string[]
  /** Item by element; a duplicated element maps to null (duplicates are not merged). */
  observed: Map<string, Json>
}

function index(items: Json[], list: ListAtom, ctx: SchemaContext, allowDuplicates: boolean): Indexed {
  const pes: string[] = []
  const observed = new Map<string, Json>()
  for (const item of items) {
    const r = listItemElement(list, item, ctx)
    if ('error' in r) continue
    if (observed.has(r.pe)) {
      if (!allowDuplicates) continue
      observed.set(r.pe, null)
    } else observed.set(r.pe, item)
    pes.push(r.pe)
  }
  return { pes, observed }
}

/**
 * The order follows upstream's visitListItems: walk both lists together; live-only items stay
 * where they are, items the applied list has come in the applied order, and a live item that the
 * applied list also has waits until the applied list reaches it.
 */
function mergeList(lhs: Json[], rhs: Json[], list: ListAtom, ctx: SchemaContext): Json | undefined {
  const R = index(rhs, list, ctx, false)
  const L = index(lhs, list, ctx, true)
  const out: Json[] = []
  const push = (v: Json | undefined): void => {
    if (v !== undefined) out.push(v)
  }
  const shared = R.pes.filter((pe) => L.observed.has(pe))
  let nextShared = shared.shift()
  const mergedRHS = new Set<string>()
  // Live items whose element could not be built are kept as they are, in place.
  const lItems = lhs.filter((item) => !('error' in listItemElement(list, item, ctx)))
  let lI = 0
  let rI = 0
  while (lI < L.pes.length || rI < R.pes.length) {
    if (lI < L.pes.length && rI < R.pes.length) {
      const pe = L.pes[lI]
      if (pe === R.pes[rI]) {
        mergedRHS.add(pe)
        push(mergeValues(L.observed.get(pe), R.observed.get(pe), list.elem, ctx))
        lI++
        rI++
        nextShared = shared.shift()
        continue
      }
      if (R.observed.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++
        continue
      }
    }
    if (lI < L.pes.length) {
      const pe = L.pes[lI]
      if (!R.observed.has(pe)) {
        push(mergeValues(lItems[lI], undefined, list.elem, ctx))
        lI++
        continue
      } else if (mergedRHS.has(pe)) {
        lI++
      }
    }
    if (rI < R.pes.length) {
      const pe = R.pes[rI]
      mergedRHS.add(pe)
      push(mergeValues(L.observed.get(pe), R.observed.get(pe), list.elem, ctx))
      rI++
      if (nextShared === pe) nextShared = shared.shift()
    }
  }
  return out.length > 0 ? out : undefined
}
