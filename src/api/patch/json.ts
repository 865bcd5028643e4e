// JSON patch (application/json-patch+json), RFC 6902, as kube-apiserver applies it: the body is
// first decoded strictly into `[]jsonPatchOp{op, path, from string; value interface{}}` (a failure
// is a 400 `error decoding patch: ...`), then applied with gopkg.in/evanphx/json-patch.v4. Any
// failure while applying becomes a 422 whose message is always `the server rejected our request
// due to an error in our request` (errors.NewGenericServerResponse drops the cause); the cause is
// kept in PatchError.detail in v4's words.
//
// v4 departs from RFC 6902 in ways clients can see, and we follow it:
//   - `replace` of a missing object key adds it (kubectl's `rollout undo` replaces
//     /metadata/annotations whether or not the object has any);
//   - negative array indices count from the end;
//   - a missing `value` means null; `copy` from a missing object key copies null;
//   - `test` of a missing or null value passes when the expected value is null;
//   - the first path segment is not checked: "a/b" means "/b"; "" (the root) only works for
//     `replace` and `test`.
// fast-json-patch performs the mutations (on pointers resolved by v4's rules) and compares values.
import jsonpatch, { type Operation } from 'fast-json-patch'
import { PatchError, withDepthGuard } from './errors.js'
import { goJsonKind } from './gojson.js'

/** kube-apiserver's limit on the number of operations in one JSON patch. */
export const maxJsonPatchOperations = 10000

export interface JsonPatchOperation {
  op: string
  path: string
  from?: string
  value?: unknown
}

type JsonMap = Record<string, unknown>

/**
 * Applies decoded JSON patch operations to `original` and returns the result; `original` is not
 * changed. `ops` is the decoded body: validated here as the API server's strict decoder does.
 * @throws PatchError (400 undecodable, 413 too many operations, 422 an operation failed).
 */
export function applyJsonPatch(original: unknown, ops: unknown): unknown {
  return withDepthGuard(() => applyOperations(original, ops))
}

function applyOperations(original: unknown, ops: unknown): unknown {
  const operations = validateOperations(ops)
  if (operations.length > maxJsonPatchOperations) {
    throw PatchError.tooLarge(`The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${operations.length}`)
  }
  let doc: unknown = jsonpatch.deepClone(original)
  for (const op of operations) {
    try {
      doc = applyOperation(doc, op)
    } catch (err) {
      if (err instanceof PatchError) throw err
      // fast-json-patch refuses `__proto__` and `constructor/prototype` paths.
      throw PatchError.invalid(err instanceof Error ? err.message : String(err))
    }
  }
  return doc
}

