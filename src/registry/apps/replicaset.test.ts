import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { replicasets } from './replicaset.js'
import { controllerrevisions } from './controllerrevision.js'

function rs(): StoredObject {
  const obj: StoredObject = {
    metadata: { name: 'web-7d4b9c8f6d', labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } },
    },
  }
  replicasets.defaults!(obj)
  return obj
}

describe('replicasets', () => {
  it('defaults replicas to 1 and the template', () => {
    const obj = rs()
    assert.equal((obj.spec as Record<string, any>).replicas, 1)
    assert.equal((obj.spec as Record<string, any>).template.spec.restartPolicy, 'Always')
    assert.deepEqual(replicasets.validate!(obj), [])
  })

  it('validates like upstream', () => {
    const obj = rs()
    const spec = obj.spec as Record<string, any>
    spec.replicas = -1
    spec.selector = {}
    assert.deepEqual(replicasets.validate!(obj).map(fieldErrorMessage), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ])
  })

  it('selector is immutable', () => {
    const old = rs()
    const next = rs()
    ;(next.spec as Record<string, any>).selector.matchLabels = { app: 'web' }
    assert.deepEqual(replicasets.validateUpdate!(next, old).map(fieldErrorMessage), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ])
  })

  it('prints cells and selects status.replicas', () => {
    const obj = rs()
    ;(obj.spec as Record<string, any>).replicas = 3
    obj.status = { replicas: 3, readyReplicas: 2 }
    assert.deepEqual(replicasets.table.cells(obj, new Date('2026-01-01T03:00:00Z')), [
      'web-7d4b9c8f6d',
      3,
      3,
      2,
      '3h',
      'web',
      'nginx:1.26',
      'app=web,pod-template-hash=7d4b9c8f6d',
    ])
    assert.equal(replicasets.fieldSelectors!['status.replicas'](obj), '3')
    assert.equal(replicasets.fieldSelectors!['status.replicas']({ metadata: {} }), '0')
    ;(obj.spec as Record<string, any>).selector = {}
    assert.equal(replicasets.table.cells(obj, new Date())[7], '<none>')
    assert.deepEqual([replicasets.shortNames, replicasets.categories, replicasets.scale?.selector(rs())], [['rs'], ['all'], 'app=web,pod-template-hash=7d4b9c8f6d'])
  })
})

describe('controllerrevisions', () => {
  const cr = (): StoredObject => ({
    metadata: {
      name: 'web-6c5f7d9b8',
      creationTimestamp: '2026-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }],
    },
    data: { spec: {} },
    revision: 2,
  })

  it('prints the controller as kind.group/name', () => {
    assert.deepEqual(controllerrevisions.table.cells(cr(), new Date('2026-01-01T00:00:45Z')), ['web-6c5f7d9b8', 'statefulset.apps/web', 2, '45s'])
    const orphan = cr()
    orphan.metadata.ownerReferences = []
    assert.equal(controllerrevisions.table.cells(orphan, new Date())[1], '<none>')
  })

  it('validates data and revision, data immutable', () => {
    const bad = cr()
    delete bad.data
    bad.revision = -1
    assert.deepEqual(controllerrevisions.validate!(bad).map(fieldErrorMessage), [
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ])
    const next = cr()
    next.data = { a: 1 }
    assert.deepEqual(controllerrevisions.validateUpdate!(next, cr()).map(fieldErrorMessage), [
      'data: Invalid value: runtime.RawExtension{Raw:[]uint8{0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d}, Object:runtime.Object(nil)}: field is immutable',
    ])
  })
})
