import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { defaultHPA, formatHPAMetrics, hpaV1ToV2, hpaV2ToV1, validateHPA } from './hpa.js'

const hpa = (spec: Record<string, unknown>) => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec }) as unknown as StoredObject
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }

test('defaults: minReplicas 1, 80% CPU, a given behavior filled with the scale-up and scale-down rules', () => {
  const o = hpa({ scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } })
  defaultHPA(o)
  const spec = (o as unknown as { spec: Record<string, any> }).spec
  assert.equal(spec.minReplicas, 1)
  assert.deepEqual(spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }])
  assert.deepEqual(spec.behavior.scaleUp, { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] })
  assert.deepEqual(spec.behavior.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 10 })
})

test('validation: upstream paths and words', () => {
  const msgs = (spec: Record<string, unknown>) => validateHPA(hpa(spec)).map((e) => `${e.field}: ${e.detail ?? ''}`)
  assert.deepEqual(msgs({ scaleTargetRef: ref, minReplicas: 0, maxReplicas: 0 }), ['spec.minReplicas: must be greater than or equal to 1', 'spec.maxReplicas: must be greater than 0'])
  assert.deepEqual(msgs({ scaleTargetRef: ref, minReplicas: 5, maxReplicas: 2 }), ['spec.maxReplicas: must be greater than or equal to `minReplicas`'])
  assert.deepEqual(msgs({ scaleTargetRef: { kind: 'Deployment' }, maxReplicas: 2 }), ['spec.scaleTargetRef.name: '])
  assert.deepEqual(msgs({ scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] }), [
    'spec.metrics[0].resource.target.averageUtilization: must be greater than 0',
  ])
  assert.deepEqual(msgs({ scaleTargetRef: ref, maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } } }), [
    'spec.behavior.scaleUp.policies[0].value: must be greater than zero',
    'spec.behavior.scaleUp.policies[0].periodSeconds: must be less than or equal to 1800',
  ])
})

test('TARGETS as printHorizontalPodAutoscaler writes them', () => {
  const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }
  assert.equal(formatHPAMetrics([cpu], []), 'cpu: <unknown>/50%')
  assert.equal(formatHPAMetrics([cpu], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 23, averageValue: '115m' } } }]), 'cpu: 23%/50%')
  assert.equal(formatHPAMetrics([cpu, cpu, cpu], []), 'cpu: <unknown>/50%, cpu: <unknown>/50% + 1 more...')
  assert.equal(formatHPAMetrics([], []), '<none>')
})

test('autoscaling/v1 ⇄ v2: targetCPUUtilizationPercentage is the CPU Utilization metric; the status travels in current-metrics too', () => {
  const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 70 } } as unknown as StoredObject
  const v2 = hpaV1ToV2(v1) as unknown as { spec: Record<string, unknown>; status: Record<string, unknown> }
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }])
  assert.deepEqual(v2.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }])
  const back = hpaV2ToV1(v2 as unknown as StoredObject) as unknown as { metadata: { annotations: Record<string, string> } }
  // "NB: we need to save the status even if it maps to a CPU utilization status in order to save the raw value as well"
  assert.deepEqual(back.metadata.annotations, { 'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":70,"currentAverageValue":"0"}}]' })
  assert.deepEqual({ ...back, metadata: { name: 'web' } }, v1)
})

test('autoscaling/v1 keeps every v2 field in the alpha annotations, and a v1 write brings them back', () => {
  const pods = { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } }
  const external = { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'a' } } }, target: { type: 'Value', value: '30' } } }
  const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }
  const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }
  const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }, scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } }
  const conditions = [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }]
  const currentMetrics = [{ type: '' }, { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 23, averageValue: '115m' } } }]
  const v2 = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', annotations: { team: 'a' } }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [cpu, pods, external, memory], behavior }, status: { currentReplicas: 1, desiredReplicas: 1, currentMetrics, conditions } } as unknown as StoredObject
  const v1 = hpaV2ToV1(v2) as unknown as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown>; status: Record<string, unknown> }
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 50)
  assert.equal(v1.status.currentCPUUtilizationPercentage, 23)
  const a = v1.metadata.annotations
  assert.equal(a.team, 'a')
  assert.equal(a['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}},{"type":"External","external":{"metricName":"queue","metricSelector":{"matchLabels":{"q":"a"}},"targetValue":"30"}},{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]')
  assert.equal(a['autoscaling.alpha.kubernetes.io/current-metrics'], '[{"type":""},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":23,"currentAverageValue":"115m"}}]')
  assert.equal(a['autoscaling.alpha.kubernetes.io/conditions'], JSON.stringify(conditions))
  assert.equal(a['autoscaling.alpha.kubernetes.io/behavior'], '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}]},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Min","Policies":[{"Type":"Percent","Value":10,"PeriodSeconds":60}]}}')

  // Back to v2: the annotations become fields again (the CPU target after the others, as upstream).
  const again = hpaV1ToV2(v1 as unknown as StoredObject) as unknown as { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> }
  assert.deepEqual(again.metadata, { name: 'web', annotations: { team: 'a' } })
  assert.deepEqual(again.spec.metrics, [pods, { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'a' } } }, target: { type: 'Value', value: '30' } } }, memory, cpu])
  assert.deepEqual(again.spec.behavior, behavior)
  assert.deepEqual(again.status.conditions, conditions)
  assert.deepEqual(again.status.currentMetrics, currentMetrics)
  // The behavior annotation is read as Go reads JSON: keys in any case; an undecodable one is dropped.
  const lower = { ...v1, metadata: { name: 'web', annotations: { 'autoscaling.alpha.kubernetes.io/behavior': '{"scaleup":{"selectpolicy":"Disabled"}}' } } } as unknown as StoredObject
  assert.deepEqual((hpaV1ToV2(lower) as unknown as { spec: { behavior: unknown } }).spec.behavior, { scaleUp: { selectPolicy: 'Disabled' } })
  const broken = { ...v1, metadata: { name: 'web', annotations: { 'autoscaling.alpha.kubernetes.io/behavior': '{' } } } as unknown as StoredObject
  assert.equal((hpaV1ToV2(broken) as unknown as { spec: { behavior?: unknown } }).spec.behavior, undefined)
  const badMetrics = { ...v1, metadata: { name: 'web', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': 'nope' } } } as unknown as StoredObject
  assert.throws(() => hpaV1ToV2(badMetrics), (err: { status?: { code?: number } }) => err.status?.code === 400)
})
