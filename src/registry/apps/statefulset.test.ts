import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { defaultStatefulSet, statefulSetCells, validateStatefulSetSpec, validateStatefulSetUpdate } from './statefulset.js'

function sts(spec: Record<string, unknown> = {}): StoredObject {
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { serviceName: 'nginx', selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } }, ...spec },
  } as StoredObject
  defaultStatefulSet(obj)
  return obj
}
const messages = (o: StoredObject) => validateStatefulSetSpec(o.spec).map(fieldErrorMessage)

describe('apps/v1 StatefulSet', () => {
  it('defaults as SetDefaults_StatefulSet', () => {
    const s = (sts() as any).spec
    assert.equal(s.podManagementPolicy, 'OrderedReady')
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } })
    assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' })
    assert.equal(s.replicas, 1)
    assert.equal(s.revisionHistoryLimit, 10)
    assert.deepEqual((sts({ updateStrategy: { type: 'OnDelete' } }) as any).spec.updateStrategy, { type: 'OnDelete' })
    assert.deepEqual(messages(sts()), [])
  })

  it('rejects with upstream field paths and words', () => {
    assert.deepEqual(messages(sts({ podManagementPolicy: 'Sometimes' })), ['spec.podManagementPolicy: Invalid value: "Sometimes": must be \'OrderedReady\' or \'Parallel\''])
    assert.deepEqual(messages(sts({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })), [
      'spec.updateStrategy.rollingUpdate: Invalid value: &apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy \'RollingUpdate\'',
    ])
    assert.deepEqual(messages(sts({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'])
    assert.deepEqual(messages(sts({ selector: { matchLabels: { app: 'other' } } })), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
    ])
  })

  it('only some spec fields may change', () => {
    const old = sts()
    const next = structuredClone(old) as any
    next.spec.serviceName = 'other'
    assert.deepEqual(validateStatefulSetUpdate(next, old).map(fieldErrorMessage), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ])
    const scaled = structuredClone(old) as any
    scaled.spec.replicas = 5
    assert.deepEqual(validateStatefulSetUpdate(scaled, old), [])
  })

  it('prints READY as ready/desired', () => {
    const o = sts({ replicas: 3 }) as any
    o.status = { readyReplicas: 2 }
    assert.deepEqual(statefulSetCells(o, new Date('2026-01-01T00:00:10Z')), ['web', '2/3', '10s', 'nginx', 'nginx'])
  })
})
