// Table-style cases after structured-merge-diff's merge tests (leaf, set, nested, multiple
// appliers), played on a Deployment.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ApplyConflictError, ApplyError } from './errors.js'
import { applyStep, deployment, owners, specOf, updateStep } from './harness.js'

const spec = (s: Record<string, unknown>): Record<string, unknown> => deployment(s)

describe('serverSideApply: leaf fields', () => {
  it('apply twice: the second configuration wins and owns what it lists', () => {
    let obj = applyStep(undefined, spec({ replicas: 1, minReadySeconds: 5 }), 'default')
    obj = applyStep(obj, spec({ replicas: 2, minReadySeconds: 5, paused: false }), 'default')
    assert.deepEqual(specOf(obj), { replicas: 2, minReadySeconds: 5, paused: false })
    assert.deepEqual(owners(obj), { default: { 'f:spec': { 'f:minReadySeconds': {}, 'f:paused': {}, 'f:replicas': {} } } })
  })

  it('apply twice with a field removed: the field goes away', () => {
    let obj = applyStep(undefined, spec({ replicas: 1, minReadySeconds: 5, paused: false }), 'default')
    obj = applyStep(obj, spec({ minReadySeconds: 7 }), 'default')
    assert.deepEqual(specOf(obj), { minReadySeconds: 7 })
    assert.deepEqual(owners(obj), { default: { 'f:spec': { 'f:minReadySeconds': {} } } })
  })

  it('apply, update, apply: no conflict when the updater only added a field', () => {
    let obj = applyStep(undefined, spec({ replicas: 1, minReadySeconds: 5 }), 'default')
    obj = updateStep(obj, { ...obj, spec: { replicas: 1, minReadySeconds: 5, paused: true } }, 'controller')
    obj = applyStep(obj, spec({ replicas: 2, minReadySeconds: 5 }), 'default')
    assert.deepEqual(specOf(obj), { replicas: 2, minReadySeconds: 5, paused: true })
    assert.deepEqual(owners(obj), {
      default: { 'f:spec': { 'f:minReadySeconds': {}, 'f:replicas': {} } },
      'controller:Update': { 'f:spec': { 'f:paused': {} } },
    })
  })

  it('apply, update, apply: a conflict, then force takes the field over', () => {
    let obj = applyStep(undefined, spec({ replicas: 1, minReadySeconds: 5 }), 'default')
    obj = updateStep(obj, { ...obj, spec: { replicas: 1, minReadySeconds: 9, paused: true } }, 'controller')
    const again = spec({ replicas: 2, minReadySeconds: 6 })
    assert.throws(
      () => applyStep(obj, again, 'default'),
      (err: unknown) => {
        assert.ok(err instanceof ApplyConflictError)
        assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "controller" using apps/v1: .spec.minReadySeconds')
        assert.equal(err.code, 409)
        assert.deepEqual(err.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "controller" using apps/v1', field: '.spec.minReadySeconds' }])
        return true
      },
    )
    obj = applyStep(obj, again, 'default', { force: true })
    assert.deepEqual(specOf(obj), { replicas: 2, minReadySeconds: 6, paused: true })
    assert.deepEqual(owners(obj), {
      default: { 'f:spec': { 'f:minReadySeconds': {}, 'f:replicas': {} } },
      'controller:Update': { 'f:spec': { 'f:paused': {} } },
    })
  })

  it('a field an updater took over is not pruned when the applier drops it', () => {
    let obj = applyStep(undefined, spec({ replicas: 2 }), 'default')
    obj = updateStep(obj, { ...obj, spec: { replicas: 1 } }, 'controller')
    obj = applyStep(obj, deployment(), 'default')
    assert.deepEqual(specOf(obj), { replicas: 1 })
    assert.deepEqual(owners(obj), { 'controller:Update': { 'f:spec': { 'f:replicas': {} } } })
  })

  it('two appliers share a field with the same value; it stays until both drop it', () => {
    let obj = applyStep(undefined, spec({ replicas: 3, paused: false }), 'a')
    obj = applyStep(obj, spec({ replicas: 3 }), 'b')
    assert.deepEqual(owners(obj), { a: { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } }, b: { 'f:spec': { 'f:replicas': {} } } })
    obj = applyStep(obj, spec({ paused: false }), 'a')
    assert.equal(specOf(obj).replicas, 3)
    obj = applyStep(obj, deployment(), 'b')
    assert.deepEqual(specOf(obj), { paused: false })
    assert.deepEqual(owners(obj), { a: { 'f:spec': { 'f:paused': {} } } })
  })

  it('several conflicts are grouped by manager, sorted', () => {
    let obj = applyStep(undefined, spec({ replicas: 1, minReadySeconds: 1, paused: false }), 'zeta')
    obj = updateStep(obj, { ...obj, spec: { replicas: 1, minReadySeconds: 2, paused: true } }, 'alpha')
    assert.throws(
      () => applyStep(obj, spec({ replicas: 5, minReadySeconds: 3, paused: false }), 'me'),
      (err: unknown) => {
        assert.ok(err instanceof ApplyConflictError)
        assert.equal(
          err.message,
          'Apply failed with 3 conflicts: conflicts with "alpha" using apps/v1:\n- .spec.minReadySeconds\n- .spec.paused\nconflicts with "zeta":\n- .spec.replicas',
        )
        assert.deepEqual(
          err.causes.map((c) => `${c.message} ${c.field}`),
          ['conflict with "alpha" using apps/v1 .spec.minReadySeconds', 'conflict with "alpha" using apps/v1 .spec.paused', 'conflict with "zeta" .spec.replicas'],
        )
        return true
      },
    )
  })
})

