import { test } from 'node:test'
import assert from 'node:assert/strict'
import { aggregateMessage, fieldErrorMessage } from '../../apis/validation.js'
import { clone } from '../../apis/meta.js'
import { podsResource, type PodObj } from './pods.js'

const now = new Date('2025-01-01T12:00:00Z')
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

function created(spec: Record<string, unknown>, name = 'web'): PodObj {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', creationTimestamp: ago(600) }, spec } as unknown as PodObj
  podsResource.defaults!(pod)
  podsResource.prepareForCreate!(pod)
  return pod
}

test('discovery facts', () => {
  const d = podsResource
  assert.deepEqual([d.group, d.version, d.kind, d.resource, d.singular, d.namespaced, d.shortNames, d.categories, d.hasStatus], ['', 'v1', 'Pod', 'pods', 'pod', true, ['po'], ['all'], true])
})

test('a new pod gets defaults, admission fields and Pending status', () => {
  const pod = created({ containers: [{ name: 'web', image: 'nginx:1.27' }] })
  assert.deepEqual(pod.spec, {
    containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
    enableServiceLinks: true, serviceAccountName: 'default', serviceAccount: 'default',
  })
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' })
  assert.deepEqual(podsResource.validate!(pod), [])
})

test('limits only: requests default to limits, Guaranteed', () => {
  const pod = created({ containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] })
  assert.deepEqual(pod.spec?.containers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } })
  assert.equal(pod.status?.qosClass, 'Guaranteed')
})

test('validation errors', () => {
  const msg = (spec: Record<string, unknown>) => aggregateMessage(podsResource.validate!(created(spec)))
  assert.equal(msg({ containers: [] }), 'spec.containers: Required value')
  assert.equal(msg({ containers: [{ name: 'a', image: ' x' }] }), 'spec.containers[0].image: Invalid value: " x": must not have leading or trailing whitespace')
  assert.equal(msg({ containers: [{ name: 'a', image: 'x' }], ephemeralContainers: [{ name: 'e', image: 'x' }] }).includes('spec.ephemeralContainers: Forbidden: cannot be set on create'), true)
})

