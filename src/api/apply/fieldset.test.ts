import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fieldSetFromObject } from './fieldsfromobject.js'
import { difference, fieldSetToTree, intersection, listPaths, treeToFieldSet, union, type FieldSet } from './fieldset.js'
import { keyElement, pathToString } from './pathelement.js'
import { deploymentSchema, resolve } from './harness.js'

describe('fieldSetFromObject', () => {
  it('encodes what a Deployment configuration owns, as upstream serializes fieldsV1', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      },
    }
    assert.equal(
      JSON.stringify(fieldSetFromObject(obj, deploymentSchema, resolve)),
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},' +
        '"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{' +
        '"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}',
    )
  })

  it('writes set items as v:<json> and empty maps as members', () => {
    const obj = { metadata: { finalizers: ['example.com/a', 'b<c>'] }, spec: { strategy: {}, template: { spec: { nodeSelector: { disk: 'ssd' } } } } }
    assert.deepEqual(fieldSetFromObject(obj, deploymentSchema, resolve), {
      'f:metadata': { 'f:finalizers': { 'v:"b\\u003cc\\u003e"': {}, 'v:"example.com/a"': {} } },
      'f:spec': { 'f:strategy': {}, 'f:template': { 'f:spec': { 'f:nodeSelector': {} } } },
    })
  })

  it('falls back to the patch merge key when a list has no list-type', () => {
    const obj = { spec: { template: { spec: { volumes: [{ name: 'data', emptyDir: {} }] } } } }
    assert.deepEqual(fieldSetFromObject(obj, deploymentSchema, resolve), {
      'f:spec': { 'f:template': { 'f:spec': { 'f:volumes': { 'k:{"name":"data"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} } } } } },
    })
  })

  it('treats lists without list-type or patch strategy as atomic', () => {
    const obj = { spec: { template: { spec: { tolerations: [{ key: 'a' }] } } } }
    assert.deepEqual(fieldSetFromObject(obj, deploymentSchema, resolve), { 'f:spec': { 'f:template': { 'f:spec': { 'f:tolerations': {} } } } })
  })
})

describe('set operations on fieldsV1', () => {
  const a: FieldSet = { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } }
  const b: FieldSet = { 'f:spec': { '.': {}, 'f:replicas': {} } }

  it('union keeps membership from either side and sorts keys upstream\'s way', () => {
    assert.deepEqual(union(a, b), { 'f:spec': { '.': {}, 'f:paused': {}, 'f:replicas': {} } })
    assert.equal(JSON.stringify(union({ 'v:"x"': {}, 'k:{"a":1}': {} }, { 'f:b': {}, 'f:B': {} })), '{"f:B":{},"f:b":{},"k:{\\"a\\":1}":{},"v:\\"x\\"":{}}')
  })

  it('difference: a parent stays when only its children are taken away', () => {
    assert.deepEqual(difference(a, b), { 'f:spec': { 'f:paused': {} } })
    assert.deepEqual(difference(b, a), { 'f:spec': {} })
    assert.deepEqual(difference(a, a), {})
  })

  it('intersection', () => {
    assert.deepEqual(intersection(a, b), { 'f:spec': { 'f:replicas': {} } })
  })

  it('round-trips fieldsV1 (property)', () => {
    const pe = fc.oneof(
      fc.stringMatching(/^[a-zA-Z.\/-]{1,6}$/).map((s) => `f:${s}`),
      fc.stringMatching(/^[a-z]{1,4}$/).map((s) => keyElement([['name', s]])),
    )
    const tree: fc.Arbitrary<FieldSet> = fc.letrec<{ node: FieldSet }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.constant({}), fc.dictionary(pe, tie('node'), { maxKeys: 3 })),
    })).node
    fc.assert(
      fc.property(tree, tree, (x, y) => {
        const nx = treeToFieldSet(fieldSetToTree(x))
        assert.deepEqual(treeToFieldSet(fieldSetToTree(nx)), nx)
        assert.deepEqual(union(nx, nx), nx)
        assert.deepEqual(difference(union(nx, y), y), difference(nx, y))
        assert.deepEqual(intersection(nx, y), intersection(y, nx))
      }),
      { numRuns: 200 },
    )
  })
})

describe('paths as upstream prints them', () => {
  it('prints fields, keys, values and the iteration order (members first)', () => {
    const tree = fieldSetToTree({
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} } } } } }, 'f:replicas': {} },
      'f:metadata': { 'f:finalizers': { 'v:"a"': {} } },
    })
    assert.deepEqual(listPaths(tree).map(pathToString), [
      '.metadata.finalizers[="a"]',
      '.spec.replicas',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
    ])
  })
})
