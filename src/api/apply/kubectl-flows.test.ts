// managedFields as the real API server leaves them after the kubectl commands of the tutorials:
// `kubectl apply` (client-side), `kubectl apply --server-side`, `kubectl scale`, `kubectl edit`.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KObject } from '../../apis/meta.js'
import { wellKnown } from '../../apis/meta.js'
import { ApplyConflictError } from './errors.js'
import { applyStep, owners, t0, updateStep } from './harness.js'
import type { ManagedFieldsEntry } from './managed.js'

const manifest = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    },
  },
}

/** What the server stores for `manifest` after defaulting (SetDefaults_Deployment and the pod defaults). */
function defaulted(obj: KObject): KObject {
  const d = structuredClone(obj) as any
  d.metadata = { namespace: 'default', ...d.metadata }
  d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }
  d.spec.revisionHistoryLimit = 10
  d.spec.progressDeadlineSeconds = 600
  const pod = d.spec.template.spec
  Object.assign(pod, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' })
  for (const c of pod.containers) {
    Object.assign(c, { resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' })
    for (const p of c.ports ?? []) p.protocol ??= 'TCP'
  }
  return d
}

/** The server's side of a create: defaults, then system metadata. */
const stored = (obj: KObject): KObject => {
  const d = defaulted(obj)
  d.metadata = { ...d.metadata, uid: 'u-1', resourceVersion: '1', generation: 1, creationTimestamp: '2025-01-02T03:04:05Z' }
  return d
}

const entries = (obj: KObject): ManagedFieldsEntry[] => obj.metadata?.managedFields as ManagedFieldsEntry[]

describe('kubectl apply (client-side), then kubectl scale', () => {
  const body = structuredClone(manifest) as any
  body.metadata.annotations = { [wellKnown.lastAppliedConfig]: `${JSON.stringify(manifest)}\n` }
  const created = updateStep(undefined, stored(body), 'kubectl-client-side-apply')

  it('the creating manager owns everything it set, defaults included, with "." where a node was new', () => {
    assert.deepEqual(entries(created), [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2025-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
            'f:labels': { '.': {}, 'f:app': {} },
          },
          'f:spec': {
            'f:progressDeadlineSeconds': {},
            'f:replicas': {},
            'f:revisionHistoryLimit': {},
            'f:selector': {},
            'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:image': {},
                    'f:imagePullPolicy': {},
                    'f:name': {},
                    'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
                    'f:resources': {},
                    'f:terminationMessagePath': {},
                    'f:terminationMessagePolicy': {},
                  },
                },
                'f:dnsPolicy': {},
                'f:restartPolicy': {},
                'f:schedulerName': {},
                'f:securityContext': {},
                'f:terminationGracePeriodSeconds': {},
              },
            },
          },
        },
      },
    ])
    // Serialized key order is upstream's too.
    assert.ok(JSON.stringify(entries(created)[0]).startsWith('{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","time":'))
  })

  it('kubectl scale: the /scale entry takes .spec.replicas and has no time', () => {
    const scaled = updateStep(created, { ...created, spec: { ...(created.spec as object), replicas: 4 } }, 'kubectl', { subresource: 'scale', now: new Date('2025-01-02T04:00:00Z') })
    const list = entries(scaled)
    assert.equal(list.length, 2)
    // No time sorts as the epoch: the scale entry comes first.
    assert.deepEqual(list[0], { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' })
    assert.equal(list[1].manager, 'kubectl-client-side-apply')
    assert.equal((list[1].fieldsV1 as any)['f:spec']['f:replicas'], undefined)
    assert.equal(list[1].time, '2025-01-02T03:04:05Z')
  })

  it('kubectl apply --server-side after client-side apply: recorded values do not conflict, the annotation follows', () => {
    const changed = structuredClone(manifest) as any
    changed.spec.template.spec.containers[0].image = 'nginx:1.26'
    // Another manager would conflict on the image...
    assert.throws(() => applyStep(created, changed, 'someone-else'), {
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.template.spec.containers[name="web"].image',
    })
    // ...but "kubectl" upgrades: the last-applied annotation recorded nginx:1.25, as live has it.
    const applied = applyStep(created, changed, 'kubectl', { now: new Date('2025-01-02T05:00:00Z') })
    assert.equal((applied.spec as any).template.spec.containers[0].image, 'nginx:1.26')
    const annotation = applied.metadata?.annotations?.[wellKnown.lastAppliedConfig] ?? ''
    assert.ok(annotation.includes('"image":"nginx:1.26"') && annotation.endsWith('}\n'))
    assert.ok(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web"},"spec":'))
    assert.deepEqual(
      entries(applied).map((e) => [e.manager, e.operation, e.time]),
      [
        ['kubectl', 'Apply', '2025-01-02T05:00:00Z'],
        ['kubectl-client-side-apply', 'Update', '2025-01-02T03:04:05Z'],
      ],
    )
  })

  it('a value someone else changed since is still a conflict for "kubectl"', () => {
    const setImage = updateStep(created, { ...created, spec: structuredClone(created.spec) } as KObject, 'x')
    const edited = structuredClone(setImage) as any
    edited.spec.template.spec.containers[0].image = 'nginx:1.27'
    const afterSet = updateStep(setImage, edited, 'kubectl-set')
    const changed = structuredClone(manifest) as any
    changed.spec.template.spec.containers[0].image = 'nginx:1.26'
    assert.throws(() => applyStep(afterSet, changed, 'kubectl'), {
      message: 'Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: .spec.template.spec.containers[name="web"].image',
    })
  })
})

describe('kubectl apply --server-side, then kubectl scale and kubectl edit', () => {
  const created = applyStep(undefined, manifest, 'kubectl')

  it('the applier owns exactly what the manifest lists', () => {
    assert.deepEqual(entries(created), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2025-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ])
  })

  const live = stored(created)
  const scaled = updateStep(live, { ...live, spec: { ...(live.spec as object), replicas: 5 } }, 'kubectl', { subresource: 'scale' })

  it('kubectl scale moves .spec.replicas to the scale entry; re-applying conflicts with it', () => {
    assert.deepEqual(Object.keys(owners(scaled)), ['kubectl', 'kubectl:Update/scale'])
    assert.equal((owners(scaled).kubectl as any)['f:spec']['f:replicas'], undefined)
    assert.throws(
      () => applyStep(scaled, manifest, 'kubectl'),
      (err: unknown) =>
        err instanceof ApplyConflictError &&
        err.message === 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas' &&
        err.causes[0].message === 'conflict with "kubectl" with subresource "scale" using apps/v1',
    )
    const forced = applyStep(scaled, manifest, 'kubectl', { force: true })
    assert.equal((forced.spec as any).replicas, 2)
    assert.deepEqual(Object.keys(owners(forced)), ['kubectl'])
  })

  it('kubectl edit of the image gives it to kubectl-edit; applying without the image keeps it', () => {
    const edited = structuredClone(scaled) as any
    edited.spec.template.spec.containers[0].image = 'nginx:1.27'
    const afterEdit = updateStep(scaled, edited, 'kubectl-edit', { now: new Date('2025-01-02T06:00:00Z') })
    assert.deepEqual(owners(afterEdit)['kubectl-edit:Update'], {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } },
    })
    assert.deepEqual(
      entries(afterEdit).map((e) => `${e.operation} ${e.manager} ${e.subresource ?? ''} ${e.time ?? '-'}`),
      ['Apply kubectl  2025-01-02T03:04:05Z', 'Update kubectl scale -', 'Update kubectl-edit  2025-01-02T06:00:00Z'],
    )
    assert.throws(() => applyStep(afterEdit, manifest, 'kubectl'), {
      message:
        'Apply failed with 2 conflicts: conflicts with "kubectl" with subresource "scale" using apps/v1:\n- .spec.replicas\n' +
        'conflicts with "kubectl-edit" using apps/v1:\n- .spec.template.spec.containers[name="web"].image',
    })
  })

  it('a repeated identical apply changes nothing, not even the time', () => {
    const again = applyStep(live, manifest, 'kubectl', { now: new Date('2025-01-03T00:00:00Z') })
    assert.deepEqual(again, live)
  })
})

