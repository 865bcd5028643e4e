import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyWatchEvents, listState, splitLines, type KubeObject, type WatchEvent } from './list.js'

const obj = (name: string, rv: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name, namespace: 'default', resourceVersion: rv }, ...extra })

test('a list becomes a state keyed by namespace/name, at the list resourceVersion', () => {
  const s = listState({ metadata: { resourceVersion: '10' }, items: [obj('a', '3'), obj('b', '7')] })
  assert.equal(s.resourceVersion, '10')
  assert.deepEqual([...s.items.keys()], ['default/a', 'default/b'])
  assert.equal(s.relist, false)
})

test('ADDED, MODIFIED and DELETED apply in order; the input state is not changed', () => {
  const s0 = listState({ metadata: { resourceVersion: '10' }, items: [obj('a', '3')] })
  const frozen = Object.freeze(s0)
  const s1 = applyWatchEvents(frozen, [
    { type: 'ADDED', object: obj('b', '11') },
    { type: 'MODIFIED', object: obj('a', '12', { spec: { replicas: 2 } }) },
    { type: 'DELETED', object: obj('b', '13') },
  ])
  assert.equal(s1.resourceVersion, '13')
  assert.deepEqual([...s1.items.keys()], ['default/a'])
  assert.deepEqual(s1.items.get('default/a')!.spec, { replicas: 2 })
  assert.equal(s0.items.get('default/a')!.metadata!.resourceVersion, '3', 'old state untouched')
  assert.equal(applyWatchEvents(s1, []), s1, 'no events: the same state')
})

test('a replayed older event does not go back in time (numeric resourceVersions, 9 < 10)', () => {
  const s = listState({ metadata: { resourceVersion: '10' }, items: [obj('a', '10', { v: 'new' })] })
  const after = applyWatchEvents(s, [{ type: 'MODIFIED', object: obj('a', '9', { v: 'old' }) }])
  assert.equal(after.items.get('default/a')!.v, 'new')
})

test('BOOKMARK moves the resourceVersion only; ERROR asks for a relist', () => {
  const s = listState<KubeObject>({ metadata: { resourceVersion: '10' }, items: [] })
  const b = applyWatchEvents(s, [{ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '42' } } }])
  assert.equal(b.resourceVersion, '42')
  assert.equal(b.items.size, 0)
  const e = applyWatchEvents(b, [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } } as WatchEvent])
  assert.equal(e.relist, true)
  assert.equal(e.resourceVersion, '42')
})

test('cluster-scoped objects are keyed by name', () => {
  const s = listState({ items: [{ metadata: { name: 'kube-system' } }] })
  assert.deepEqual([...s.items.keys()], ['kube-system'])
})

test('splitLines keeps an incomplete last line for the next chunk', () => {
  assert.deepEqual(splitLines('{"a":1}\n{"b":2}\n{"c"'), { lines: ['{"a":1}', '{"b":2}'], rest: '{"c"' })
  assert.deepEqual(splitLines('\n\n'), { lines: [], rest: '' })
})
