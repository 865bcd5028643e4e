// Strategic merge patch (application/strategic-merge-patch+json), applied as kube-apiserver applies
// it: k8s.io/apimachinery/pkg/util/strategicpatch StrategicMergeMapPatch with MergeParallelList and
// IgnoreUnmatchedNulls set. The functions below follow upstream's one for one (mergeMap,
// mergePatchIntoOriginal, mergeSlice, normalizeElementOrder, ...), because kubectl's patches rely on
// its exact ordering rules; the comments name the upstream function each one mirrors.
//
// In short: maps merge recursively and `null` deletes a key; a list merges only when its field says
// `x-kubernetes-patch-strategy: merge` (lists of maps by `x-kubernetes-patch-merge-key`, lists of
// scalars as sets), otherwise the patch replaces it. Directives: `$patch: replace|delete` on a map
// or in a list, `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
// Where the schema knows nothing (a field it lacks, a map of strings, preserve-unknown-fields), maps
// still merge and lists are replaced: upstream's behaviour with no patch metadata.
//
// Inputs are never mutated: both are deep-copied first, then the copy is merged in place as upstream does.
import type { Schema, SchemaResolver } from '../../apis/schema.js'
import { PatchError, withDepthGuard } from './errors.js'
import { goS, goTypeName, goTypeOf, goV, type GoType } from './gofmt.js'

type JsonMap = Record<string, unknown>

const directiveMarker = '$patch'
const deleteDirective = 'delete'
const replaceDirective = 'replace'
const mergeDirective = 'merge'
const retainKeysStrategy = 'retainKeys'
const retainKeysDirective = '$retainKeys'
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList'
const setElementOrderPrefix = '$setElementOrder'

// mergepatch errors, with the code interpretStrategicMergePatchError gives each.
const errBadPatchFormatForPrimitiveList = () => PatchError.badRequest('invalid patch format of primitive list')
const errBadPatchFormatForRetainKeys = () => PatchError.badRequest('invalid patch format of retainKeys')
const errBadPatchFormatForSetElementOrderList = () => PatchError.badRequest('invalid patch format of setElementOrder list')
const errNoListOfLists = () => PatchError.invalid('lists of lists are not supported')
const errNoMergeKey = (m: JsonMap, key: string) => PatchError.unknown(`map: ${goV(m)} does not contain declared merge key: ${key}`)
const errBadArgType = (expected: 'map' | 'slice', actual: unknown) =>
  PatchError.unknown(`expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goTypeName(actual)}`)
const errBadPatchType = (t: unknown, m: JsonMap) => PatchError.unknown(`unknown patch type: ${goS(t)} in map: ${goV(m)}`)

/** The message the API server gives a strategic merge patch on a kind without Go types (custom resources). */
export const unsupportedStrategicMergePatchMessage = 'strategic merge patch format is not supported'

/**
 * Applies a strategic merge patch to `original` and returns the result; neither input is changed.
 *
 * @param original the stored object (a JSON object).
 * @param patch the decoded patch body; `null` (Go's nil map) leaves the object as it is.
 * @param schema the schema of the object's kind; undefined merges without patch metadata.
 * @param resolve follows `$ref`s; without one only inline schemas (and single `allOf`s) are read.
 * @throws PatchError carrying upstream's code, reason and message.
 */