describe('ordinary writes', () => {
  it('an existing object with no managedFields stays untracked until it is applied', () => {
    const live = { ...stored(manifest) }
    const updated = updateStep(live, { ...live, spec: { ...(live.spec as object), replicas: 3 } }, 'kubectl-edit')
    assert.equal(updated.metadata?.managedFields, undefined)
  })

  it('an update that changes nothing keeps the entry and its time', () => {
    const created = updateStep(undefined, stored(manifest), 'creator')
    const same = updateStep(created, structuredClone(created), 'creator', { now: new Date('2030-01-01T00:00:00Z') })
    assert.deepEqual(entries(same), entries(created))
  })

  it('a manager that loses all its fields disappears; the same manager\'s entries merge', () => {
    let obj = updateStep(undefined, stored({ ...manifest, spec: { ...manifest.spec, paused: true } } as KObject), 'creator')
    obj = updateStep(obj, { ...obj, spec: { ...(obj.spec as object), paused: false } }, 'pauser')
    obj = updateStep(obj, { ...obj, spec: { ...(obj.spec as object), paused: true, minReadySeconds: 3 } }, 'pauser', { now: new Date('2025-02-01T00:00:00Z') })
    assert.deepEqual(owners(obj)['pauser:Update'], { 'f:spec': { 'f:minReadySeconds': {}, 'f:paused': {} } })
    assert.equal(entries(obj).find((e) => e.manager === 'pauser')?.time, '2025-02-01T00:00:00Z')
    const all = structuredClone(obj) as any
    all.spec.paused = false
    all.spec.minReadySeconds = 0
    obj = updateStep(obj, all, 'other')
    assert.equal(owners(obj)['pauser:Update'], undefined)
  })

  it('status writes are kept apart from spec writes (reset fields)', () => {
    const created = updateStep(undefined, stored(manifest), 'creator')
    const withStatus = { ...created, status: { replicas: 2, observedGeneration: 1 } }
    const afterStatus = updateStep(created, withStatus, 'kube-controller-manager', { subresource: 'status' })
    assert.deepEqual(owners(afterStatus)['kube-controller-manager:Update/status'], { 'f:status': { '.': {}, 'f:observedGeneration': {}, 'f:replicas': {} } })
    // A main-resource write never claims status.
    const sneaky = updateStep(afterStatus, { ...afterStatus, status: { replicas: 9 } }, 'creator')
    assert.equal((owners(sneaky)['creator:Update'] as any)['f:status'], undefined)
  })

  it('request managedFields replace the stored ones; [] resets them', () => {
    const created = updateStep(undefined, stored(manifest), 'creator')
    const reset = updateStep(created, { ...created, metadata: { ...created.metadata, managedFields: [] } }, 'editor')
    assert.equal(reset.metadata?.managedFields, undefined)
    const custom = [{ manager: 'me', operation: 'Update', apiVersion: 'apps/v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]
    const replaced = updateStep(created, { ...created, metadata: { ...created.metadata, managedFields: custom } }, 'editor')
    assert.deepEqual(entries(replaced), custom)
  })

  it('more than 10 updaters fold the oldest into ancient-changes', () => {
    let obj = updateStep(undefined, stored(manifest), 'creator', { now: new Date('2025-01-01T00:00:00Z') })
    for (let i = 0; i < 11; i++) {
      const next = structuredClone(obj) as any
      next.metadata.labels[`l${i}`] = 'x'
      obj = updateStep(obj, next, `m${i}`, { now: new Date(Date.UTC(2025, 0, 2, 0, i)) })
    }
    const names = entries(obj).map((e) => e.manager)
    assert.equal(names.length, 10)
    assert.equal(names[0], 'ancient-changes')
    // creator, m0 and m1 (the three oldest of twelve) are folded together.
    assert.deepEqual(names.slice(1), ['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10'])
  })

  it('uses t0 as the default time', () => {
    assert.equal(entries(updateStep(undefined, stored(manifest), 'c'))[0].time, t0.toISOString().replace(/\.\d+Z$/, 'Z'))
  })
})
