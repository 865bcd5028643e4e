// Cases modelled on k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go: the same MergeItem
// schema (testdata/swagger-merge-item.json) and, for each case, the object the server holds, the
// patch it receives and the result upstream's StrategicMergePatch produces.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parse } from 'yaml'
import type { Schema } from '../../apis/schema.js'
import { PatchError } from './errors.js'
import { applyMergePatch } from './merge.js'
import { applyStrategicMergePatch } from './strategic.js'

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` })

const definitions: Record<string, Schema> = {
  mergeItem: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      value: { type: 'string' },
      other: { type: 'string' },
      mergingList: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingList: { type: 'array', items: ref('mergeItem') },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: { type: 'array', items: { type: 'integer' } },
      mergeItemPtr: { ...ref('mergeItem'), 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      replacingItem: { ...ref('rawExtension'), 'x-kubernetes-patch-strategy': 'replace' },
      retainKeysMap: { ...ref('retainKeysMergeItem'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: {
        type: 'array',
        items: ref('mergeItem'),
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
      },
      jsonItem: {},
      strangeList: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-strategy': 'merge' },
    },
  },
  retainKeysMergeItem: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      value: { type: 'string' },
      other: { type: 'string' },
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      mergingList: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingList: { type: 'array', items: ref('mergeItem') },
    },
  },
  rawExtension: { type: 'object' },
}

function resolve(s: Schema): Schema {
  if (s.$ref) {
    const name = s.$ref.replace('#/definitions/', '')
    const target = definitions[name]
    if (!target) throw new Error(`unknown ref ${s.$ref}`)
    return target
  }
  if (s.allOf?.length === 1) return resolve(s.allOf[0])
  return s
}

const mergeItem = definitions.mergeItem

interface Case {
  description: string
  original: Record<string, unknown>
  patch: Record<string, unknown>
  result?: Record<string, unknown>
  error?: string
  code?: number
}

function run(cases: Case[]) {
  for (const c of cases) {
    it(c.description, () => {
      const original = structuredClone(c.original ?? {})
      const patch = structuredClone(c.patch ?? {})
      if (c.error !== undefined) {
        assert.throws(
          () => applyStrategicMergePatch(original, patch, mergeItem, resolve),
          (err: unknown) => {
            assert.ok(err instanceof PatchError, String(err))
            assert.equal(err.message, c.error)
            if (c.code !== undefined) assert.equal(err.code, c.code)
            return true
          },
        )
      } else {
        assert.deepEqual(applyStrategicMergePatch(original, patch, mergeItem, resolve), c.result)
      }
      assert.deepEqual(original, c.original ?? {}, 'original not mutated')
      assert.deepEqual(patch, c.patch ?? {}, 'patch not mutated')
    })
  }
}

// ------------------------------------------------------------------ maps, null, $patch on maps

describe('strategic merge patch: maps', () => {
  run(
    parse(`
- description: nil original
  original: {}
  patch: {name: 1, value: 1}
  result: {name: 1, value: 1}
- description: empty patch
  original: {name: 1}
  patch: {}
  result: {name: 1}
- description: add field to map
  original: {name: 1, other: a}
  patch: {value: 1}
  result: {name: 1, value: 1, other: a}
- description: add field and delete field from map
  original: {name: 1, other: a}
  patch: {name: null, value: 1}
  result: {value: 1, other: a}
- description: delete field from nested map
  original: {simpleMap: {key1: 1, key2: 1, other: a}}
  patch: {simpleMap: {key2: null}}
  result: {simpleMap: {key1: 1, other: a}}
- description: null for an absent key is dropped
  original: {name: 1}
  patch: {value: null}
  result: {name: 1}
- description: nulls inside a new subtree are discarded (TestUnknownField "add only not nulls")
  original: {}
  patch: {complex: {nested: null, nested2: foo}}
  result: {complex: {nested2: foo}}
