// The chaos soak with its figures: `kubelite up` killed (SIGKILL) or stopped (SIGTERM) at random
// moments of rolling updates and scaling, under writes and NodePort traffic, then started again on
// the same data dir, round after round (test/e2e/chaos-soak.ts). The invariants are goals of zero:
// acknowledged writes lost, wrong pods or container processes after a restart, requests failed
// while kubelite was up with a ready endpoint. Also: how long kubelite was down, how long the
// Deployment took to settle after each restart.
//
//   npm run build && node --import tsx bench/chaos.bench.ts [--quick] [--rounds N] [--seed S]
import { dist, guarded, progress, report, secs } from './lib.js'
import { startCluster, type Cluster } from '../test/e2e/harness.js'
import { soak, type SoakReport } from '../test/e2e/chaos-soak.js'

const argv = process.argv.slice(2)
const arg = (name: string) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const quick = argv.includes('--quick')
const rounds = Number(arg('--rounds') ?? (quick ? 3 : 12))
const seed = Number(arg('--seed') ?? Date.now() % 100_000)

const r = report(`Seed ${seed} (replay with --seed ${seed}). Down: from the signal to the restarted server's ready line (SIGTERM includes its clean shutdown). Settled: from ready to the Deployment complete with only its pods and one container process each.`)
let cluster: Cluster | undefined
let result: SoakReport | undefined

function figures(res: SoakReport): void {
  const kills = res.rounds.filter((x) => x.signal === 'SIGKILL')
  const terms = res.rounds.filter((x) => x.signal === 'SIGTERM')
  r.info('rounds (SIGKILL / SIGTERM)', `${res.rounds.length} (${kills.length} / ${terms.length})`)
  r.info('writes acknowledged', String(res.writesAcknowledged))
  r.upper('acknowledged writes lost', res.writesLost.length, 1, (x) => x.toFixed(0))
  r.upper('rounds with wrong pods or processes', res.invariantBreaks.length, 1, (x) => x.toFixed(0))
  r.info('requests answered', String(res.requestsOk))
  r.upper('requests failed while up with a ready endpoint', res.requestsFailedWhileUp.length, 1, (x) => x.toFixed(0))
  r.info('requests refused while kubelite was down', String(res.requestsWhileDown))
  r.info('requests failed with no ready endpoint (pods restarting)', String(res.requestsWithoutEndpoint))
  if (kills.length) r.info('down after SIGKILL', dist(kills.map((x) => x.downMs)))
  if (terms.length) r.info('down after SIGTERM', dist(terms.map((x) => x.downMs)))
  r.info('settled after restart', dist(res.rounds.map((x) => x.convergeMs)))
  r.info('whole soak', secs(res.rounds.reduce((a, x) => a + x.downMs + x.convergeMs, 0)))
  for (const b of res.invariantBreaks) r.notes.push(`invariant: ${b}`)
  for (const f of res.requestsFailedWhileUp.slice(0, 10)) r.notes.push(`failed while up: ${f}`)
  if (res.writesLost.length) r.notes.push(`lost writes: ${res.writesLost.join(', ')}`)
}

await guarded(
  {
    deadlineMs: (60 + rounds * 60) * 1000,
    cleanup: async () => {
      await cluster?.destroy().catch((err: Error) => r.notes.push(err.message))
    },
    onTimeout: () => (result ? figures(result) : undefined, r.printTable()),
  },
  async () => {
    cluster = await startCluster()
    progress(`chaos soak: ${rounds} rounds, seed ${seed}`)
    result = await soak(cluster, { rounds, seed, log: progress })
    figures(result)
    r.printTable()
  },
)
