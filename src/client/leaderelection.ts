// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package with a
// LeaseLock (what kube-controller-manager and kube-scheduler run): try to acquire every retry
// period; the holder renews every retry period and gives up leading when it has not renewed for the
// renew deadline; another candidate takes over once the holder's renewTime is leaseDuration old (on
// its own clock, from when it last saw the record change). Writes are compare-and-swap on the
// Lease's resourceVersion, so two candidates never both win. On a clean stop the holder releases
// the Lease (ReleaseOnCancel), so a successor need not wait.
import type { StoredObject } from '../apis/meta.js'
import { sleepUnlessAborted } from '../lib/clock.js'
import { isAlreadyExists, isConflict, isNotFound } from './errors.js'
import type { Client } from './types.js'

const leasesGVR = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }

export interface LeaderElectionConfig {
  namespace: string
  name: string
  identity: string
  /** kube-controller-manager's defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number
  renewDeadlineMs?: number
  retryPeriodMs?: number
  now?: () => number
  onStartedLeading(signal: AbortSignal): void
  onStoppedLeading?(): void
  onNewLeader?(identity: string): void
  log?: { info(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void }
}

interface LeaseSpec {
  holderIdentity?: string
  leaseDurationSeconds?: number
  acquireTime?: string
  renewTime?: string
  leaseTransitions?: number
}
type Lease = StoredObject & { spec?: LeaseSpec }

/** metav1.MicroTime as it travels: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

const sleep = sleepUnlessAborted

export class LeaderElector {
  private readonly leaseMs: number
  private readonly renewMs: number
  private readonly retryMs: number
  private readonly now: () => number
  private observed: { spec: string; at: number; holder: string } | undefined
  private leading = false

  constructor(
    private readonly client: Client,
    private readonly cfg: LeaderElectionConfig,
  ) {
    this.leaseMs = cfg.leaseDurationMs ?? 15_000
    this.renewMs = cfg.renewDeadlineMs ?? 10_000
    this.retryMs = cfg.retryPeriodMs ?? 2_000
    this.now = cfg.now ?? Date.now
  }

  get isLeader(): boolean {
    return this.leading
  }

  /** Runs until `signal` aborts: acquire, lead (renewing), and after a lost lease, try again. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Acquire: every retry period, jittered as client-go's (×1.2 at most).
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) await sleep(this.retryMs * (1 + Math.random() * 0.2), signal)
      if (signal.aborted) break
      this.leading = true
      this.cfg.log?.info({ lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity }, 'leader election: acquired the lease')
      const lead = new AbortController()
      this.cfg.onStartedLeading(lead.signal)
      let renewed = this.now()
      while (!signal.aborted) {
        await sleep(this.retryMs, signal)
        if (signal.aborted) break
        if (await this.tryAcquireOrRenew()) renewed = this.now()
        else if (this.now() - renewed >= this.renewMs) break
      }
      this.leading = false
      lead.abort()
      this.cfg.onStoppedLeading?.()
      if (signal.aborted) {
        await this.release()
        break
      }
      this.cfg.log?.error({ lease: `${this.cfg.namespace}/${this.cfg.name}` }, 'leader election lost: controllers stopped until the lease is acquired again')
    }
  }

  /** One attempt (client-go's tryAcquireOrRenew); false on any failure. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const leases = this.client.resource<Lease>(leasesGVR)
    const { namespace, name, identity } = this.cfg
    const now = this.now()
    const durationS = Math.round(this.leaseMs / 1000)
    try {
      let current: Lease
      try {
        current = await leases.get(namespace, name)
      } catch (err) {
        if (!isNotFound(err)) throw err
        await leases.create(namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationS, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        })
        this.observe({ holderIdentity: identity }, now)
        return true
      }
      const spec = current.spec ?? {}
      this.observe(spec, now)
      const holder = spec.holderIdentity ?? ''
      const heldByOther = holder !== '' && holder !== identity
      const expiresAt = this.observed!.at + (spec.leaseDurationSeconds ?? durationS) * 1000
      if (heldByOther && expiresAt > now) return false
      const next: LeaseSpec = { ...spec, holderIdentity: identity, leaseDurationSeconds: durationS, renewTime: microTime(now) }
      if (holder !== identity) {
        next.acquireTime = microTime(now)
        next.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
      }
      await leases.update({ ...current, spec: next } as Lease)
      this.observe(next, now)
      return true
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) this.cfg.log?.error({ err: (err as Error).message, lease: `${namespace}/${name}` }, 'leader election: cannot read or write the lease')
      return false
    }
  }

  /** Gives the lease up (ReleaseOnCancel): holder empty, so the next candidate takes it at once. */
  private async release(): Promise<void> {
    const leases = this.client.resource<Lease>(leasesGVR)
    try {
      const current = await leases.get(this.cfg.namespace, this.cfg.name)
      if (current.spec?.holderIdentity !== this.cfg.identity) return
      const now = microTime(this.now())
      await leases.update({ ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } } as Lease)
    } catch {
      // The next candidate waits for the lease to run out instead.
    }
  }

  private observe(spec: LeaseSpec, now: number): void {
    const key = JSON.stringify(spec)
    if (this.observed?.spec === key) return
    const holder = spec.holderIdentity ?? ''
    if (holder && holder !== this.observed?.holder) this.cfg.onNewLeader?.(holder)
    this.observed = { spec: key, at: now, holder }
  }
}