- description: filter nulls from maps inside a new list
  original: {}
  patch: {complex_nullable: [{inner_one: {key_one: foo, key_two: null}}]}
  result: {complex_nullable: [{inner_one: {key_one: foo}}]}
- description: not filter nulls from a non-associative slice
  original: {}
  patch: {complex_nullable: [key1, null, key2]}
  result: {complex_nullable: [key1, null, key2]}
- description: null values in original are preserved
  original: {thing: null, complex: {key: null}}
  patch: {nested: {value: 5}}
  result: {thing: null, complex: {key: null}, nested: {value: 5}}
- description: unknown fields merge like JSON merge patch (no schema for jsonItem)
  original: {name: foo, jsonItem: {nested: {nested2: {nested3: {}}, keep: 1}}}
  patch: {jsonItem: {nested: {nested2: {nested3: {a: b}}}}}
  result: {name: foo, jsonItem: {nested: {nested2: {nested3: {a: b}}, keep: 1}}}
- description: a value of another type replaces the original
  original: {simpleMap: {key1: a}, name: x}
  patch: {simpleMap: [a, b], name: {nested: 1, gone: null}}
  result: {simpleMap: [a, b], name: {nested: 1}}
- description: delete map from nested map ($patch delete)
  original: {simpleMap: {key1: 1, key2: 1}}
  patch: {simpleMap: {$patch: delete}}
  result: {simpleMap: {}}
- description: delete all keys from map ($patch replace at the top)
  original: {name: 1, value: 1}
  patch: {$patch: replace}
  result: {}
- description: add key and delete all keys from map
  original: {name: 1, value: 1}
  patch: {other: a, $patch: replace}
  result: {other: a}
- description: $patch replace on a nested map keeps only the patch
  original: {simpleMap: {key1: a, key2: b}}
  patch: {simpleMap: {$patch: replace, key3: c}}
  result: {simpleMap: {key3: c}}
- description: a new field holding a $patch map is not added
  original: {name: 1}
  patch: {simpleMap: {$patch: delete}}
  result: {name: 1}
- description: replace strategy replaces a map field (RawExtension)
  original: {name: my-object, replacingItem: {Some: Generic, Yaml: Inside, Field: Period}}
  patch: {replacingItem: {Newly: Modified, Yaml: Inside}}
  result: {name: my-object, replacingItem: {Newly: Modified, Yaml: Inside}}
- description: replace RawExtension field and merge list
  original: {name: my-object, mergingList: [{name: 1}, {name: 3}], replacingItem: {Some: Generic}}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 2}], replacingItem: {Newly: Modified}}
  result: {name: my-object, mergingList: [{name: 1}, {name: 2}, {name: 3}], replacingItem: {Newly: Modified}}
`) as Case[],
  )
})

// ------------------------------------------------------------------ lists

describe('strategic merge patch: lists', () => {
  run(
    parse(`
- description: replace list of scalars without merge strategy
  original: {nonMergingIntList: [1, 2]}
  patch: {nonMergingIntList: [2, 3]}
  result: {nonMergingIntList: [2, 3]}
- description: unique scalars when merging lists
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [2, 3]}
  result: {mergingIntList: [1, 2, 3]}
- description: merge lists of maps by merge key
  original: {mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]}
  patch: {mergingList: [{name: 2, value: two, other: b}, {name: 3, value: 3}]}
  result: {mergingList: [{name: 1, value: 1}, {name: 2, value: two, other: b}, {name: 3, value: 3}]}
- description: delete field from map in merging list
  original: {mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2}]}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, value: null}]}
  result: {mergingList: [{name: 1, other: a}, {name: 2, value: 2}]}
- description: replace non-merging list nested in merging list
  original: {mergingList: [{name: 1, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2}]}
  patch: {mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]}
  result: {mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}, {name: 2}]}
