// The set of fields an object specifies (structured-merge-diff's ToFieldSet), and the checks
// upstream makes while turning an apply body into a typed value (typed/validate.go), with its
// error texts: "field not declared in schema", "duplicate entries for key [name=\"web\"]", ...

import type { Schema } from '../../apis/schema.js'
import { atomsOf, childSchema, deducedSchema, listItemElement, shapeOf, type Atoms, type ListAtom, type SchemaContext } from './atoms.js'
import { emptyTree, insertPath, type PathTree } from './fieldset.js'
import { elementToString, fieldElement, isJsonObject, type Json } from './pathelement.js'

export interface ValidationError {
  /** Upstream's path prefix, e.g. `.spec.template.spec.containers`. */
  path: string
  message: string
}

/** Upstream's ValidationErrors.Error(): one error alone, else "errors:" and one indented line each. */
export function validationErrorsMessage(errs: ValidationError[]): string {
  const one = (e: ValidationError): string => (e.path ? `${e.path}: ${e.message}` : e.message)
  if (errs.length === 1) return one(errs[0])
  return ['errors:', ...errs.map((e) => `  ${one(e)}`)].join('\n')
}

interface Walk {
  ctx: SchemaContext
  set: PathTree
  /** Collect validation errors (for apply bodies); duplicates are then errors too. */
  errors?: ValidationError[]
}

/**
 * The fields `value` sets, as a tree. With `errors`, also validates the value the way upstream
 * validates an apply body (which may not contain duplicate list keys).
 */
export function toFieldTree(value: Json, schema: Schema, ctx: SchemaContext, errors?: ValidationError[]): PathTree {
  const w: Walk = { ctx, set: emptyTree(), errors }
  visit(w, [], value, schema)
  return w.set
}

function pathString(path: string[]): string {
  return path.map(elementToString).join('')
}

function error(w: Walk, path: string[], message: string): void {
  w.errors?.push({ path: pathString(path), message })
}

function visit(w: Walk, path: string[], value: Json, schema: Schema): void {
  const atoms = atomsOf(schema, w.ctx)
  const shape = shapeOf(atoms, value)
  if (shape === 'mismatch' || shape === 'scalar') {
    typeError(w, path, value, atoms)
    insertPath(w.set, path)
    return
  }
  if (shape === 'list') {
    const list = atoms.list!
    if (!list.associative) {
      insertPath(w.set, path)
      return
    }
    if (!Array.isArray(value)) return
    visitList(w, path, value, list)
    return
  }
  const map = atoms.map!
  if (map.atomic) {
    insertPath(w.set, path)
    return
  }
  if (!isJsonObject(value)) return
  for (const [key, child] of Object.entries(value)) {
    const { schema: cs, declared } = childSchema(map, key)
    const childPath = [...path, fieldElement(key)]
    if (!cs) error(w, childPath, 'field not declared in schema')
    visit(w, childPath, child, cs ?? deducedSchema)
    // A null or empty map is owned as itself; so is every key of a map that is not a struct field.
    if (child === null || (isJsonObject(child) && Object.keys(child).length === 0) || !declared) insertPath(w.set, childPath)
  }
}

function visitList(w: Walk, path: string[], items: Json[], list: ListAtom): void {
  const seen = new Set<string>()
  const duplicates = new Set<string>()
  const pes: (string | undefined)[] = []
  items.forEach((item, i) => {
    const r = listItemElement(list, item, w.ctx)
    if ('error' in r) {
      error(w, path, `element ${i}: ${r.error}`)
      pes.push(undefined)
      return
    }
    pes.push(r.pe)
    if (seen.has(r.pe)) {
      if (!duplicates.has(r.pe)) {
        error(w, path, `duplicate entries for key ${elementToString(r.pe)}`)
        // An object with duplicates (allowed outside apply) owns the duplicated item as a whole.
        insertPath(w.set, [...path, r.pe])
        duplicates.add(r.pe)
      }
    } else seen.add(r.pe)
  })
  items.forEach((item, i) => {
    const pe = pes[i]
    if (pe === undefined || duplicates.has(pe)) return
    visit(w, [...path, pe], item, list.elem)
    insertPath(w.set, [...path, pe])
  })
}

/** Go's `%v` of an unstructured value (how upstream's messages show a bad value). */
function goValue(v: Json): string {
  if (v === null) return '<nil>'
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`
  if (isJsonObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`
  return String(v)
}

/** Go's `%T` of an unstructured value. */
function goType(v: Json): string {
  if (Array.isArray(v)) return '[]interface {}'
  if (isJsonObject(v)) return 'map[string]interface {}'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  return Number.isInteger(v) ? 'int64' : 'float64'
}

/** Upstream's validateScalar and mapValue/listValue messages. */
function typeError(w: Walk, path: string[], value: Json, atoms: Atoms): void {
  if (!w.errors || value === null) return
  const isMap = isJsonObject(value)
  const isList = Array.isArray(value)
  if (!atoms.scalar) {
    if (atoms.map) error(w, path, `expected map, got &{${goValue(value)}}`)
    else if (atoms.list) error(w, path, `expected list, got &{${goValue(value)}}`)
    return
  }
  const t = atoms.scalarType ?? 'untyped'
  const ok =
    t === 'numeric' ? typeof value === 'number' : t === 'string' ? typeof value === 'string' : t === 'boolean' ? typeof value === 'boolean' : !isMap && !isList
  if (ok) return
  if (t === 'numeric') error(w, path, `expected numeric (int or float), got ${goType(value)}`)
  else if (t === 'string') error(w, path, `expected string, got &value.valueUnstructured{Value:${JSON.stringify(value)}}`)
  else if (t === 'boolean') error(w, path, `expected boolean, got &{${goValue(value)}}`)
  else error(w, path, `expected any scalar, got &{${goValue(value)}}`)
}
