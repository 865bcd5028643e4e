// The eviction subresource with budgets (upstream eviction_test.go: TestEviction,
// TestEvictionIgnorePDB, TestEvictionDryRun, TestPDBUnhealthyPodEvictionPolicy), in-process.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiServer } from '../../api/server.js'
import { podEviction } from '../../api/subresources/eviction.js'
import type { StoredObject } from '../../apis/meta.js'
import { StatusError } from '../../apis/status.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { builtInResources } from '../index.js'
import { budgetsForPod, disruptionBudget } from './budget.js'

async function setup() {
  const store = new MemoryStore()
  const api = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:0' })
  await api.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
  const pods = api.resource('', 'pods')!
  const pdbs = api.resource('policy', 'poddisruptionbudgets')!
  const eviction = podEviction({ budget: disruptionBudget({ pdbs: () => pdbs, clock: () => new Date('2026-01-01T00:00:00Z') }), clock: () => new Date('2026-01-01T00:00:01Z') })
  const makePod = async (name: string, ready: boolean, phase = 'Running', nodeName?: string) => {
    await pods.create('default', { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause' }], ...(nodeName ? { nodeName } : {}) } })
    const p = await pods.get('default', name)
    await pods.update('default', name, { ...p, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' })
  }
  const makePdb = async (spec: Record<string, unknown>, status: Record<string, unknown>) => {
    const created = await pdbs.create('default', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } })
    await pdbs.update('default', 'web', { ...created, status: { observedGeneration: 1, ...status } }, { subresource: 'status' })
  }
  const evict = (name: string, dryRun: string[] = []) => eviction.evict(pods, 'default', name, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }, dryRun)
  const exists = async (name: string) => (await pods.list('default')).items.some((p: StoredObject) => p.metadata.name === name && !p.metadata.deletionTimestamp)
  return { pods, pdbs, makePod, makePdb, evict, exists, eviction }
}

/** An eviction with DeleteOptions. */
function podEvictionOf(t: Awaited<ReturnType<typeof setup>>, name: string, deleteOptions: Record<string, unknown>) {
  return t.eviction.evict(t.pods, 'default', name, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, deleteOptions })
}

async function refused(p: Promise<unknown>): Promise<StatusError['status']> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err))
    return err.status
  }
  assert.fail('the eviction was allowed')
}