- description: add field to map in merging list nested in merging list
  original: {mergingList: [{name: 1, other: a, mergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList:
      - $setElementOrder/mergingList: [{name: 1}, {name: 2}]
        name: 1
        mergingList: [{name: 1, value: 1}]
  result: {mergingList: [{name: 1, other: a, mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]}
- description: merge empty merging lists
  original: {mergingList: []}
  patch: {mergingList: []}
  result: {mergingList: []}
- description: merge into a list given by a pointer field (mergeItemPtr)
  original: {mergeItemPtr: [{name: 1, value: 1}]}
  patch: {mergeItemPtr: [{name: 1, other: a}, {name: 2}]}
  result: {mergeItemPtr: [{name: 1, value: 1, other: a}, {name: 2}]}
- description: a new item keeps its nulls, and without $setElementOrder goes before unrelated live items
  original: {mergingList: [{name: 1}]}
  patch: {mergingList: [{name: 2, value: null}]}
  result: {mergingList: [{name: 2, value: null}, {name: 1}]}
- description: list replaced when the schema does not know it
  original: {unknownList: [{name: 1, value: a}]}
  patch: {unknownList: [{name: 1}]}
  result: {unknownList: [{name: 1}]}
- description: preserve the order from the patch in a merging list
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]}
  result: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]}
- description: preserve the order from the patch in a merging list 2
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}]}
  result: {mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]}
- description: preserve the order from the patch in a merging int list
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1, 2]}
  result: {mergingIntList: [3, 1, 2]}
- description: preserve the order from the patch in a merging int list 2
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1]}
  result: {mergingIntList: [2, 3, 1]}
`) as Case[],
  )
})

// ------------------------------------------------------------------ $patch in lists

describe('strategic merge patch: $patch in lists', () => {
  run(
    parse(`
- description: delete map from merging list
  original: {mergingList: [{name: 1, other: a}, {name: 2, other: b}]}
  patch: {mergingList: [{name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2, other: b}]}
- description: delete missing map from merging list
  original: {mergingList: [{name: 2}]}
  patch: {mergingList: [{name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2}]}
- description: add map and delete map from merging list
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 3}], mergingList: [{name: 3}, {name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2}, {name: 3}]}
- description: delete all duplicate entries in a merging list
  original: {mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: a}]}
- description: delete all items from merging list ($patch replace)
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {mergingList: [{$patch: replace}]}
  result: {mergingList: []}
- description: $patch replace with items makes them the whole list
  original: {mergingList: [{name: 1, value: a}, {name: 2}]}
  patch: {mergingList: [{name: 3}, {$patch: replace}, {name: 1}]}
  result: {mergingList: [{name: 3}, {name: 1}]}
- description: delete and reorder in one list, reorder in another
  original: {mergingList: [{name: a, value: a}, {name: b, value: b}], mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]}
  patch:
    $setElementOrder/mergingList: [{name: b}]
    $setElementOrder/mergeItemPtr: [{name: d}, {name: c}]
    mergingList: [{$patch: delete, name: a}]
  result: {mergingList: [{name: b, value: b}], mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]}
`) as Case[],
  )
})

// ------------------------------------------------------------------ $setElementOrder

describe('strategic merge patch: $setElementOrder', () => {
  run(
    parse(`
- description: set elements order in a list
  original: {mergingList: [{name: 1, other: a}, {name: 3, value: 3}, {name: 4, value: 4}, {name: 2, value: 2}]}
  patch: {$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}
  result: {mergingList: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}, {name: 1, other: a}]}
- description: set elements order in a list with server-only items
  original: {mergingList: [{name: 1, other: a}, {name: 3, value: 3}, {name: 4, value: 4}, {name: 2, value: 2}, {name: 9}]}
  patch: {$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}
  result: {mergingList: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}, {name: 1, other: a}, {name: 9}]}
- description: set elements order in a list with server-only items 2
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 9}, {name: 3, value: 3}, {name: 4, value: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 9}, {name: 4, value: 4}, {name: 3, value: 3}]}
- description: set elements order in a list with server-only items 3
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 7}, {name: 9}, {name: 8}, {name: 3, value: 3}, {name: 4, value: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 7}, {name: 9}, {name: 8}, {name: 4, value: 4}, {name: 3, value: 3}]}
- description: add an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 4, 2]}
  patch: {$setElementOrder/mergingIntList: [3, 1, 2], mergingIntList: [3]}
  result: {mergingIntList: [3, 1, 4, 2]}
