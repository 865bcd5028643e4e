import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { daemonSetCells, defaultDaemonSet, validateDaemonSetSpec } from './daemonset.js'

function ds(spec: Record<string, unknown> = {}): StoredObject {
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } }, ...spec },
  } as StoredObject
  defaultDaemonSet(obj)
  return obj
}
const messages = (o: StoredObject) => validateDaemonSetSpec(o.spec).map(fieldErrorMessage)

describe('apps/v1 DaemonSet', () => {
  it('defaults as SetDefaults_DaemonSet', () => {
    const s = (ds() as any).spec
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } })
    assert.equal(s.revisionHistoryLimit, 10)
    assert.deepEqual(messages(ds()), [])
  })
  it('rejects with upstream field paths and words', () => {
    assert.deepEqual(messages(ds({ updateStrategy: { type: 'Sometimes' } })), ['spec.updateStrategy.type: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"'])
    assert.deepEqual(messages(ds({ selector: { matchLabels: {} } })), ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset'])
  })
  it('prints as printDaemonSet', () => {
    const o = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'a', image: 'busybox' }] } } }) as any
    o.status = { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 }
    assert.deepEqual(daemonSetCells(o, new Date('2026-01-01T00:00:05Z')), ['agent', 2, 2, 1, 2, 1, 'disk=ssd', '5s', 'a', 'busybox', 'app=agent'])
  })
})
