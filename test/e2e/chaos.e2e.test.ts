// The short chaos soak run in CI: three rounds of a rolling update or scaling interrupted by
// SIGKILL or SIGTERM of `kubelite up`, under writes and NodePort traffic (test/e2e/chaos-soak.ts).
// The longer soak with its figures: bench/chaos.bench.ts. KUBELITE_CHAOS_SEED replays a run.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, type Cluster } from './harness.js'
import { soak } from './chaos-soak.js'

let c: Cluster
before(async () => {
  c = await startCluster()
})
after(async () => {
  await c?.destroy()
})

test('kill -9 and SIGTERM during rollouts lose no write, leave the right pods and drop no request while up', async () => {
  const seed = Number(process.env.KUBELITE_CHAOS_SEED ?? Date.now() % 100_000)
  const r = await soak(c, { rounds: 3, seed, log: (m) => console.log(`chaos (seed ${seed}): ${m}`) })
  console.log(`chaos (seed ${seed}): ${r.requestsOk} requests answered, ${r.requestsWhileDown} refused while down, ${r.requestsWithoutEndpoint} with no ready endpoint; ${r.writesAcknowledged} writes acknowledged`)
  assert.equal(r.rounds.length, 3)
  assert.ok(r.writesAcknowledged > 0, 'the writer got answers')
  assert.ok(r.requestsOk > 0, 'the traffic got answers')
  assert.deepEqual(r.writesLost, [], 'acknowledged writes lost')
  assert.deepEqual(r.invariantBreaks, [], 'pods or processes wrong after a restart')
  assert.deepEqual(r.requestsFailedWhileUp, [], 'requests failed while kubelite was up')
})
