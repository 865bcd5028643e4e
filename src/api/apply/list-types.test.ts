// The three list types of server-side apply, on the schema the server serves (harness.ts): set
// lists (x-kubernetes-list-type: set, ObjectMeta.finalizers), map lists with keys (map + list-map-keys:
// containers by name, env by name, ports by containerPort and protocol) and atomic lists (args,
// tolerations). The cases are structured-merge-diff's merge tests (set_test.go TestUpdateSet,
// key_test.go TestUpdateAssociativeLists, multiple_appliers_test.go), played on a Deployment.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KObject } from '../../apis/meta.js'
import { childSchema, itemSchema } from '../../apis/schema.js'
import { ApplyConflictError } from './errors.js'
import { applyStep, deployment, deploymentSchema, owners, specOf, updateStep } from './harness.js'

const finalizers = (list: string[]): KObject => deployment(undefined, { finalizers: list })
const updateFinalizers = (live: KObject, list: string[], manager: string): KObject => updateStep(live, { ...live, metadata: { ...live.metadata, finalizers: list } }, manager)
/** Owned finalizers of a manager, as structured-merge-diff's _P("list", _SV("a")) sets. */
const ownedValues = (obj: KObject, manager: string): string[] => {
  const f = owners(obj)[manager] as { 'f:metadata'?: { 'f:finalizers'?: Record<string, unknown> } } | undefined
  return Object.keys(f?.['f:metadata']?.['f:finalizers'] ?? {}).map((k) => JSON.parse(k.slice(2)) as string)
}

const pod = (podSpec: Record<string, unknown>): KObject => deployment({ template: { spec: podSpec } })
const web = (container: Record<string, unknown>): KObject => pod({ containers: [{ name: 'web', ...container }] })
const podSpecOf = (obj: KObject): Record<string, unknown> => (specOf(obj) as { template: { spec: Record<string, unknown> } }).template.spec
const webOf = (obj: KObject): Record<string, unknown> => (podSpecOf(obj).containers as Record<string, unknown>[]).find((c) => c.name === 'web')!
const webFields = (obj: KObject, manager: string): Record<string, unknown> | undefined =>
  (owners(obj)[manager] as any)?.['f:spec']?.['f:template']?.['f:spec']?.['f:containers']?.['k:{"name":"web"}']

describe('the schema the server applies with has the list types these cases rely on (Kubernetes 1.32)', () => {
  const at = (...path: string[]) => path.reduce((s, f) => (f === '[]' ? itemSchema(s)! : childSchema(s, f)!), deploymentSchema)
  const listType = (...path: string[]) => {
    const s = at(...path)
    return [s['x-kubernetes-list-type'], s['x-kubernetes-list-map-keys']]
  }
  it('set, map with keys, atomic', () => {
    assert.deepEqual(listType('metadata', 'finalizers'), ['set', undefined])
    assert.deepEqual(listType('spec', 'template', 'spec', 'containers'), ['map', ['name']])
    assert.deepEqual(listType('spec', 'template', 'spec', 'containers', '[]', 'env'), ['map', ['name']])
    assert.deepEqual(listType('spec', 'template', 'spec', 'containers', '[]', 'ports'), ['map', ['containerPort', 'protocol']])
    assert.deepEqual(listType('spec', 'template', 'spec', 'containers', '[]', 'args'), ['atomic', undefined])
    assert.deepEqual(listType('spec', 'template', 'spec', 'tolerations'), ['atomic', undefined])
  })
})

describe('set lists (set_test.go, on metadata.finalizers)', () => {
  it('apply_twice: the second apply adds items, and owns all four', () => {
    let obj = applyStep(undefined, finalizers(['a', 'c']), 'default')
    obj = applyStep(obj, finalizers(['a', 'b', 'c', 'd']), 'default')
    assert.deepEqual(obj.metadata?.finalizers, ['a', 'b', 'c', 'd'])
    assert.deepEqual(ownedValues(obj, 'default').sort(), ['a', 'b', 'c', 'd'])
  })

  it('apply_update_apply_no_overlap: each keeps its own items', () => {
    let obj = applyStep(undefined, finalizers(['a', 'c']), 'default')
    obj = updateFinalizers(obj, ['a', 'b', 'c', 'd'], 'controller')
    obj = applyStep(obj, finalizers(['a', 'aprime', 'c', 'cprime']), 'default')
    // The fixture compares the result as a set; the order is visitListItems' walk of both lists
    // (a live-only item stays before the applied items that follow it): a, b, aprime, c, d, cprime.
    assert.deepEqual(obj.metadata?.finalizers, ['a', 'b', 'aprime', 'c', 'd', 'cprime'])
    assert.deepEqual(ownedValues(obj, 'default').sort(), ['a', 'aprime', 'c', 'cprime'])
    assert.deepEqual(ownedValues(obj, 'controller:Update').sort(), ['b', 'd'])
  })

  it('apply_update_apply_with_overlap: an item both set is owned by both', () => {
    let obj = applyStep(undefined, finalizers(['a', 'c']), 'default')
    obj = updateFinalizers(obj, ['a', 'b', 'c', 'd'], 'controller')
    obj = applyStep(obj, finalizers(['a', 'b', 'c']), 'default')
    assert.deepEqual(obj.metadata?.finalizers, ['a', 'b', 'c', 'd'])
    assert.deepEqual(ownedValues(obj, 'default').sort(), ['a', 'b', 'c'])
    assert.deepEqual(ownedValues(obj, 'controller:Update').sort(), ['b', 'd'])
  })

  it('apply_twice_reorder: the applied order wins', () => {
    let obj = applyStep(undefined, finalizers(['a', 'b', 'c', 'd']), 'default')
    obj = applyStep(obj, finalizers(['a', 'd', 'c', 'b']), 'default')
    assert.deepEqual(obj.metadata?.finalizers, ['a', 'd', 'c', 'b'])
    assert.deepEqual(ownedValues(obj, 'default').sort(), ['a', 'b', 'c', 'd'])
  })

  it('apply_update_apply_reorder: an update that only reorders owns nothing; the next apply restores its order', () => {
    let obj = applyStep(undefined, finalizers(['a', 'b', 'c', 'd']), 'default')
    obj = updateFinalizers(obj, ['a', 'd', 'c', 'b'], 'controller')
    assert.equal(owners(obj)['controller:Update'], undefined)
    obj = applyStep(obj, finalizers(['a', 'b', 'c', 'd']), 'default')
    assert.deepEqual(obj.metadata?.finalizers, ['a', 'b', 'c', 'd'])
    assert.deepEqual(ownedValues(obj, 'default').sort(), ['a', 'b', 'c', 'd'])
  })
})

