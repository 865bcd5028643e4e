import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { applyMergePatch, createMergePatch } from './merge.js'

describe('applyMergePatch (RFC 7386)', () => {
  // RFC 7386 Appendix A, in order.
  const appendix: [string, string, string][] = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ]
  for (const [original, patch, result] of appendix) {
    it(`${original} + ${patch} = ${result}`, () => {
      assert.deepEqual(applyMergePatch(JSON.parse(original), JSON.parse(patch)), JSON.parse(result))
    })
  }

  it('the RFC 7386 section 3 example', () => {
    const target = { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' }
    const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] }
    assert.deepEqual(applyMergePatch(target, patch), {
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    })
  })

  it('kubectl label / scale patches', () => {
    const pod = { metadata: { name: 'p', labels: { app: 'web' } }, spec: { replicas: 1 } }
    assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { version: 'v1' } } }), {
      metadata: { name: 'p', labels: { app: 'web', version: 'v1' } },
      spec: { replicas: 1 },
    })
    assert.deepEqual(applyMergePatch(pod, { spec: { replicas: 4 } }), { metadata: pod.metadata, spec: { replicas: 4 } })
  })

  it('never mutates its inputs, and keeps __proto__ an ordinary key', () => {
    const original = { a: { b: 1 } }
    const patch = JSON.parse('{"a":{"c":2},"__proto__":{"x":1}}')
    const out = applyMergePatch(original, patch) as Record<string, unknown>
    assert.deepEqual(original, { a: { b: 1 } })
    assert.deepEqual(Object.keys(out), ['a', '__proto__'])
    assert.equal(Object.getPrototypeOf(out), Object.prototype)
  })
})

// JSON values whose objects hold no null (a merge patch cannot set a key to null).
const key = fc.constantFrom('a', 'b', 'c', 'd', 'spec', 'metadata', 'x-y')
const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }))
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(fc.oneof(scalar, fc.constant(null), tie('value')), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
}))
const jsonObject = fc.dictionary(key, jsonValue, { maxKeys: 5, noNullPrototype: true })

describe('merge patch properties', () => {
  it('the diff of two objects, applied to the first, gives the second', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (a, b) => {
        const patch = createMergePatch(a, b)
        assert.deepEqual(applyMergePatch(a, patch), b)
      }),
    )
  })

  it('an empty patch is the identity and inputs are never mutated', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (a, p) => {
        const a0 = structuredClone(a)
        const p0 = structuredClone(p)
        assert.deepEqual(applyMergePatch(a, {}), a)
        applyMergePatch(a, p)
        assert.deepEqual(a, a0)
        assert.deepEqual(p, p0)
      }),
    )
  })
})