- description: set elements order in an int list with server-only items 2
  original: {mergingIntList: [1, 2, 9, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 9, 4, 3]}
- description: $setElementOrder contains item that is not present in the list to be merged
  original: {mergingList: [{name: 1}, {name: 3}]}
  patch: {$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
  result: {mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
- description: $setElementOrder contains item that is not present in the int list to be merged
  original: {mergingIntList: [1, 3]}
  patch: {$setElementOrder/mergingIntList: [3, 2, 1]}
  result: {mergingIntList: [3, 1]}
- description: behaviour of set element order for a merging list with duplicate
  original: {mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]}
  result: {mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]}
- description: behaviour of set element order for a merging int list with duplicate
  original: {mergingIntList: [1, 2, 3, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]}
  result: {mergingIntList: [2, 2, 1, 4, 3]}
- description: $setElementOrder for a list the original lacks adds the patch list
  original: {name: 1}
  patch: {$setElementOrder/mergingList: [{name: b}, {name: a}], mergingList: [{name: b}, {name: a, drop: {$patch: delete}}]}
  result: {name: 1, mergingList: [{name: b}, {name: a}]}
- description: should check if order in $setElementOrder and patch list match
  original: {mergingList: [{name: 1}, {name: 3}, {name: 2}]}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
  error: "The order in patch list:\\n[map[name:3 value:3] map[name:1 value:1]]\\n doesn't match $setElementOrder list:\\n[map[name:1] map[name:2] map[name:3]]\\n"
  code: 400
- description: order mismatch in an int list
  original: {mergingIntList: [1, 3, 2]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}
  error: "The order in patch list:\\n[3 1]\\n doesn't match $setElementOrder list:\\n[1 2 3]\\n"
- description: $setElementOrder must be a list
  original: {mergingList: [{name: 1}]}
  patch: {$setElementOrder/mergingList: {name: 1}}
  error: "expected a []interface {}, but received a map[string]interface {}"
- description: $setElementOrder key without a list name
  original: {mergingList: [{name: 1}]}
  patch: {$setElementOrderX: [{name: 1}]}
  error: invalid patch format of setElementOrder list
  code: 400
`) as Case[],
  )
})

// ------------------------------------------------------------------ $deleteFromPrimitiveList

describe('strategic merge patch: $deleteFromPrimitiveList', () => {
  run(
    parse(`
- description: delete items in lists of scalars (with $setElementOrder)
  original: {mergingIntList: [1, 2, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: delete an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [2, 1], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [2, 1]}
- description: $deleteFromPrimitiveList of nonexistent item does not add it
  original: {mergingIntList: [1, 2]}
  patch: {$deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2]}
- description: $deleteFromPrimitiveList on a null list leaves it
  original: {mergingIntList: null}
  patch: {$deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: null}
- description: $deleteFromPrimitiveList on nonexistent list does not add it
  original: {foo: [bar]}
  patch: {$deleteFromPrimitiveList/mergingIntList: [3]}
  result: {foo: [bar]}
- description: $deleteFromPrimitiveList deletes from a list with merge strategy
  original: {mergingIntList: [1, 2, 3]}
  patch: {$deleteFromPrimitiveList/mergingIntList: [2]}
  result: {mergingIntList: [1, 3]}
- description: $deleteFromPrimitiveList deletes from a list without merge strategy
  original: {nonMergingIntList: [1, 2, 3]}
  patch: {$deleteFromPrimitiveList/nonMergingIntList: [2]}
  result: {nonMergingIntList: [1, 3]}
- description: add and delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 4], $deleteFromPrimitiveList/mergingIntList: [3], mergingIntList: [4]}
  result: {mergingIntList: [1, 2, 4]}