export function applyStrategicMergePatch(
  original: JsonMap,
  patch: JsonMap | null | undefined,
  schema?: Schema,
  resolve: SchemaResolver = resolveInline,
): JsonMap {
  if (!isMap(original)) throw PatchError.badRequest('invalid JSON document')
  if (patch !== null && patch !== undefined && !isMap(patch)) {
    throw PatchError.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`)
  }
  return withDepthGuard(() => {
    if (patch === null || patch === undefined) return cloneJson(original) as JsonMap
    const lookup = new PatchMeta(schema === undefined ? undefined : safeResolve(resolve, schema), resolve)
    return mergeMap(cloneJson(original) as JsonMap, cloneJson(patch) as JsonMap, lookup)
  })
}

// ---------------------------------------------------------------- schema lookup (LookupPatchMeta)

interface FieldMeta {
  strategies: string[]
  mergeKey: string
}

/** Patch metadata of the fields of one schema node; an undefined schema knows no field. */
class PatchMeta {
  constructor(
    readonly schema: Schema | undefined,
    private readonly resolve: SchemaResolver,
  ) {}

  /** LookupPatchMetadataForStruct: the field's own schema and its patch strategy / merge key. */
  forStruct(key: string): [PatchMeta, FieldMeta] {
    const prop = this.field(key)
    if (!prop) return [new PatchMeta(undefined, this.resolve), noMeta]
    const resolved = safeResolve(this.resolve, prop)
    return [new PatchMeta(resolved, this.resolve), fieldMeta(prop, resolved)]
  }

  /** LookupPatchMetadataForSlice: the schema of the list's items and the list field's metadata. */
  forSlice(key: string): [PatchMeta, FieldMeta] {
    const prop = this.field(key)
    if (!prop) return [new PatchMeta(undefined, this.resolve), noMeta]
    const resolved = safeResolve(this.resolve, prop)
    // Like PatchMetaFromOpenAPIV3: the items' schema, or the field's own when it declares none.
    const items = resolved?.items ? safeResolve(this.resolve, resolved.items) : resolved
    return [new PatchMeta(items, this.resolve), fieldMeta(prop, resolved)]
  }

  /** Name() as the Go-struct schema reports it for "cannot merge lists without merge key for %s". */
  name(): string {
    if (this.schema?.properties) return 'struct'
    if (this.schema?.additionalProperties) return 'map'
    return this.schema?.type ?? 'struct'
  }

  private field(key: string): Schema | undefined {
    const s = this.schema
    if (!s) return undefined
    if (s.properties && Object.hasOwn(s.properties, key)) return s.properties[key]
    if (!s.properties && typeof s.additionalProperties === 'object') return s.additionalProperties
    return undefined
  }
}

const noMeta: FieldMeta = { strategies: [], mergeKey: '' }

function fieldMeta(prop: Schema, resolved: Schema | undefined): FieldMeta {
  // OpenAPI puts the extensions beside the `$ref` (v2) or the `allOf` wrapper (v3); fall back to the target.
  const strategy = prop['x-kubernetes-patch-strategy'] ?? resolved?.['x-kubernetes-patch-strategy']
  const mergeKey = prop['x-kubernetes-patch-merge-key'] ?? resolved?.['x-kubernetes-patch-merge-key']
  return { strategies: typeof strategy === 'string' ? strategy.split(',') : [], mergeKey: typeof mergeKey === 'string' ? mergeKey : '' }
}

function resolveInline(s: Schema): Schema {
  return s.allOf?.length === 1 && !s.$ref && !s.properties ? s.allOf[0] : s
}

function safeResolve(resolve: SchemaResolver, s: Schema): Schema | undefined {
  try {
    return resolve(s)
  } catch {
    return undefined // an unresolvable reference: treat the field as unknown
  }
}

/** extractRetainKeysPatchStrategy: the strategy other than retainKeys ("merge", "replace" or ""). */
function patchStrategyOf(strategies: string[]): string {
  switch (strategies.length) {
    case 0:
      return ''
    case 1:
      return strategies[0] === retainKeysStrategy ? '' : strategies[0]
    case 2:
      if (strategies[0] === retainKeysStrategy) return strategies[1]
      if (strategies[1] === retainKeysStrategy) return strategies[0]
  }
  throw PatchError.unknown(`unexpected patch strategy: ${goV(strategies)}`)
}

// ---------------------------------------------------------------- maps

/** mergeMap: merges `patch` into `original` (both owned copies) and returns the result. */
function mergeMap(original: JsonMap | undefined, patch: JsonMap, schema: PatchMeta): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch)
  const target = original ?? {}

  applyRetainKeysDirective(target, patch)
  // $setElementOrder lists and the lists they order are merged here and removed from the patch.
  mergePatchIntoOriginal(target, patch, schema)

  for (const patchKey of Object.keys(patch)) {
    const patchV = patch[patchKey]
    let key = patchKey
    let isDeleteList = false
    if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) {
      key = extractKey(patchKey, deleteFromPrimitiveListPrefix)
      isDeleteList = true
    }

    // null deletes the key; with IgnoreUnmatchedNulls a null for an absent key is simply dropped.
    if (patchV === null) {
      delete target[key]
      continue
    }

    if (!Object.hasOwn(target, key) || goTypeOf(target[key]) !== goTypeOf(patchV)) {
      // Not in the original (or of another type): take the patch value, minus nulls and directives.
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV)
        setOrDelete(target, key, removeDirectives(patchV))
      }
      continue
    }

    const originalV = target[key]
    switch (goTypeOf(originalV)) {
      case 'map': {
        const [sub, meta] = schema.forStruct(key)
        const strategy = patchStrategyOf(meta.strategies)
        setKey(target, key, strategy !== replaceDirective ? mergeMap(originalV as JsonMap, patchV as JsonMap, sub) : patchV)
        break
      }
      case 'slice': {
        const [sub, meta] = schema.forSlice(key)
        const strategy = patchStrategyOf(meta.strategies)
        setKey(target, key, mergeSliceHandler(originalV as unknown[], patchV as unknown[], sub, strategy, meta.mergeKey, isDeleteList))
        break
      }
      default:
        setOrDelete(target, key, removeDirectives(patchV))
    }
  }
  return target
}

/** handleDirectiveInMergeMap: `$patch: replace` keeps only the patch, `$patch: delete` empties the map. */
function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === replaceDirective) {
    delete patch[directiveMarker]
    return patch
  }
  if (directive === deleteDirective) return {}
  throw errBadPatchType(directive, patch)
}

/** applyRetainKeysDirective: drops original keys missing from `$retainKeys`, after checking the patch against it. */
function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return
  const retainKeys = patch[retainKeysDirective]
  delete patch[retainKeysDirective]
  if (!Array.isArray(retainKeys)) throw errBadPatchFormatForRetainKeys()
  const retained = new Set<unknown>()
  for (const k of retainKeys) retained.add(hashable(k))
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue
    if (!retained.has(k)) throw errBadPatchFormatForRetainKeys()
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k]
}

/**
 * mergePatchIntoOriginal: for each `$setElementOrder/<list>`, merges the list (if the patch has it)
 * and orders the result: `$setElementOrder` first, then the patch's order, then the live order.
 */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix) || !Object.hasOwn(patch, key)) continue
    const setOrder = patch[key]
    delete patch[key]
    if (!Array.isArray(setOrder)) throw errBadArgType('slice', setOrder)
    const originalKey = extractKey(key, setElementOrderPrefix)

    const foundOriginal = Object.hasOwn(original, originalKey)
    const foundPatch = Object.hasOwn(patch, originalKey)
    let originalList: unknown[] = []
    let patchList: unknown[] = []
    if (foundOriginal) {
      if (!Array.isArray(original[originalKey])) throw errBadArgType('slice', original[originalKey])
      originalList = original[originalKey] as unknown[]
    }
    if (foundPatch) {
      if (!Array.isArray(patch[originalKey])) throw errBadArgType('slice', patch[originalKey])
      patchList = patch[originalKey] as unknown[]
    }
    const [sub, meta] = schema.forSlice(originalKey)
    const strategy = patchStrategyOf(meta.strategies)
    validatePatchWithSetOrderList(patchList, setOrder, meta.mergeKey)

    let merged: unknown[]
    if (foundOriginal && !foundPatch) merged = originalList
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList).value as unknown[]
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, sub, strategy, meta.mergeKey, false)
    else continue

    const [patchItems, serverOnlyItems] =
      meta.mergeKey === '' ? partitionPrimitivesByPresentInList(merged, setOrder) : partitionMapsByPresentInList(merged, setOrder, meta.mergeKey)
    const kind = sliceElementType(originalList, patchList)
    setKey(original, originalKey, normalizeElementOrder(patchItems, serverOnlyItems, setOrder, originalList, meta.mergeKey, kind))
    delete patch[originalKey]
  }
}

/** validatePatchWithSetOrderList: the patch list must be a subsequence of `$setElementOrder` (deletions aside). */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList
  let p = 0
  let s = 0
  while (p < nonDelete.length && s < setOrder.length) {
    if (containsDirectiveMarker(nonDelete[p])) {
      p++
      continue
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrder[s], mergeKey)) p++
    s++
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw PatchError.unknown(`The order in patch list:\n${goV(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goV(setOrder)}\n`)
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return goEqual(left, right)
  if (!isMap(left)) throw errBadArgType('map', left)
  if (!isMap(right)) throw errBadArgType('map', right)
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey)
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey)
  return goEqual(left[mergeKey], right[mergeKey])
}

/** extractKey: `$setElementOrder/containers` → `containers`. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/')
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw prefix === deleteFromPrimitiveListPrefix ? errBadPatchFormatForPrimitiveList() : errBadPatchFormatForSetElementOrderList()
  }
  return s.slice(slash + 1)
}

function containsDirectiveMarker(item: unknown): boolean {
  return isMap(item) && Object.hasOwn(item, directiveMarker)
}

/** removeDirectives: drops every map carrying `$patch` (as a value, a key's value or a list item). */
function removeDirectives(obj: unknown): { keep: boolean; value: unknown } {
  if (isMap(obj)) {
    if (Object.hasOwn(obj, directiveMarker)) return { keep: false, value: null }
    for (const k of Object.keys(obj)) {
      const r = removeDirectives(obj[k])
      if (r.keep) setKey(obj, k, r.value)
      else delete obj[k]
    }
    return { keep: true, value: obj }
  }
  if (Array.isArray(obj)) {
    const out: unknown[] = []
    for (const v of obj) {
      const r = removeDirectives(v)
      if (r.keep) out.push(r.value)
    }
    return { keep: true, value: out }
  }
  return { keep: true, value: obj }
}

/** discardNullValuesFromPatch: removes null-valued keys from every map within `v` (list items are kept). */
function discardNullValuesFromPatch(v: unknown): void {
  if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k]
      else discardNullValuesFromPatch(v[k])
    }
  } else if (Array.isArray(v)) {
    for (const item of v) discardNullValuesFromPatch(item)
  }
}

// ---------------------------------------------------------------- lists

/** mergeSliceHandler: merge only under the "merge" strategy (or for a deletion list); otherwise replace. */
function mergeSliceHandler(original: unknown[], patch: unknown[], schema: PatchMeta, strategy: string, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, isDeleteList)
  return patch
}

/** mergeSlice: scalars merge as a set, maps by merge key; then the order is normalized. */
function mergeSlice(original: unknown[], patch: unknown[], schema: PatchMeta, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original
  const kind = sliceElementType(original, patch)
  let merged: unknown[]
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch)
    merged = deduplicateScalars([...original, ...patch])
  } else {
    if (mergeKey === '') throw PatchError.unknown(`cannot merge lists without merge key for ${schema.name()}`)
    ;[original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey)
    merged = mergeSliceWithoutSpecialElements(original, patch, mergeKey, schema)
  }
  const [patchItems, serverOnlyItems] =
    mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patch) : partitionMapsByPresentInList(merged, patch, mergeKey)
  return normalizeElementOrder(patchItems, serverOnlyItems, patch, original, mergeKey, kind)
}

/**
 * mergeSliceWithSpecialElements: applies `$patch: delete` items (by merge key) and `$patch: replace`
 * (the patch's other items become the whole list); returns the new original and the plain patch items.
 */
function mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const plain: unknown[] = []
  let replace = false
  for (const v of patch) {
    const item = v as JsonMap
    if (!Object.hasOwn(item, directiveMarker)) {
      plain.push(v)
      continue
    }
    const directive = item[directiveMarker]
    if (directive === deleteDirective) {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey)
      original = deleteMatchingEntries(original, mergeKey, item[mergeKey])
    } else if (directive === replaceDirective) {
      replace = true // keep going, to drop any other $patch items
    } else if (directive === mergeDirective) {
      throw PatchError.unknown('merging lists cannot yet be specified in the patch')
    } else {
      throw errBadPatchType(directive, item)
    }
  }
  return replace ? [plain, []] : [original, plain]
}

function deleteMatchingEntries(original: unknown[], mergeKey: string, value: unknown): unknown[] {
  return original.filter((item, i) => {
    if (!isMap(item)) throw PatchError.unknown(`value for key ${i} is not a map`)
    return !(Object.hasOwn(item, mergeKey) && goEqual(item[mergeKey], value))
  })
}

/** mergeSliceWithoutSpecialElements: merges each patch item into the first original item with its key, or appends it. */
function mergeSliceWithoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, schema: PatchMeta): unknown[] {
  const out = original.slice()
  for (const v of patch) {
    const item = v as JsonMap
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey)
    const i = findMapInSliceBasedOnKeyValue(out, mergeKey, item[mergeKey])
    if (i >= 0) out[i] = mergeMap(out[i] as JsonMap, item, schema)
    else out.push(v)
  }
  return out
}

function findMapInSliceBasedOnKeyValue(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (!isMap(item)) throw PatchError.unknown(`value for key ${i} is not a map`)
    if (Object.hasOwn(item, key) && goEqual(item[key], value)) return i
  }
  return -1
}

/** deleteFromSlice: the `$deleteFromPrimitiveList` removal. */
function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const del = new Set(toDelete.map(hashable))
  return current.filter((v) => !del.has(hashable(v)))
}

/** deduplicateScalars, keeping upstream's swap-with-last order (the order is normalized afterwards). */
function deduplicateScalars(s: unknown[]): unknown[] {
  let length = s.length - 1
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[length]
        s.length = length
        length--
        j--
      }
    }
  }
  return s
}

/** sliceElementType: all items of the lists must share one Go type, and not be lists. */
function sliceElementType(...lists: unknown[][]): GoType {
  let prev: GoType | undefined
  for (const list of lists) {
    for (const v of list) {
      const t = goTypeOf(v)
      if (prev === undefined) {
        // reflect.TypeOf(nil).Kind() panics upstream.
        if (t === 'nil') throw PatchError.panic('strategic merge patch: nil element in a merged list')
        prev = t
        if (prev === 'slice') throw errNoListOfLists()
      } else if (prev !== t) {
        throw PatchError.unknown(`list element types are not identical: ${goV(lists)}`)
      }
    }
  }
  if (prev === undefined) throw PatchError.unknown('no elements in any of the given slices')
  return prev
}

function partitionPrimitivesByPresentInList(original: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(partitionBy.map(hashable))
  const patch: unknown[] = []
  const serverOnly: unknown[] = []
  for (const v of original) (inPatch.has(hashable(v)) ? patch : serverOnly).push(v)
  return [patch, serverOnly]
}

function partitionMapsByPresentInList(original: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patch: unknown[] = []
  const serverOnly: unknown[] = []
  for (const v of original) {
    if (!isMap(v)) throw errBadArgType('map', v)
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey)
    ;(findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) >= 0 ? patch : serverOnly).push(v)
  }
  return [patch, serverOnly]
}

// ---------------------------------------------------------------- ordering

/**
 * normalizeElementOrder: sorts the patch items by `patchOrder` and the server-only items by
 * `serverOrder`, then interleaves them (mergeSortedSlice), keeping each side's relative order.
 */
function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: GoType): unknown[] {
  const sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind)
  const sortedServerOnly = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind)
  return mergeSortedSlice(sortedServerOnly, sortedPatch, serverOrder, mergeKey, kind)
}

/** normalizeSliceOrder: a stable sort of `toSort` by position in `order`; `$patch: delete` items go last. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: GoType): unknown[] {
  let items = toSort.slice()
  let toDelete: unknown[] = []
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, items, order)
    ;[items, toDelete] = extractToDeleteItems(items)
  }
  // sort.SliceStable's comparator, including its quirk: an item missing from `order` sorts first.
  const less = (a: unknown, b: unknown) => {
    const ia = index(order, a, mergeKey, kind)
    if (ia >= 0) {
      const ib = index(order, b, mergeKey, kind)
      if (ib >= 0) return ia < ib
    }
    return true
  }
  // Insertion sort: what sort.SliceStable runs for up to 20 items; equal to any stable sort when
  // every item is in `order`, as it is for the lists kubectl sends.
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
      const t = items[j]
      items[j] = items[j - 1]
      items[j - 1] = t
    }
  }
  return items.concat(toDelete)
}

/**
 * mergeSortedSlice: inserts the server-only items (`left`) among the patch items (`right`): a
 * server-only item goes before the first patch item that follows it in the live list.
 */
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: GoType): unknown[] {
  const out: unknown[] = []
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++])
    else if (j >= right.length) out.push(left[i++])
    else {
      const li = index(serverOrder, left[i], mergeKey, kind)
      const ri = index(serverOrder, right[j], mergeKey, kind)
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++])
      else out.push(right[j++])
    }
  }
  return out
}

/** index: position of `v` in `list`, comparing merge-key values for maps and the items themselves otherwise. */
function index(list: unknown[], v: unknown, mergeKey: string, kind: GoType): number {
  const key = (item: unknown) => (kind === 'map' ? (isMap(item) ? (item[mergeKey] ?? null) : null) : item)
  const want = key(v)
  for (let i = 0; i < list.length; i++) if (goEqual(want, key(list[i]))) return i
  return -1
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw errBadArgType('map', item)
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey)
    }
  }
}

/** extractToDeleteItems: splits off the `$patch: delete` items. */
function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = []
  const del: unknown[] = []
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType('map', v)
    ;(v[directiveMarker] === deleteDirective ? del : keep).push(v)
  }
  return [keep, del]
}

// ---------------------------------------------------------------- values

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Go's == on interface{} values: equal dynamic type and value; comparing two maps or lists panics. */
function goEqual(a: unknown, b: unknown): boolean {
  const ta = goTypeOf(a)
  if (ta !== goTypeOf(b)) return false
  if (ta === 'map' || ta === 'slice') throw PatchError.panic(`comparing uncomparable type ${goTypeName(a)}`)
  return (a ?? null) === (b ?? null)
}

/** A Set key for a scalar; a map or list as a Go map key panics (unhashable type). */
function hashable(v: unknown): unknown {
  const t = goTypeOf(v)
  if (t === 'map' || t === 'slice') throw PatchError.panic(`hash of unhashable type ${goTypeName(v)}`)
  return v ?? null
}

/** Assigns an own property, also for `__proto__` (which plain assignment would treat as the prototype). */
function setKey(obj: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
  else obj[key] = value
}

function setOrDelete(obj: JsonMap, key: string, r: { keep: boolean; value: unknown }): void {
  if (r.keep) setKey(obj, key, r.value)
  else delete obj[key]
}

/** Deep copy of a JSON value that keeps `__proto__` as an ordinary key. */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson)
  if (isMap(v)) {
    const out: JsonMap = {}
    for (const k of Object.keys(v)) setKey(out, k, cloneJson(v[k]))
    return out
  }
  return v
}
