import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PatchError } from './errors.js'
import { applyJsonPatch, maxJsonPatchOperations } from './json.js'

const generic = 'the server rejected our request due to an error in our request'

function fails(doc: unknown, ops: unknown, detail: string) {
  assert.throws(
    () => applyJsonPatch(doc, ops),
    (err: unknown) => {
      assert.ok(err instanceof PatchError)
      assert.equal(err.code, 422)
      assert.equal(err.reason, 'Invalid')
      assert.equal(err.message, generic)
      assert.equal(err.detail, detail)
      return true
    },
  )
}

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  const cases: [string, unknown, unknown[], unknown][] = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { foo: 'bar', baz: 'qux' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a/b', path: '/c' }], { a: { b: [1] }, c: [1] }],
  ]
  for (const [name, doc, ops, result] of cases) {
    it(name, () => {
      const before = structuredClone(doc)
      assert.deepEqual(applyJsonPatch(doc, ops), result)
      assert.deepEqual(doc, before, 'original not mutated')
    })
  }

  it('A.9 testing a value: error', () => fails({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'testing value /baz failed: test failed'))
  it('A.12 adding to a nonexistent target', () =>
    fails({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'add operation does not apply: doc is missing path: "/baz/bat"'))
  it('A.15 comparing strings and numbers', () => fails({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 'testing value /~01 failed: test failed'))
  it('removing a missing key', () =>
    fails({ a: 1 }, [{ op: 'remove', path: '/b' }], "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value"))
  it('an index past the end', () =>
    fails({ a: [1] }, [{ op: 'add', path: '/a/3', value: 2 }], "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced"))
  it('an unknown op', () => fails({}, [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob'))
  it('a missing op', () => fails({}, [{ path: '/a' }], 'Unexpected kind: unknown'))
  it('a missing path', () => fails({}, [{ op: 'add', value: 1 }], 'add operation failed to decode path: operation missing path field: missing value'))
  it('add at the root', () => fails({}, [{ op: 'add', path: '', value: {} }], 'add operation does not apply: doc is missing path: ""'))
  it('a later failure leaves the original untouched', () => {
    const doc = { a: 1 }
    fails(doc, [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 3 }], 'testing value /a failed: test failed')
    assert.deepEqual(doc, { a: 1 })
  })
  it('refuses __proto__ paths', () => {
    assert.throws(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]), { code: 422 })
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })
})

describe('applyJsonPatch: evanphx/json-patch v4 behaviour', () => {
  it('replace of a missing object key adds it (rollout undo replaces /metadata/annotations)', () => {
    assert.deepEqual(applyJsonPatch({ metadata: { name: 'web' } }, [{ op: 'replace', path: '/metadata/annotations', value: { a: 'b' } }]), {
      metadata: { name: 'web', annotations: { a: 'b' } },
    })
  })
  it('replace of a missing array index fails', () =>
    fails({ a: [1] }, [{ op: 'replace', path: '/a/1', value: 2 }], 'replace operation does not apply: doc is missing key: /a/1'))
  it('negative indices count from the end', () => {
    assert.deepEqual(applyJsonPatch({ a: [1, 2, 3] }, [{ op: 'remove', path: '/a/-1' }]), { a: [1, 2] })
    assert.deepEqual(applyJsonPatch({ a: [1, 2, 3] }, [{ op: 'replace', path: '/a/-3', value: 0 }]), { a: [0, 2, 3] })
    assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/-1', value: 9 }]), { a: [1, 2, 9] })
  })
  it('a missing value is null', () => {
    assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a' }]), { a: null })
  })
  it('test of a missing or null value passes against null', () => {
    assert.deepEqual(applyJsonPatch({ a: null }, [{ op: 'test', path: '/a', value: null }, { op: 'test', path: '/b', value: null }]), { a: null })
  })
  it('copy from a missing key copies null', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'copy', from: '/nope', path: '/b' }]), { a: 1, b: null })
  })
  it('replace at the root swaps the document', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 })
  })
  it('the first path segment is not checked', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: 'x/b', value: 2 }]), { a: 1, b: 2 })
  })
  it('a null operation has no kind', () => fails({}, [null], 'Unexpected kind: unknown'))
  it('a null patch does nothing', () => assert.deepEqual(applyJsonPatch({ a: 1 }, null), { a: 1 }))

  it('kubectl rollout undo', () => {
    const d = {
      metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    }
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } }
    const out = applyJsonPatch(d, [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '1' } },
    ])
    assert.deepEqual(out, { metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '1' } }, spec: { replicas: 2, template } })
  })
})

describe('applyJsonPatch: decoding', () => {
  const decodeFails = (ops: unknown, message: string) =>
    assert.throws(() => applyJsonPatch({}, ops), (err: unknown) => err instanceof PatchError && err.code === 400 && err.reason === 'BadRequest' && err.message === message)

  it('an object instead of a list', () =>
    decodeFails({ op: 'add' }, 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'))
  it('a string operation', () => decodeFails(['x'], 'error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp'))
  it('a number for op', () =>
    decodeFails([{ op: 1, path: '/a' }], 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string'))
  it('an object for path', () =>
    decodeFails([{ op: 'add', path: {} }], 'error decoding patch: json: cannot unmarshal object into Go struct field jsonPatchOp.path of type string'))
  it('too many operations', () => {
    const ops = Array.from({ length: maxJsonPatchOperations + 1 }, () => ({ op: 'test', path: '/a', value: 1 }))
    assert.throws(() => applyJsonPatch({ a: 1 }, ops), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    })
  })
})