describe('eviction with a PodDisruptionBudget', () => {
  it('refuses with 429 and upstream cause when no disruption is allowed', async () => {
    const t = await setup()
    await t.makePod('a', true)
    await t.makePdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 })
    const s = await refused(t.evict('a'))
    assert.equal(s.code, 429)
    assert.equal(s.reason, 'TooManyRequests')
    assert.equal(s.message, "Cannot evict pod as it would violate the pod's disruption budget.")
    assert.deepEqual(s.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }])
    assert.ok(await t.exists('a'))
  })

  it('allows one, records it in disruptedPods and lowers disruptionsAllowed', async () => {
    const t = await setup()
    await t.makePod('a', true)
    await t.makePod('b', true)
    await t.makePdb({ minAvailable: 1 }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 })
    const ok = await t.evict('a')
    assert.equal(ok.code, 201)
    const pdb = (await t.pdbs.get('default', 'web')) as StoredObject & { status: Record<string, any> }
    assert.deepEqual(pdb.status.disruptedPods, { a: '2026-01-01T00:00:00Z' })
    assert.equal(pdb.status.disruptionsAllowed, 0)
    assert.equal(pdb.status.conditions[0].reason, 'InsufficientPods')
    assert.equal((await refused(t.evict('b'))).code, 429)
  })

  it('dry run checks the budget without recording anything or deleting', async () => {
    const t = await setup()
    await t.makePod('a', true)
    await t.makePdb({ maxUnavailable: 1 }, { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 })
    await t.evict('a', ['All'])
    assert.ok(await t.exists('a'))
    const pdb = (await t.pdbs.get('default', 'web')) as StoredObject & { status: Record<string, any> }
    assert.equal(pdb.status.disruptionsAllowed, 1)
    assert.equal(pdb.status.disruptedPods, undefined)
  })

  it('a stale status (observedGeneration behind) answers 429 "still being processed"', async () => {
    const t = await setup()
    await t.makePod('a', true)
    await t.makePdb({ minAvailable: 0 }, { observedGeneration: 0, disruptionsAllowed: 5 })
    const s = await refused(t.evict('a'))
    assert.equal(s.code, 429)
    assert.equal(s.details?.retryAfterSeconds, 10)
    assert.deepEqual(s.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }])
  })

  it('unready pods: IfHealthyBudget lets them go only while the budget is met, AlwaysAllow always', async () => {
    const t = await setup()
    await t.makePod('sick', false)
    await t.makePdb({ minAvailable: 2 }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 })
    assert.equal((await refused(t.evict('sick'))).code, 429)
    const pdb = await t.pdbs.get('default', 'web')
    await t.pdbs.update('default', 'web', { ...pdb, spec: { ...(pdb.spec as object), unhealthyPodEvictionPolicy: 'AlwaysAllow' } })
    assert.equal((await t.evict('sick')).code, 201)
    assert.equal(await t.exists('sick'), false)
  })

  it('pending and finished pods skip the budget', async () => {
    const t = await setup()
    await t.makePod('p', false, 'Pending')
    await t.makePdb({ minAvailable: 5 }, { disruptionsAllowed: 0 })
    assert.equal((await t.evict('p')).code, 201)
  })

  it('an evicted pod carries DisruptionTarget (EvictionByEvictionAPI) while it terminates, written before the delete', async () => {
    const t = await setup()
    await t.makePod('a', true, 'Running', 'n1') // on a node: graceful, so it stays Terminating
    await t.makePdb({ minAvailable: 0 }, { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 })
    const seen: string[] = []
    const ac = new AbortController()
    const watching = (async () => {
      for await (const ev of t.pods.watch('default', { resourceVersion: (await t.pods.get('default', 'a')).metadata.resourceVersion! }, ac.signal)) {
        const p = ev.object as StoredObject & { status?: { conditions?: { type: string }[] } }
        seen.push(`${p.metadata.deletionTimestamp ? 'deleting' : 'live'}:${(p.status?.conditions ?? []).map((c) => c.type).join(',')}`)
        if (p.metadata.deletionTimestamp) break
      }
    })()
    assert.equal((await t.evict('a')).code, 201)
    await watching
    ac.abort()
    // First the status update with the condition, then the delete.
    assert.deepEqual(seen, ['live:Ready,DisruptionTarget', 'deleting:Ready,DisruptionTarget'])
    const pod = (await t.pods.get('default', 'a')) as StoredObject & { status: { conditions: Record<string, unknown>[] } }
    assert.deepEqual(pod.status.conditions.find((c) => c.type === 'DisruptionTarget'), {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
      lastTransitionTime: '2026-01-01T00:00:01Z',
    })
  })

  it('a pod a budget never sees (Pending) is marked too; a dry run marks nothing', async () => {
    const t = await setup()
    await t.makePod('p', false, 'Pending', 'n1')
    await t.makePod('q', true, 'Running', 'n1')
    await t.evict('q', ['All'])
    const q = (await t.pods.get('default', 'q')) as StoredObject & { status: { conditions: { type: string }[] } }
    assert.deepEqual(q.status.conditions.map((c) => c.type), ['Ready'])
    assert.equal(q.metadata.deletionTimestamp, undefined)
    await t.evict('p')
    const p = (await t.pods.get('default', 'p')) as StoredObject & { status: { conditions: { type: string; reason?: string }[] } }
    assert.equal(p.status.conditions.find((c) => c.type === 'DisruptionTarget')?.reason, 'EvictionByEvictionAPI')
    assert.ok(p.metadata.deletionTimestamp)
  })

  it('a stale resourceVersion precondition is a 409 before anything is written', async () => {
    const t = await setup()
    await t.makePod('a', true, 'Running', 'n1')
    const s = await refused(podEvictionOf(t, 'a', { preconditions: { resourceVersion: '1' } }))
    assert.equal(s.code, 409)
    assert.match(s.message ?? '', /the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record/)
    const a = (await t.pods.get('default', 'a')) as StoredObject & { status: { conditions: { type: string }[] } }
    assert.deepEqual(a.status.conditions.map((c) => c.type), ['Ready'])
  })

  it('two budgets over one pod: 500 with upstream message', async () => {
    const t = await setup()
    await t.makePod('a', true)
    await t.makePdb({ minAvailable: 0 }, { disruptionsAllowed: 1 })
    await t.pdbs.create('default', { metadata: { name: 'other' }, spec: { selector: { matchLabels: { app: 'web' } } } })
    const s = await refused(t.evict('a'))
    assert.equal(s.code, 500)
    assert.equal(s.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
  })
})

describe('budgetsForPod', () => {
  it('an empty or nil selector matches nothing here', () => {
    const pod = { metadata: { name: 'a', namespace: 'default', labels: { app: 'web' } } }
    const b = (selector: unknown, namespace = 'default') => ({ metadata: { name: 'x', namespace }, spec: { selector } }) as never
    assert.equal(budgetsForPod([b({}), b(undefined), b({ matchLabels: { app: 'web' } }, 'other')], pod).length, 0)
    assert.equal(budgetsForPod([b({ matchLabels: { app: 'web' } })], pod).length, 1)
  })
})
