import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTrafficPolicy } from '../apis/traffic/annotation.js'
import type { Backend } from './endpoints.js'
import { assignBackends } from './weights.js'

const ep = (n: number, pod: string): Backend => ({ key: `127.244.0.${n}:8080`, ip: `127.244.0.${n}`, port: 8080, pod: { namespace: 'default', name: pod } })
const labels: Record<string, Record<string, string>> = {
  s1: { app: 'web', version: 'stable' },
  s2: { app: 'web', version: 'stable' },
  c1: { app: 'web', version: 'canary' },
  x1: { app: 'web', version: 'canary', track: 'x' },
}
const podLabels = (_ns: string, name: string) => labels[name]
const groups = (bs: Backend[]) => bs.map((b) => `${b.group}:${b.pod?.name ?? b.key}`)

test('assignBackends: selector backends take matching pods, the rest backend what no selector claims', () => {
  const own = [ep(1, 's1'), ep(2, 's2'), ep(3, 'c1'), ep(4, 'unknown')]
  const policy = parseTrafficPolicy(JSON.stringify({ backends: [{ name: 'stable', weight: 90 }, { name: 'canary', selector: { version: 'canary' }, weight: 10 }] }))
  assert.deepEqual(groups(assignBackends(policy, own, () => undefined, podLabels)), ['0:s1', '0:s2', '0:unknown', '1:c1'])
})

test('assignBackends: a service backend takes the other Service endpoints, even the same pods as the rest', () => {
  const own = [ep(1, 's1'), ep(3, 'c1')]
  const canary = [ep(3, 'c1')]
  const policy = parseTrafficPolicy(JSON.stringify({ backends: [{ name: 'stable', weight: 1 }, { name: 'canary', service: 'web-canary', weight: 1 }] }))
  assert.deepEqual(groups(assignBackends(policy, own, (s) => (s === 'web-canary' ? canary : undefined), podLabels)), ['0:s1', '0:c1', '1:c1'])
  assert.deepEqual(groups(assignBackends(policy, own, () => undefined, podLabels)), ['0:s1', '0:c1'], 'an unknown Service: no endpoints for that backend')
})

test('assignBackends: overlapping selectors both take a pod; copies, never the inputs', () => {
  const own = [ep(3, 'c1'), ep(4, 'x1')]
  const policy = parseTrafficPolicy(JSON.stringify({ backends: [{ name: 'a', selector: { version: 'canary' }, weight: 1 }, { name: 'b', selector: { track: 'x' }, weight: 1 }, { name: 'rest', weight: 1 }] }))
  const out = assignBackends(policy, Object.freeze(own.map((b) => Object.freeze(b))) as Backend[], () => undefined, podLabels)
  assert.deepEqual(groups(out), ['0:c1', '0:x1', '1:x1'])
  assert.equal(own[0].group, undefined)
})