describe('map lists with keys (key_test.go, multiple_appliers_test.go)', () => {
  it('removing_obsolete_applied_structs: an item the applier stops listing goes; the new one is owned field by field', () => {
    let obj = applyStep(undefined, web({ env: [{ name: 'a', value: '1' }] }), 'default')
    obj = applyStep(obj, web({ env: [{ name: 'b', value: '2' }] }), 'default')
    assert.deepEqual(webOf(obj).env, [{ name: 'b', value: '2' }])
    assert.deepEqual((webFields(obj, 'default') as any)['f:env'], { 'k:{"name":"b"}': { '.': {}, 'f:name': {}, 'f:value': {} } })
  })

  it('two appliers add items to one list: each owns its own, and a change of the other\'s item conflicts', () => {
    let obj = applyStep(undefined, web({ env: [{ name: 'a', value: '1' }] }), 'apply-one')
    obj = applyStep(obj, web({ env: [{ name: 'b', value: '2' }] }), 'apply-two')
    assert.deepEqual(webOf(obj).env, [
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ])
    assert.deepEqual((webFields(obj, 'apply-two') as any)['f:env'], { 'k:{"name":"b"}': { '.': {}, 'f:name': {}, 'f:value': {} } })
    assert.throws(
      () => applyStep(obj, web({ env: [{ name: 'a', value: '3' }] }), 'apply-two'),
      (err: unknown) => err instanceof ApplyConflictError && err.message === 'Apply failed with 1 conflict: conflict with "apply-one": .spec.template.spec.containers[name="web"].env[name="a"].value',
    )
  })

  it('keys of several fields (ports: containerPort and protocol) name distinct items', () => {
    const obj = applyStep(
      undefined,
      web({
        ports: [
          { containerPort: 53, protocol: 'UDP', name: 'dns' },
          { containerPort: 53, protocol: 'TCP', name: 'dns-tcp' },
        ],
      }),
      'default',
    )
    const again = applyStep(obj, web({ ports: [{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }] }), 'default')
    assert.deepEqual(webOf(again).ports, [{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }])
    assert.deepEqual(Object.keys((webFields(again, 'default') as any)['f:ports']), ['k:{"containerPort":53,"protocol":"TCP"}'])
  })
})

describe('atomic lists (multiple_appliers_test.go)', () => {
  it('an updater changing one item takes the whole list; re-applying the old list conflicts on the list', () => {
    let obj = applyStep(undefined, web({ args: ['--a', '--b'] }), 'default')
    assert.deepEqual(webFields(obj, 'default'), { '.': {}, 'f:args': {}, 'f:name': {} })
    const changed = { ...obj, spec: { template: { spec: { containers: [{ name: 'web', args: ['--a', '--c'] }] } } } }
    obj = updateStep(obj, changed as KObject, 'controller')
    assert.deepEqual(webFields(obj, 'controller:Update'), { 'f:args': {} })
    assert.deepEqual(webFields(obj, 'default'), { '.': {}, 'f:name': {} })
    assert.throws(() => applyStep(obj, web({ args: ['--a', '--b'] }), 'default'), {
      message: 'Apply failed with 1 conflict: conflict with "controller" using apps/v1: .spec.template.spec.containers[name="web"].args',
    })
  })

  it('an atomic list of objects (tolerations) is replaced whole, not merged by item', () => {
    let obj = applyStep(undefined, pod({ containers: [{ name: 'web' }], tolerations: [{ key: 'a', operator: 'Exists' }] }), 'default')
    obj = applyStep(obj, pod({ containers: [{ name: 'web' }], tolerations: [{ key: 'b', operator: 'Exists' }] }), 'default')
    assert.deepEqual(podSpecOf(obj).tolerations, [{ key: 'b', operator: 'Exists' }])
    assert.deepEqual((owners(obj).default as any)['f:spec']['f:template']['f:spec']['f:tolerations'], {})
  })
})