- description: a $deleteFromPrimitiveList key without a list name
  original: {mergingIntList: [1]}
  patch: {$deleteFromPrimitiveList: [1]}
  error: invalid patch format of primitive list
  code: 400
`) as Case[],
  )
})

// ------------------------------------------------------------------ $retainKeys

describe('strategic merge patch: $retainKeys', () => {
  run(
    parse(`
- description: retainKeys map can add a field when no retainKeys directive present
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {value: bar}}
  result: {retainKeysMap: {name: foo, value: bar}}
- description: retainKeys map merge an empty map
  original: {retainKeysMap: {name: foo, value: a}}
  patch: {retainKeysMap: {}}
  result: {retainKeysMap: {name: foo, value: a}}
- description: retainKeys map should clear defaulted field
  original: {retainKeysMap: {value: foo}}
  patch: {retainKeysMap: {$retainKeys: [other], other: bar}}
  result: {retainKeysMap: {other: bar}}
- description: retainKeys map should clear defaulted field with conflict (discriminated union)
  original: {retainKeysMap: {name: type1, value: foo}}
  patch: {retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}}
  result: {retainKeysMap: {name: type2, other: bar}}
- description: retainKeys map deletes a field and clears a field
  original: {retainKeysMap: {name: foo, value: a, other: b}}
  patch: {retainKeysMap: {$retainKeys: [name], value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys map adds an item in nested merging int list
  original: {retainKeysMap: {name: foo, mergingIntList: [1, 2], other: x}}
  patch: {retainKeysMap: {$retainKeys: [mergingIntList, name], $setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}}
  result: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 3]}}
- description: retainKeys map adds an item in nested merging int list, server-only item last
  original: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 3]}}
  patch: {retainKeysMap: {$setElementOrder/mergingIntList: [1, 2, 4], $retainKeys: [mergingIntList, name], mergingIntList: [4]}}
  result: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 4, 3]}}
- description: retainKeys list of maps clears a field
  original: {retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]}
  patch:
    $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
    retainKeysMergingList: [{$retainKeys: [name, value], name: foo}]
  result: {retainKeysMergingList: [{name: bar}, {name: foo, value: a}]}
- description: a patch field missing from $retainKeys is an error
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: [name], value: bar}}
  error: invalid patch format of retainKeys
  code: 400
- description: $retainKeys must be a list
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: name}}
  error: invalid patch format of retainKeys
  code: 400
`) as Case[],
  )
})

// ------------------------------------------------------------------ errors

describe('strategic merge patch: errors', () => {
  run(
    parse(`
- description: missing merge key should error out
  original: {mergingList: [{name: 1, value: a}]}
  patch: {mergingList: [{value: b}]}
  error: "map: map[value:b] does not contain declared merge key: name"
  code: 400
- description: delete directive without the merge key
  original: {mergingList: [{name: 1}]}
  patch: {mergingList: [{$patch: delete, value: b}]}
  error: "map: map[$patch:delete value:b] does not contain declared merge key: name"
- description: unknown $patch directive on a map
  original: {simpleMap: {a: b}}
  patch: {simpleMap: {$patch: frobnicate, a: c}}
  error: "unknown patch type: frobnicate in map: map[$patch:frobnicate a:c]"
  code: 400
- description: $patch merge on a map is not a known directive upstream
  original: {simpleMap: {a: b}}
  patch: {simpleMap: {$patch: merge}}
  error: "unknown patch type: merge in map: map[$patch:merge]"
- description: $patch merge in a list
  original: {mergingList: [{name: 1}]}
  patch: {mergingList: [{$patch: merge}]}
  error: merging lists cannot yet be specified in the patch
- description: unknown $patch directive in a list, non-string
  original: {mergingList: [{name: 1}]}
  patch: {mergingList: [{name: 1, $patch: 7}]}
  error: "unknown patch type: %!s(int64=7) in map: map[$patch:7 name:1]"
- description: lists of lists are not supported
  original: {mergingIntList: [[1]]}
  patch: {mergingIntList: [[2]]}
  error: the server rejected our request due to an error in our request
  code: 422
