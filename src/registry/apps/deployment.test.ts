import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { deployments, defaultDeployment } from './deployment.js'
import { fieldErrorMessage } from '../../apis/validation.js'

/** What `kubectl create deployment web --image=nginx` sends once the protobuf body is decoded. */
function fromProtobuf(): StoredObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      strategy: {},
      minReadySeconds: 0,
      paused: false,
    },
  }
}

function valid(mutate?: (spec: Record<string, any>) => void): StoredObject {
  const d = fromProtobuf()
  defaultDeployment(d)
  mutate?.(d.spec as Record<string, any>)
  return d
}

const messages = (obj: StoredObject, old?: StoredObject) =>
  (old ? deployments.validateUpdate!(obj, old) : deployments.validate!(obj)).map(fieldErrorMessage)

describe('deployments defaults', () => {
  it('fills upstream defaults into a protobuf-like minimal object', () => {
    const d = fromProtobuf()
    defaultDeployment(d)
    const spec = d.spec as Record<string, any>
    assert.equal(spec.replicas, 1)
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } })
    assert.equal(spec.revisionHistoryLimit, 10)
    assert.equal(spec.progressDeadlineSeconds, 600)
    assert.equal(spec.template.spec.restartPolicy, 'Always')
    assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirst')
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'Always')
    assert.deepEqual(deployments.validate!(d), [])
  })

  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['replicas absent → 1', {}, { replicas: 1 }],
    ['replicas 0 kept', { replicas: 0 }, { replicas: 0 }],
    ['type "" is unset', { strategy: { type: '' } }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } } }],
    ['partial rollingUpdate', { strategy: { rollingUpdate: { maxSurge: 1 } } }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } }],
    ['Recreate untouched', { strategy: { type: 'Recreate' } }, { strategy: { type: 'Recreate' } }],
    ['explicit limits kept', { revisionHistoryLimit: 0, progressDeadlineSeconds: 30 }, { revisionHistoryLimit: 0, progressDeadlineSeconds: 30 }],
  ]
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const d: StoredObject = { metadata: { name: 'x' }, spec: structuredClone(spec) }
      defaultDeployment(d)
      for (const [k, v] of Object.entries(want)) assert.deepEqual((d.spec as Record<string, unknown>)[k], v, k)
    })
  }

  it('tolerates garbage without throwing', () => {
    for (const spec of [null, 'x', 3, { strategy: 'x', template: 5 }]) {
      const d = { metadata: { name: 'x' }, spec } as StoredObject
      assert.doesNotThrow(() => defaultDeployment(d))
      assert.doesNotThrow(() => deployments.validate!(d))
      assert.doesNotThrow(() => deployments.table.cells(d, new Date()))
    }
  })
})

