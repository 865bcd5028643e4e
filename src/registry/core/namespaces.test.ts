import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { clone } from '../../apis/meta.js'
import { namespacesResource as d, type NamespaceObj } from './namespaces.js'

const now = new Date('2025-01-01T12:00:00Z')

function created(extra: Record<string, unknown> = {}): NamespaceObj {
  const ns = { metadata: { name: 'team-a', creationTimestamp: '2025-01-01T11:00:00Z' }, ...extra } as unknown as NamespaceObj
  d.defaults!(ns)
  d.prepareForCreate!(ns)
  return ns
}

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames, d.categories, d.hasStatus], ['Namespace', 'namespaces', 'namespace', false, ['ns'], undefined, true])
  assert.equal(d.nameValidator('Team').length, 1)
  assert.equal(d.nameValidator('a.b').length, 1)
})

test('create: label, finalizer, Active', () => {
  const ns = created({ metadata: { name: 'team-a', labels: { env: 'dev' } } })
  assert.deepEqual(ns.metadata.labels, { env: 'dev', 'kubernetes.io/metadata.name': 'team-a' })
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] })
  assert.deepEqual(ns.status, { phase: 'Active' })
  assert.deepEqual(d.validate!(ns), [])
})

test('update keeps spec.finalizers and the name label', () => {
  const old = created()
  const next = clone(old)
  next.spec = { finalizers: [] }
  next.metadata.labels = {}
  d.defaults!(next)
  d.prepareForUpdate!(next, old)
  assert.deepEqual(next.spec, { finalizers: ['kubernetes'] })
  assert.equal(next.metadata.labels!['kubernetes.io/metadata.name'], 'team-a')
  assert.deepEqual(d.pendingFinalizers!(next), ['kubernetes'])
  d.prepareForDelete!(next)
  assert.equal(next.status?.phase, 'Terminating')
})

test('finalizer names', () => {
  const ns = created({ spec: { finalizers: ['custom'] } })
  assert.deepEqual(d.validate!(ns).map(fieldErrorMessage), ['spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'])
})

test('table', () => {
  assert.deepEqual(d.table.columns.map((c) => c.name), ['Name', 'Status', 'Age'])
  assert.deepEqual(d.table.cells(created(), now), ['team-a', 'Active', '60m'])
  assert.equal(d.fieldSelectors!['status.phase'](created()), 'Active')
})