- description: list element types must agree
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [a]}
  error: "list element types are not identical: [[1 2] [a]]"
- description: a merge strategy without merge key on a list of maps
  original: {strangeList: [{name: 1}]}
  patch: {strangeList: [{name: 2}]}
  error: cannot merge lists without merge key for struct
`) as Case[],
  )

  it('rejects a patch that is not an object with the decoder wording', () => {
    assert.throws(() => applyStrategicMergePatch({}, [] as never, mergeItem, resolve), {
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
      code: 400,
    })
  })

  it('a null patch (a nil map) changes nothing', () => {
    assert.deepEqual(applyStrategicMergePatch({ a: 1 }, null, mergeItem, resolve), { a: 1 })
  })

  it('works without any schema (maps merge, lists replace)', () => {
    assert.deepEqual(applyStrategicMergePatch({ m: { a: 1, b: 2 }, l: [1, 2] }, { m: { b: null, c: 3 }, l: [3] }), { m: { a: 1, c: 3 }, l: [3] })
  })

  it('keeps __proto__ an ordinary key', () => {
    const patch = JSON.parse('{"simpleMap":{"__proto__":{"polluted":true}}}')
    const out = applyStrategicMergePatch({ simpleMap: { a: 'b' } }, patch, mergeItem, resolve)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.deepEqual(Object.keys(out.simpleMap as object), ['a', '__proto__'])
  })
})

// ------------------------------------------------------------------ properties

describe('strategic merge patch properties', () => {
  const key = fc.constantFrom(
    'name',
    'value',
    'other',
    'mergingList',
    'nonMergingList',
    'mergingIntList',
    'simpleMap',
    'retainKeysMap',
    'retainKeysMergingList',
    'replacingItem',
    'mergeItemPtr',
    'unknown',
    '$patch',
    '$retainKeys',
    '$setElementOrder/mergingList',
    '$setElementOrder/mergingIntList',
    '$deleteFromPrimitiveList/mergingIntList',
    '$setElementOrder',
  )
  const scalar = fc.oneof(fc.constantFrom('delete', 'replace', 'merge', 'name', 'a'), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constant(null))
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 3 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  }))
  const object = fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true })

  it('an empty patch is the identity', () => {
    fc.assert(
      fc.property(object, (o) => {
        assert.deepEqual(applyStrategicMergePatch(o, {}, mergeItem, resolve), o)
      }),
    )
  })

  it('never mutates its inputs, and fails only with PatchError', () => {
    fc.assert(
      fc.property(object, object, (o, p) => {
        const o0 = structuredClone(o)
        const p0 = structuredClone(p)
        try {
          applyStrategicMergePatch(o, p, mergeItem, resolve)
        } catch (err) {
          assert.ok(err instanceof PatchError, String(err))
        }
        assert.deepEqual(o, o0)
        assert.deepEqual(p, p0)
      }),
      { numRuns: 500 },
    )
  })

  it('without schema or directives it is a JSON merge patch', () => {
    const plainKey = fc.constantFrom('a', 'b', 'c', 'spec')
    const plainScalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean())
    const { plain } = fc.letrec((tie) => ({
      plain: fc.oneof({ depthSize: 'small' }, plainScalar, fc.array(plainScalar, { maxLength: 3 }), tie('map')),
      map: fc.dictionary(plainKey, fc.oneof(tie('plain'), fc.constant(null)), { maxKeys: 3, noNullPrototype: true }),
    }))
    const doc = fc.dictionary(plainKey, plain, { maxKeys: 4, noNullPrototype: true })
    const patch = fc.dictionary(plainKey, fc.oneof(plain, fc.constant(null)), { maxKeys: 4, noNullPrototype: true })
    fc.assert(
      fc.property(doc, patch, (o, p) => {
        assert.deepEqual(applyStrategicMergePatch(o, p), applyMergePatch(o, p))
      }),
    )
  })
})