describe('deployments validation', () => {
  const cases: [string, (spec: Record<string, any>) => void, string[]][] = [
    ['negative replicas', (s) => (s.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'selector missing',
      (s) => delete s.selector,
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ],
    [
      'selector does not match',
      (s) => (s.template.metadata.labels = { app: 'other', tier: 'fe' }),
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other", "tier":"fe"}: `selector` does not match template `labels`'],
    ],
    [
      'empty selector',
      (s) => (s.selector = {}),
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    [
      'bad selector operator',
      (s) => (s.selector = { matchExpressions: [{ key: 'app', operator: 'Is', values: ['web'] }] }),
      [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Is", Values:[]string{"web"}}}}: invalid label selector',
      ],
    ],
    [
      'unsupported strategy type',
      (s) => (s.strategy = { type: 'BlueGreen' }),
      ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'both zero',
      (s) => (s.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'both zero percent',
      (s) => (s.strategy.rollingUpdate = { maxSurge: '0%', maxUnavailable: '0%' }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'bad percent',
      (s) => (s.strategy.rollingUpdate.maxSurge = '25'),
      [
        `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"25"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      ],
    ],
    ['negative surge', (s) => (s.strategy.rollingUpdate.maxSurge = -2), ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -2: must be greater than or equal to 0']],
    [
      'more than 100%',
      (s) => (s.strategy.rollingUpdate.maxUnavailable = '101%'),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%'],
    ],
    [
      'Recreate with rollingUpdate',
      (s) => (s.strategy.type = 'Recreate'),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'progress deadline not above minReadySeconds',
      (s) => {
        s.minReadySeconds = 30
        s.progressDeadlineSeconds = 30
      },
      ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    ],
    ['negative revisionHistoryLimit', (s) => (s.revisionHistoryLimit = -1), ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
    [
      'restartPolicy must be Always',
      (s) => (s.template.spec.restartPolicy = 'OnFailure'),
      ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ],
    [
      'activeDeadlineSeconds forbidden',
      (s) => (s.template.spec.activeDeadlineSeconds = 10),
      ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
    ],
  ]
  for (const [name, mutate, want] of cases) {
    it(name, () => assert.deepEqual(messages(valid(mutate)), want))
  }

  it('selector is immutable on update', () => {
    const old = valid()
    const next = valid((s) => {
      s.selector = { matchLabels: { app: 'web', tier: 'fe' } }
      s.template.metadata.labels.tier = 'fe'
    })
    assert.deepEqual(messages(next, old), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ])
    // An empty list of expressions equals an absent one, as upstream's semantic equality has it.
    const same = valid((s) => (s.selector.matchExpressions = []))
    assert.deepEqual(messages(same, old), [])
  })

  it('annotation changes bump the generation', () => {
    const old = valid()
    old.metadata.generation = 3
    const next = structuredClone(old)
    next.metadata.annotations = { 'kubernetes.io/change-cause': 'v2' }
    deployments.prepareForUpdate!(next, old)
    assert.equal(next.metadata.generation, 4)
    const unchanged = structuredClone(old)
    deployments.prepareForUpdate!(unchanged, old)
    assert.equal(unchanged.metadata.generation, 3)
  })
})

describe('deployments table and scale', () => {
  it('prints a deployment mid-rollout', () => {
    const d = valid((s) => {
      s.replicas = 4
      s.template.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36' })
    })
    d.metadata.creationTimestamp = '2026-01-01T00:00:00Z'
    d.status = { replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }
    const cells = deployments.table.cells(d, new Date('2026-01-01T00:05:30Z'))
    assert.deepEqual(cells, ['web', '3/4', 2, 3, '5m30s', 'nginx,sidecar', 'nginx,busybox:1.36', 'app=web'])
    assert.deepEqual(
      deployments.table.columns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Up-to-date', 'string', 0],
        ['Available', 'string', 0],
        ['Age', 'string', 0],
        ['Containers', 'string', 1],
        ['Images', 'string', 1],
        ['Selector', 'string', 1],
      ],
    )
  })

  it('scale maps replicas and the selector string', () => {
    const d = valid((s) => {
      s.replicas = 3
      s.selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }
      s.template.metadata.labels.tier = 'fe'
    })
    d.status = { replicas: 2 }
    const scale = deployments.scale!
    assert.equal(scale.specReplicas(d), 3)
    assert.equal(scale.statusReplicas(d), 2)
    assert.equal(scale.selector(d), 'app=web,tier in (be,fe)')
    const scaled = scale.withReplicas(d, 7)
    assert.equal((scaled.spec as { replicas: number }).replicas, 7)
    assert.equal((d.spec as { replicas: number }).replicas, 3, 'original untouched')
  })

  it('discovery facts', () => {
    assert.deepEqual(
      [deployments.group, deployments.version, deployments.kind, deployments.resource, deployments.singular, deployments.namespaced, deployments.shortNames, deployments.categories],
      ['apps', 'v1', 'Deployment', 'deployments', 'deployment', true, ['deploy'], ['all']],
    )
    assert.equal(deployments.hasStatus, true)
    assert.equal(deployments.generation, true)
  })
})
