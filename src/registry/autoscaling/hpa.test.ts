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

test('autoscaling/v1 ⇄ v2: targetCPUUtilizationPercentage is the CPU Utilization metric', () => {
  const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 70 } } as unknown as StoredObject
  const v2 = hpaV1ToV2(v1) as unknown as { spec: Record<string, unknown>; status: Record<string, unknown> }
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }])
  assert.deepEqual(v2.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }])
  assert.deepEqual(hpaV2ToV1(v2 as unknown as StoredObject), v1)
})
