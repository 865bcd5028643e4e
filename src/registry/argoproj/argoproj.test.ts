import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { analysisruns, analysistemplates, argoprojResources, clusteranalysistemplates, experiments, rollouts } from './index.js'

const now = new Date('2026-01-01T00:10:00Z')
const rollout = (spec: Record<string, unknown>, status?: Record<string, unknown>): StoredObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  ...(status ? { status } : {}),
})

describe('argoproj.io kinds, as Argo Rollouts’ CRDs declare them', () => {
  it('names, short names, scope and subresources', () => {
    assert.deepEqual(
      argoprojResources.map((r) => [r.kind, r.resource, r.shortNames, r.namespaced, !!r.hasStatus, !!r.statusOnMainResource, !!r.scale]),
      [
        ['AnalysisRun', 'analysisruns', ['ar'], true, true, true, false],
        ['AnalysisTemplate', 'analysistemplates', ['at'], true, false, false, false],
        ['ClusterAnalysisTemplate', 'clusteranalysistemplates', ['cat'], false, false, false, false],
        ['Experiment', 'experiments', ['exp'], true, true, true, false],
        ['Rollout', 'rollouts', ['ro'], true, true, false, true],
      ],
    )
  })

  it('prints the CRDs’ printer columns', () => {
    assert.deepEqual(rollouts.table.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Desired', 'integer'], ['Current', 'integer'], ['Up-to-date', 'integer'], ['Available', 'integer'], ['Age', 'date']])
    assert.deepEqual(rollouts.table.cells(rollout({ replicas: 5 }, { replicas: 6, updatedReplicas: 1, availableReplicas: 5 }), now), ['web', 5, 6, 1, 5, '10m'])
    assert.deepEqual(rollouts.table.cells(rollout({}), now), ['web', null, null, null, null, '10m'])
    const ar: StoredObject = { metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {}, status: { phase: 'Running' } }
    assert.deepEqual(analysisruns.table.cells(ar, now), ['a', 'Running', '10m'])
    assert.deepEqual(experiments.table.columns.map((c) => c.name), ['Name', 'Status', 'Age'])
    assert.deepEqual(analysistemplates.table.columns.map((c) => c.name), ['Name', 'Age'])
    assert.deepEqual(clusteranalysistemplates.table.columns.map((c) => c.name), ['Name', 'Age'])
  })

  it('scale maps to spec.replicas, status.HPAReplicas and status.selector', () => {
    const r = rollout({ replicas: 3 }, { HPAReplicas: 2, selector: 'app=web' })
    const scale = rollouts.scale!
    assert.deepEqual([scale.specReplicas(r), scale.statusReplicas(r), scale.selector(r)], [3, 2, 'app=web'])
    assert.equal((scale.withReplicas(r, 7).spec as { replicas: number }).replicas, 7)
    assert.equal((r.spec as { replicas: number }).replicas, 3)
  })

  it('validates against the CRD schema and keeps spec.selector immutable', () => {
    const good = rollout({ selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x' }] } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { pause: { duration: '10s' } }] } } })
    assert.deepEqual(rollouts.validate!(good), [])
    const bad = rollout({ replicas: 'two', strategy: { canary: { steps: [{ setWeight: 'x' }] } } })
    assert.deepEqual(rollouts.validate!(bad).map(fieldErrorMessage), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.strategy.canary.steps[0].setWeight: Invalid value: "string": spec.strategy.canary.steps[0].setWeight in body must be of type integer: "string"',
    ])
    const moved = structuredClone(good)
    ;(moved.spec as { selector: unknown }).selector = { matchLabels: { app: 'other' } }
    assert.deepEqual(rollouts.validateUpdate!(moved, good).map(fieldErrorMessage), ['spec.selector: Invalid value: "object": .spec.selector is immutable'])
  })

  it('prunes unknown fields on write', () => {
    const r = rollout({ replicas: 1, bogus: true })
    rollouts.defaults!(r)
    assert.deepEqual(r.spec, { replicas: 1 })
  })
})
