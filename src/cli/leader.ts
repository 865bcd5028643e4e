// Controllers and the scheduler under leader election when the state is in etcd: several
// `kubelite up` processes may then share one etcd, each serving the API, and only the holder of a
// Lease in kube-system runs them, as kube-controller-manager and kube-scheduler do (Leases
// `kube-controller-manager` and `kube-scheduler`; 15 s lease, 10 s renew deadline, 2 s retry). On
// the SQLite store (one process owns the file) they simply run.
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { hostname } from 'node:os'
import { LeaderElector } from '../client/leaderelection.js'
import type { Client } from '../client/types.js'
import type { Logger } from './up.js'

/** client-go's identity for a leader-election candidate: the host name and a UUID. */
export function leaderIdentity(): string {
  return `${hostname()}_${randomUUID()}`
}

/**
 * Runs `start` (which starts components and returns their run promises) while this process holds
 * the Lease `kube-system/<name>`, again after each re-acquisition; without election, once.
 * Resolves when `signal` aborts and everything started has stopped.
 */
export function runElected(
  opts: { elect: boolean; client: Client; name: string; identity: string; log: Logger },
  start: (signal: AbortSignal) => Promise<unknown>[],
  signal: AbortSignal,
): Promise<unknown> {
  if (!opts.elect) return Promise.allSettled(start(signal))
  const runs: Promise<unknown>[] = []
  const elector = new LeaderElector(opts.client, {
    namespace: 'kube-system',
    name: opts.name,
    identity: opts.identity,
    log: opts.log,
    onStartedLeading: (lead) => {
      setMaxListeners(0, lead) // every informer handler and queue of the controllers listens to it
      runs.push(...start(lead))
    },
  })
  return elector.run(signal).then(() => Promise.allSettled(runs))
}