test('update: only images may change', () => {
  const old = created({ containers: [{ name: 'a', image: 'x:1' }] })
  const ok = clone(old)
  ok.spec!.containers[0].image = 'x:2'
  assert.deepEqual(podsResource.validateUpdate!(ok, old), [])
  const bad = clone(old)
  bad.spec!.restartPolicy = 'Never'
  const errs = podsResource.validateUpdate!(bad, old).map(fieldErrorMessage)
  assert.equal(errs.length, 1)
  assert.ok(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'), errs[0])
  assert.ok(errs[0].includes('- restartPolicy: "Always"\n+ restartPolicy: "Never"'))
  const more = clone(old)
  more.spec!.containers.push({ name: 'b', image: 'y' })
  podsResource.defaults!(more)
  assert.deepEqual(podsResource.validateUpdate!(more, old).map(fieldErrorMessage), ['spec.containers: Forbidden: pod updates may not add or remove containers'])
  const tol = clone(old)
  tol.spec!.tolerations = [...(tol.spec!.tolerations ?? []), { key: 'k', operator: 'Exists' }]
  assert.deepEqual(podsResource.validateUpdate!(tol, old), [])
})

const cs = (c: Record<string, unknown>) => ({ name: 'web', image: 'x', imageID: '', ready: false, restartCount: 0, ...c })

test('table cells', () => {
  const base = created({ containers: [{ name: 'web', image: 'x' }] })
  const withStatus = (status: Record<string, unknown>, extra: (p: PodObj) => void = () => {}) => {
    const p = clone(base)
    ;(p as Record<string, unknown>).status = status
    extra(p)
    return podsResource.table.cells(p, now)
  }
  // Pending, never scheduled.
  assert.deepEqual(podsResource.table.cells(base, now), ['web', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>'])
  // Running and ready.
  assert.deepEqual(
    withStatus({ phase: 'Running', podIPs: [{ ip: '127.244.0.5' }], containerStatuses: [cs({ ready: true, state: { running: { startedAt: ago(300) } } })] }, (p) => { p.spec!.nodeName = 'node-1' }),
    ['web', '1/1', 'Running', '0', '10m', '127.244.0.5', 'node-1', '<none>', '<none>'],
  )
  // ContainerCreating and ErrImagePull come from the waiting reason.
  assert.equal(withStatus({ phase: 'Pending', containerStatuses: [cs({ state: { waiting: { reason: 'ContainerCreating' } } })] })[2], 'ContainerCreating')
  assert.equal(withStatus({ phase: 'Pending', containerStatuses: [cs({ state: { waiting: { reason: 'ErrImagePull' } } })] })[2], 'ErrImagePull')
  // CrashLoopBackOff with restarts and the time of the last one.
  assert.deepEqual(
    withStatus({
      phase: 'Running',
      containerStatuses: [cs({ restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } } })],
    }).slice(0, 4),
    ['web', '0/1', 'CrashLoopBackOff', '3 (5m ago)'],
  )
  // Completed, and a container killed by a signal without reason.
  assert.equal(withStatus({ phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { exitCode: 0, reason: 'Completed' } } })] })[2], 'Completed')
  assert.equal(withStatus({ phase: 'Running', containerStatuses: [cs({ state: { terminated: { exitCode: 137, signal: 9 } } })] })[2], 'Signal:9')
  // Terminating wins while deletion is pending.
  assert.equal(withStatus({ phase: 'Running', containerStatuses: [cs({ ready: true, state: { running: {} } })] }, (p) => { (p.metadata as Record<string, unknown>).deletionTimestamp = ago(-30) })[2], 'Terminating')
  // Init containers.
  const withInit = clone(base)
  withInit.spec!.initContainers = [{ name: 'init', image: 'x' }]
  ;(withInit as Record<string, unknown>).status = { phase: 'Pending', initContainerStatuses: [cs({ name: 'init', state: { running: {} } })], containerStatuses: [cs({ state: { waiting: { reason: 'PodInitializing' } } })] }
  assert.equal(podsResource.table.cells(withInit, now)[2], 'Init:0/1')
  ;(withInit as Record<string, unknown>).status = { phase: 'Pending', initContainerStatuses: [cs({ name: 'init', state: { terminated: { exitCode: 2 } } })] }
  assert.equal(podsResource.table.cells(withInit, now)[2], 'Init:ExitCode:2')
  // Readiness gates.
  assert.equal(withStatus({ phase: 'Running', conditions: [{ type: 'x/ok', status: 'True' }] }, (p) => { p.spec!.readinessGates = [{ conditionType: 'x/ok' }, { conditionType: 'x/no' }] })[8], '1/2')
})

test('columns and field selectors', () => {
  assert.deepEqual(podsResource.table.columns.map((c) => [c.name, c.type, c.priority]), [
    ['Name', 'string', 0], ['Ready', 'string', 0], ['Status', 'string', 0], ['Restarts', 'string', 0], ['Age', 'string', 0],
    ['IP', 'string', 1], ['Node', 'string', 1], ['Nominated Node', 'string', 1], ['Readiness Gates', 'string', 1],
  ])
  const pod = created({ containers: [{ name: 'a', image: 'x' }], nodeName: 'node-1' })
  const f = podsResource.fieldSelectors!
  assert.equal(f['spec.nodeName'](pod), 'node-1')
  assert.equal(f['status.phase'](pod), 'Pending')
  assert.equal(f['spec.hostNetwork'](pod), 'false')
  assert.equal(f['spec.serviceAccountName'](pod), 'default')
})

test('grace period', () => {
  const unscheduled = created({ containers: [{ name: 'a', image: 'x' }] })
  assert.equal(podsResource.gracePeriodSeconds!(unscheduled), 0)
  const scheduled = created({ containers: [{ name: 'a', image: 'x' }], nodeName: 'n', terminationGracePeriodSeconds: 5 })
  assert.equal(podsResource.gracePeriodSeconds!(scheduled), 5)
  const dflt = created({ containers: [{ name: 'a', image: 'x' }], nodeName: 'n' })
  assert.equal(podsResource.gracePeriodSeconds!(dflt), 30)
})