describe('serverSideApply: lists and maps', () => {
  const containers = (cs: unknown[]): Record<string, unknown> => spec({ template: { spec: { containers: cs } } })
  const containersOf = (obj: Record<string, unknown>): unknown => (specOf(obj) as { template: { spec: { containers: unknown } } }).template.spec.containers

  it('merges containers by name and keeps another manager\'s container', () => {
    let obj = applyStep(undefined, containers([{ name: 'web', image: 'nginx:1' }]), 'default')
    obj = applyStep(obj, containers([{ name: 'sidecar', image: 'envoy' }]), 'mesh')
    obj = applyStep(obj, containers([{ name: 'web', image: 'nginx:2' }]), 'default')
    assert.deepEqual(containersOf(obj), [
      { name: 'web', image: 'nginx:2' },
      { name: 'sidecar', image: 'envoy' },
    ])
    assert.deepEqual(owners(obj).mesh, {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    })
  })

  it('removes a container the applier no longer lists, but not a field another manager set on it', () => {
    let obj = applyStep(undefined, containers([{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }]), 'default')
    obj = applyStep(obj, containers([{ name: 'a', image: 'x' }]), 'default')
    assert.deepEqual(containersOf(obj), [{ name: 'a', image: 'x' }])
  })

  it('follows the applied order for items both lists have', () => {
    let obj = applyStep(undefined, containers([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), 'default')
    obj = applyStep(obj, containers([{ name: 'c' }, { name: 'b' }, { name: 'a' }]), 'default')
    assert.deepEqual(containersOf(obj), [{ name: 'c' }, { name: 'b' }, { name: 'a' }])
  })

  it('set lists (finalizers): items are owned one by one', () => {
    let obj = applyStep(undefined, deployment(undefined, { finalizers: ['a.io/x'] }), 'one')
    obj = applyStep(obj, deployment(undefined, { finalizers: ['b.io/y'] }), 'two')
    assert.deepEqual(obj.metadata?.finalizers, ['a.io/x', 'b.io/y'])
    assert.deepEqual(owners(obj).two, { 'f:metadata': { 'f:finalizers': { 'v:"b.io/y"': {} } } })
    obj = applyStep(obj, deployment(), 'one')
    assert.deepEqual(obj.metadata?.finalizers, ['b.io/y'])
  })

  it('atomic lists are owned whole: a different value is a conflict', () => {
    const withArgs = (args: string[]): Record<string, unknown> => containers([{ name: 'web', args }])
    const obj = applyStep(undefined, withArgs(['--a']), 'one')
    assert.throws(() => applyStep(obj, withArgs(['--b']), 'two'), {
      message: 'Apply failed with 1 conflict: conflict with "one": .spec.template.spec.containers[name="web"].args',
    })
    const forced = applyStep(obj, withArgs(['--b']), 'two', { force: true })
    assert.deepEqual(containersOf(forced), [{ name: 'web', args: ['--b'] }])
  })

  it('atomic maps (selector) are owned whole; granular maps (labels) key by key', () => {
    let obj = applyStep(undefined, deployment({ selector: { matchLabels: { app: 'web' } } }, { labels: { app: 'web' } }), 'one')
    obj = applyStep(obj, deployment(undefined, { labels: { tier: 'front' } }), 'two')
    assert.deepEqual(obj.metadata?.labels, { app: 'web', tier: 'front' })
    assert.deepEqual(owners(obj).one, { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:selector': {} } })
    obj = applyStep(obj, deployment({ selector: { matchLabels: { app: 'web' } } }), 'one')
    assert.deepEqual(obj.metadata?.labels, { tier: 'front' })
  })

  it('a list-map key field missing from an item takes its schema default (protocol TCP)', () => {
    const obj = applyStep(undefined, containers([{ name: 'web', ports: [{ containerPort: 80 }] }]), 'one')
    const both = applyStep(obj, containers([{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] }]), 'two')
    assert.deepEqual(containersOf(both), [{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] }])
    const port = (o: typeof both, m: string): unknown =>
      (owners(o)[m] as any)['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['f:ports']['k:{"containerPort":80,"protocol":"TCP"}']
    assert.deepEqual(port(both, 'one'), { '.': {}, 'f:containerPort': {} })
    assert.deepEqual(port(both, 'two'), { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} })
  })
})

describe('serverSideApply: objects nobody tracked, and errors', () => {
  it('gives an untracked object\'s fields to "before-first-apply"', () => {
    const live = deployment({ replicas: 3, paused: true })
    assert.throws(() => applyStep(live, spec({ replicas: 4 }), 'me'), {
      message: 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    })
    const obj = applyStep(live, spec({ replicas: 3 }), 'me')
    assert.deepEqual(owners(obj), {
      me: { 'f:spec': { 'f:replicas': {} } },
      'before-first-apply:Update': { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } },
    })
  })

  it('rejects a body of another kind or version, and managedFields in the body', () => {
    const check = (body: unknown, message: string, code = 400): void =>
      assert.throws(
        () => applyStep(undefined, body, 'me'),
        (err: unknown) => err instanceof ApplyError && err.message === message && err.code === code,
      )
    check({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web' } }, 'invalid object type: apps/v1, Kind=ReplicaSet')
    check({ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'web' } }, 'invalid object type: /v1, Kind=Deployment')
    check({ metadata: { name: 'web' } }, 'invalid object type: /, Kind=')
    check({ ...spec({}), metadata: { name: 'web', managedFields: [] } }, 'metadata.managedFields must be nil')
  })

  it('rejects duplicates and unknown fields with upstream messages, as a 400 (upstream: a 500)', () => {
    const dup = spec({ template: { spec: { containers: [{ name: 'c' }, { name: 'c' }] } } })
    assert.throws(
      () => applyStep(undefined, dup, 'me'),
      (err: unknown) =>
        err instanceof ApplyError &&
        err.code === 400 &&
        err.reason === 'BadRequest' &&
        err.message === 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="c"]',
    )
    assert.throws(() => applyStep(undefined, spec({ bogus: 1, replicas: 'x' }), 'me'), {
      message:
        'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n' +
        '  .spec.bogus: field not declared in schema\n' +
        '  .spec.replicas: expected numeric (int or float), got string',
    })
  })
})