/** The strict decode into []jsonPatchOp: a list of objects (or nulls) whose op/path/from are strings. */
function validateOperations(ops: unknown): (JsonMap | null)[] {
  if (ops === null || ops === undefined) return [] // null decodes to a nil patch: nothing to do
  if (!Array.isArray(ops)) throw decodeError(`json: cannot unmarshal ${goJsonKind(ops)} into Go value of type []handlers.jsonPatchOp`)
  for (const op of ops) {
    if (op === null) continue
    if (typeof op !== 'object' || Array.isArray(op)) {
      throw decodeError(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type handlers.jsonPatchOp`)
    }
    for (const field of ['op', 'path', 'from'] as const) {
      const v = (op as JsonMap)[field]
      if (Object.hasOwn(op, field) && v !== null && typeof v !== 'string') {
        throw decodeError(`json: cannot unmarshal ${goJsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`)
      }
    }
  }
  return ops as (JsonMap | null)[]
}

function decodeError(message: string): PatchError {
  return PatchError.badRequest(`error decoding patch: ${message}`)
}

// ---------------------------------------------------------------- one operation (v4's Patch.Apply)

function applyOperation(doc: unknown, op: JsonMap | null): unknown {
  const kind = stringField(op, 'op') ?? 'unknown'
  switch (kind) {
    case 'add': {
      const path = requirePath(op, 'add operation failed to decode path')
      const target = findObject(doc, path)
      if (!target) throw fail(`add operation does not apply: doc is missing path: "${path}"`)
      addAt(doc, target, valueOf(op), `error in add for path: '${path}'`)
      return doc
    }
    case 'remove': {
      const path = requirePath(op, 'remove operation failed to decode path')
      const target = findObject(doc, path)
      if (!target) throw fail(`remove operation does not apply: doc is missing path: "${path}"`)
      removeAt(doc, target, `error in remove for path: '${path}'`)
      return doc
    }
    case 'replace': {
      const path = requirePath(op, 'replace operation failed to decode path')
      if (path === '') {
        const v = valueOf(op)
        if (typeof v !== 'object' || v === null) throw fail('replace operation value must be object or array')
        return v
      }
      const target = findObject(doc, path)
      if (!target) throw fail(`replace operation does not apply: doc is missing path: ${path}`)
      if (Array.isArray(target.container)) {
        const i = arrayIndex(target.container, target.key, false)
        if (i === undefined) throw fail(`replace operation does not apply: doc is missing key: ${path}`)
        mutate(doc, { op: 'replace', path: pointer(target.parents, String(i)), value: valueOf(op) })
      } else {
        // partialDoc.get never fails in v4, so a missing key is simply set.
        mutate(doc, { op: 'add', path: pointer(target.parents, target.key), value: valueOf(op) })
      }
      return doc
    }
    case 'move': {
      const from = stringField(op, 'from')
      if (from === undefined) throw fail('move operation failed to decode from: operation, missing from field: missing value')
      const source = findObject(doc, from)
      if (!source) throw fail(`move operation does not apply: doc is missing from path: ${from}`)
      const value = getAt(source, `error in move for path: '${source.key}'`)
      removeAt(doc, source, `error in move for path: '${source.key}'`)
      const path = requirePath(op, 'move operation failed to decode path')
      const target = findObject(doc, path)
      if (!target) throw fail(`move operation does not apply: doc is missing destination path: ${path}`)
      addAt(doc, target, value ?? null, `error in move for path: '${path}'`)
      return doc
    }
    case 'copy': {
      const from = stringField(op, 'from')
      if (from === undefined) throw fail('copy operation failed to decode from: operation, missing from field: missing value')
      const source = findObject(doc, from)
      if (!source) throw fail(`copy operation does not apply: doc is missing from path: ${from}`)
      const value = getAt(source, `error in copy for from: '${from}'`)
      const path = requirePath(op, 'copy operation failed to decode path')
      const target = findObject(doc, path)
      if (!target) throw fail(`copy operation does not apply: doc is missing destination path: ${path}`)
      addAt(doc, target, jsonpatch.deepClone(value ?? null), 'error while adding value during copy')
      return doc
    }
    case 'test': {
      const path = requirePath(op, 'test operation failed to decode path')
      const hasValue = op !== null && Object.hasOwn(op, 'value')
      const expected = hasValue ? op[`value`] : undefined
      if (path === '') {
        if (hasValue && expected !== null && jsonpatch._areEquals(doc, expected)) return doc
        throw fail(`testing value ${path} failed: test failed`)
      }
      const target = findObject(doc, path)
      if (!target) throw fail(`test operation does not apply: is missing path: ${path}: missing value`)
      const actual = getAt(target, `error in test for path: '${path}'`)
      if (actual === undefined || actual === null) {
        if (!hasValue) throw PatchError.panic('json patch: test without value on a missing path')
        if (expected === null) return doc
        throw fail(`testing value ${path} failed: test failed`)
      }
      if (!hasValue || !jsonpatch._areEquals(actual, expected)) throw fail(`testing value ${path} failed: test failed`)
      return doc
    }
    default:
      throw fail(`Unexpected kind: ${kind}`)
  }
}

function fail(detail: string): PatchError {
  return PatchError.invalid(detail)
}

function stringField(op: JsonMap | null, field: string): string | undefined {
  const v = op?.[field]
  return typeof v === 'string' ? v : undefined
}

function requirePath(op: JsonMap | null, message: string): string {
  const path = stringField(op, 'path')
  if (path === undefined) throw fail(`${message}: operation missing path field: missing value`)
  return path
}

/** Operation.value(): a missing value is nil, which v4 writes as null. */
function valueOf(op: JsonMap | null): unknown {
  return op !== null && Object.hasOwn(op, 'value') ? op.value : null
}

// ---------------------------------------------------------------- containers and pointers

interface Target {
  container: JsonMap | unknown[]
  /** Canonical, escaped pointer segments of the container (array indices made non-negative). */
  parents: string[]
  /** The last path segment, unescaped. */
  key: string
}

/** findObject: walks all but the last segment; every step must reach an object or a list. */
function findObject(doc: unknown, path: string): Target | undefined {
  const split = path.split('/')
  if (split.length < 2) return undefined
  let container: unknown = doc
  const parents: string[] = []
  for (const part of split.slice(1, -1)) {
    const key = jsonpatch.unescapePathComponent(part)
    let next: unknown
    if (Array.isArray(container)) {
      const i = arrayIndex(container, key, false)
      if (i === undefined) return undefined
      next = container[i]
      parents.push(String(i))
    } else if (isMap(container)) {
      next = Object.hasOwn(container, key) ? container[key] : undefined
      parents.push(jsonpatch.escapePathComponent(key))
    } else {
      return undefined
    }
    if (typeof next !== 'object' || next === null) return undefined
    container = next
  }
  if (!isMap(container) && !Array.isArray(container)) return undefined
  return { container, parents, key: jsonpatch.unescapePathComponent(split[split.length - 1]) }
}

/**
 * strconv.Atoi plus v4's bounds: negative indices count from the end. `forAdd` allows one past
 * the end (an insertion point). Undefined when the index is not usable.
 */
function arrayIndex(list: unknown[], key: string, forAdd: boolean): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(key) || key.replace(/^[+-]?0*/, '').length > 18) return undefined
  let i = Number(key)
  const size = forAdd ? list.length + 1 : list.length
  if (i < 0) {
    if (i < -size) return undefined
    i += size
  }
  if (i >= size) return undefined
  return i
}

function getAt(target: Target, message: string): unknown {
  const c = target.container
  if (Array.isArray(c)) {
    const i = arrayIndex(c, target.key, false)
    if (i === undefined) throw fail(`${message}: Unable to access invalid index: ${target.key}: invalid index referenced`)
    return c[i]
  }
  return Object.hasOwn(c, target.key) ? c[target.key] : undefined
}

function addAt(doc: unknown, target: Target, value: unknown, message: string): void {
  const c = target.container
  let segment: string
  if (Array.isArray(c)) {
    if (target.key === '-') segment = '-'
    else {
      const i = arrayIndex(c, target.key, true)
      if (i === undefined) throw fail(`${message}: Unable to access invalid index: ${target.key}: invalid index referenced`)
      segment = String(i)
    }
  } else {
    segment = jsonpatch.escapePathComponent(target.key)
  }
  mutate(doc, { op: 'add', path: pointer(target.parents, segment), value })
}

function removeAt(doc: unknown, target: Target, message: string): void {
  const c = target.container
  let segment: string
  if (Array.isArray(c)) {
    const i = arrayIndex(c, target.key, false)
    if (i === undefined) throw fail(`${message}: Unable to access invalid index: ${target.key}: invalid index referenced`)
    segment = String(i)
  } else {
    if (!Object.hasOwn(c, target.key)) throw fail(`${message}: Unable to remove nonexistent key: ${target.key}: missing value`)
    segment = jsonpatch.escapePathComponent(target.key)
  }
  mutate(doc, { op: 'remove', path: pointer(target.parents, segment) })
}

function pointer(parents: string[], last: string): string {
  return '/' + [...parents, last].join('/')
}

/** One already-checked operation, carried out by fast-json-patch on `doc` in place. */
function mutate(doc: unknown, op: Operation): void {
  jsonpatch.applyOperation(doc, op, false, true, true)
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
