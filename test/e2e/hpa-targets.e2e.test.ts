// The HorizontalPodAutoscaler beyond the CPU walkthrough, through the real kubectl and without
// waiting for metrics: it scales a custom resource through its `scale` subresource, reports a Pods
// metric without a custom metrics API as upstream does with no adapter, and a target kind without
// a scale subresource as FailedGetScale.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

const manifests = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer}
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
`

const widgets = `apiVersion: example.com/v1
kind: Widget
metadata: {name: web}
spec: {replicas: 1}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: queue}
spec: {replicas: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
`

const hpas = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: example.com/v1, kind: Widget, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: queue}
spec:
  scaleTargetRef: {apiVersion: example.com/v1, kind: Widget, name: queue}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Pods
    pods:
      metric: {name: packets-per-second}
      target: {type: AverageValue, averageValue: 1k}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: jobs}
spec:
  scaleTargetRef: {apiVersion: example.com/v1, kind: Widget, name: queue}
  maxReplicas: 5
  metrics:
  - type: External
    external:
      metric:
        name: queue_messages_ready
        selector: {matchLabels: {queue: worker_tasks}}
      target: {type: AverageValue, averageValue: "30"}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: settings}
spec:
  scaleTargetRef: {apiVersion: v1, kind: ConfigMap, name: settings}
  maxReplicas: 3
`

/** The Conditions block of `kubectl describe hpa`: type → the rest of its row. */
function conditionRows(described: string): Record<string, string> {
  const block = described.split('\nConditions:\n')[1]?.split('\nEvents:')[0] ?? ''
  return Object.fromEntries(
    block
      .split('\n')
      .slice(2)
      .filter((l) => l.trim())
      .map((l) => {
        const [type, ...rest] = l.trim().split(/\s+/)
        return [type, rest.join(' ')]
      }),
  )
}

describe('HorizontalPodAutoscaler targets and metrics', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('a custom resource is scaled through its scale subresource; a Pods metric and a ConfigMap fail as upstream', async () => {
    await c.k('apply', '-f', c.file('crd.yaml', manifests))
    await c.k('wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s')
    await until('the Widget kind to be served', async () => (await c.kubectl(['apply', '-f', c.file('widgets.yaml', widgets)])).code === 0, 30_000)
    // No controller owns these: the status (and so the Scale's selector) is set by hand.
    await c.k('patch', 'widget', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":1,"selector":"app=web"}}')
    await c.k('patch', 'widget', 'queue', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":1,"selector":"app=queue"}}')
    assert.equal(JSON.parse(await c.k('get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/web/scale')).status.selector, 'app=web')
    await c.k('apply', '-f', c.file('hpas.yaml', hpas))

    // Below minReplicas: scaled at once through /scale, no metrics needed.
    await until('the HPA to scale the Widget to its minimum', async () => (await c.k('get', 'widget', 'web', '-o', 'jsonpath={.spec.replicas}')).trim() === '2', 30_000)
    const web = await until('the web HPA status', async () => {
      const [row] = parseTable(await c.k('get', 'hpa', 'web'))
      return row.REPLICAS === '1' ? row : undefined
    })
    assert.deepEqual(web, { NAME: 'web', REFERENCE: 'Widget/web', TARGETS: 'cpu: <unknown>/50%', MINPODS: '2', MAXPODS: '5', REPLICAS: '1', AGE: web.AGE })
    const describedWeb = await c.k('describe', 'hpa', 'web')
    assert.match(describedWeb, /^Reference:\s+Widget\/web$/m)
    assert.match(describedWeb, /^ {2}resource cpu on pods {2}\(as a percentage of request\): {2}<unknown> \/ 50%$/m)
    assert.match(describedWeb, /Normal\s+SuccessfulRescale\s+.*horizontal-pod-autoscaler\s+New size: 2; reason: Current number of replicas below Spec\.MinReplicas/)
    assert.match(conditionRows(describedWeb).AbleToScale, /^True SucceededRescale the HPA controller was able to update the target scale to 2$/)

    // A Pods metric: no custom.metrics.k8s.io, as on a cluster without an adapter.
    const queue = await until('the Pods-metric HPA to report', async () => {
      const d = await c.k('describe', 'hpa', 'queue')
      return conditionRows(d).ScalingActive?.startsWith('False') ? d : undefined
    }, 30_000)
    assert.equal(
      conditionRows(queue).ScalingActive,
      'False FailedGetPodsMetric the HPA was unable to compute the replica count: unable to get metric packets-per-second: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
    )
    assert.equal(conditionRows(queue).AbleToScale, "True SucceededGetScale the HPA controller was able to get the target's current scale")
    assert.match(queue, /^ {2}"packets-per-second" on pods:\s+<unknown> \/ 1k$/m)
    assert.match(queue, /Warning\s+FailedGetPodsMetric\s+.*horizontal-pod-autoscaler\s+unable to get metric packets-per-second: unable to fetch metrics from custom metrics API: no custom metrics API \(custom\.metrics\.k8s\.io\) registered/)
    assert.match(queue, /Warning\s+FailedComputeMetricsReplicas\s+.*invalid metrics \(1 invalid out of 1\), first error is: failed to get pods metric value: unable to get metric packets-per-second/)
    assert.equal(parseTable(await c.k('get', 'hpa', 'queue'))[0].TARGETS, '<unknown>/1k')
    assert.equal((await c.k('get', 'widget', 'queue', '-o', 'jsonpath={.spec.replicas}')).trim(), '1')

    // autoscaling/v1 keeps the v2 fields in annotations; a v1 write-back loses nothing.
    await c.k('patch', 'hpa', 'queue', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}}}')
    const v1 = JSON.parse(await c.k('get', 'horizontalpodautoscalers.v1.autoscaling', 'queue', '-o', 'json'))
    assert.equal(v1.apiVersion, 'autoscaling/v1')
    assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined)
    assert.equal(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}}]')
    assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'], /"ScaleDown":\{"StabilizationWindowSeconds":60,"SelectPolicy":"Max"/)
    assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'], /"reason":"FailedGetPodsMetric"/)
    v1.spec.maxReplicas = 7
    await c.k('replace', '-f', c.file('queue-v1.json', JSON.stringify(v1)))
    const v2 = JSON.parse(await c.k('get', 'horizontalpodautoscalers.v2.autoscaling', 'queue', '-o', 'json'))
    assert.equal(v2.spec.maxReplicas, 7)
    assert.deepEqual(v2.spec.metrics, [{ type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } }])
    assert.equal(v2.spec.behavior.scaleDown.stabilizationWindowSeconds, 60)
    assert.equal(v2.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics'], undefined)

    // An External metric: no external.metrics.k8s.io either.
    const jobs = await until('the External-metric HPA to report', async () => {
      const d = await c.k('describe', 'hpa', 'jobs')
      return conditionRows(d).ScalingActive?.startsWith('False') ? d : undefined
    }, 30_000)
    assert.equal(
      conditionRows(jobs).ScalingActive,
      'False FailedGetExternalMetric the HPA was unable to compute the replica count: unable to get external metric default/queue_messages_ready/&LabelSelector{MatchLabels:map[string]string{queue: worker_tasks,},MatchExpressions:[]LabelSelectorRequirement{},}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get queue_messages_ready.external.metrics.k8s.io)',
    )
    assert.match(jobs, /^ {2}"queue_messages_ready" \(target average value\):\s+<unknown> \/ 30$/m)

    // A kind without a scale subresource.
    const settings = await until('the ConfigMap HPA to report', async () => {
      const d = await c.k('describe', 'hpa', 'settings')
      return conditionRows(d).AbleToScale ? d : undefined
    }, 30_000)
    assert.equal(conditionRows(settings).AbleToScale, "False FailedGetScale the HPA controller was unable to get the target's current scale: the server could not find the requested resource (get configmaps settings)")
    assert.match(settings, /Warning\s+FailedGetScale\s+.*horizontal-pod-autoscaler\s+the server could not find the requested resource \(get configmaps settings\)/)
  })

  test('an Argo Rollout is scaled through its scale subresource (status.selector, status.HPAReplicas)', async () => {
    const rollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: shop}
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: app
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        resources:
          requests: {cpu: 100m}
  strategy:
    canary:
      steps:
      - setWeight: 50
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: shop}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: shop}
  minReplicas: 3
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
`
    await c.k('apply', '-f', c.file('rollout.yaml', rollout))
    await until('the HPA to scale the Rollout to 3', async () => (await c.k('get', 'rollout', 'shop', '-o', 'jsonpath={.spec.replicas}')).trim() === '3', 60_000)
    const [row] = parseTable(await c.k('get', 'hpa', 'shop'))
    assert.equal(row.REFERENCE, 'Rollout/shop')
    assert.equal(row.TARGETS, 'cpu: <unknown>/60%')
    assert.match(await c.k('describe', 'hpa', 'shop'), /New size: 3; reason: Current number of replicas below Spec\.MinReplicas/)
    // The Rollout's controller acts on the new size: three pods, and the Scale reports them.
    await until('three shop pods', async () => (await c.k('get', '--raw', '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/shop/scale')).includes('"replicas":3,"selector":"app=shop"'), 90_000)
  })

  test('a StatefulSet scales down on a ContainerResource metric from real figures', async () => {
    const manifest = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: idle}
spec:
  replicas: 3
  serviceName: idle
  selector:
    matchLabels: {app: idle}
  template:
    metadata:
      labels: {app: idle}
    spec:
      containers:
      - name: web
        image: nginx
        resources:
          requests: {cpu: "1"}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: idle}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: idle}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: ContainerResource
    containerResource: {name: cpu, container: web, target: {type: Utilization, averageUtilization: 90}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 0}
`
    await c.k('apply', '-f', c.file('idle.yaml', manifest))
    // Idle pods use ~0% of a whole CPU: once each has a metrics window after becoming ready, 1 replica.
    await until('the HPA to scale the StatefulSet down to 1', async () => (await c.k('get', 'statefulset', 'idle', '-o', 'jsonpath={.spec.replicas}')).trim() === '1', 150_000)
    const described = await c.k('describe', 'hpa', 'idle')
    assert.match(described, /New size: 1; reason: All metrics below target/)
    assert.match(described, /^ {2}resource cpu of container "web" on pods {2}\(as a percentage of request\): {2}\d+% \(\d+m?\) \/ 90%$/m)
    assert.match(conditionRows(described).ScalingActive, /^True ValidMetricFound the HPA was able to successfully calculate a replica count from cpu container resource utilization \(percentage of request\)$/)
    assert.match(parseTable(await c.k('get', 'hpa', 'idle'))[0].TARGETS, /^cpu: \d+%\/90%$/)
    await c.k('delete', 'statefulset', 'idle', '--wait=false')
  })
})