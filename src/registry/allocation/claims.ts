// Service ClusterIPs and NodePorts claimed in the store, so that several API servers sharing one
// store (an HA pair on one etcd) never hand the same value to two Services.
//
// Each value handed out is a record of its own, created with create-if-absent: of two API servers
// that pick the same value at the same moment, exactly one create succeeds. This is upstream's
// MultiCIDRServiceAllocator design (one IPAddress object per ClusterIP, key
// /registry/ipaddresses/<ip>, spec.parentRef naming the Service), used here for node ports too
// (/registry/servicenodeports/<port>): upstream 1.32 keeps node ports in one RangeAllocation bitmap
// (/registry/ranges/servicenodeports) updated with compare-and-swap and cleans leaks with a repair
// loop minutes later; a record per value names its owner, so a stale one is recognised at once.
//
// A record outlives the write that claimed it: it stands while its Service holds the value. It is
// stale (anyone may delete it, with compare-and-swap on its revision, and claim the value) when:
//   - its Service (same uid) is in the store without the value, and the write that claimed it has
//     landed (for a create: the Service is there; for an update: its resourceVersion moved on);
//   - its Service is gone and its DELETE released the record (admission marks it), or
//   - the claiming write never showed up within `pendingTtlMs` (the write failed, or the Service was
//     deleted without passing admission).
// Records are not served by the API; `etcdctl get --prefix /registry/ipaddresses/` shows them.
import { isStoreError, type KeyValue, type Store } from '../../store/types.js'
import { isObj } from '../../lib/guards.js'
import { heldValues, type ServiceLike } from './allocator.js'

export type ClaimKind = 'ip' | 'port'

/** The Service a value is claimed for. */
export interface ClaimOwner {
  uid: string
  namespace?: string
  name?: string
  /** For an update: the resourceVersion it updates (absent: a create). */
  resourceVersion?: string
}

export interface ClaimsOptions {
  store: Store
  /** The live Service (or undefined), read from the store. */
  getService(namespace: string, name: string): Promise<ServiceLike | undefined>
  clock?: () => number
  /** How long a claim waits for its write to show up. Default 30 s. */
  pendingTtlMs?: number
}

const ownerUid = 'kubelite.io/owner-uid'
const ownerRV = 'kubelite.io/owner-resource-version'
const pendingUntil = 'kubelite.io/pending-until'
const released = 'kubelite.io/released'

interface ClaimRecord {
  apiVersion: string
  kind: string
  metadata: { name: string; labels?: Record<string, string>; annotations: Record<string, string>; creationTimestamp: string }
  spec: { parentRef: { group: string; resource: string; namespace: string; name: string } }
}

export function claimKey(kind: ClaimKind, value: string | number): string {
  return kind === 'ip' ? `/registry/ipaddresses/${value}` : `/registry/servicenodeports/${value}`
}

export class StoreClaims {
  private readonly clock: () => number
  private readonly ttl: number

  constructor(private readonly opts: ClaimsOptions) {
    this.clock = opts.clock ?? Date.now
    this.ttl = opts.pendingTtlMs ?? 30_000
  }

  private record(kind: ClaimKind, value: string | number, owner: ClaimOwner): string {
    const now = this.clock()
    const annotations: Record<string, string> = { [ownerUid]: owner.uid, [pendingUntil]: new Date(now + this.ttl).toISOString() }
    if (owner.resourceVersion) annotations[ownerRV] = owner.resourceVersion
    const rec: ClaimRecord = {
      ...(kind === 'ip'
        ? { apiVersion: 'networking.k8s.io/v1beta1', kind: 'IPAddress', metadata: { name: String(value), labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' }, annotations, creationTimestamp: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') } }
        : { apiVersion: 'kubelite.io/v1', kind: 'ServiceNodePort', metadata: { name: String(value), annotations, creationTimestamp: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') } }),
      spec: { parentRef: { group: '', resource: 'services', namespace: owner.namespace ?? '', name: owner.name ?? '' } },
    }
    return JSON.stringify(rec)
  }

  /**
   * Claim `value` for `owner`. Returns the claim's revision, or undefined when another live
   * Service (or a write in flight) holds it.
   */
  async claim(kind: ClaimKind, value: string | number, owner: ClaimOwner): Promise<number | undefined> {
    const key = claimKey(kind, value)
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return (await this.opts.store.create(key, this.record(kind, value, owner))).modRevision
      } catch (err) {
        if (!isStoreError(err, 'AlreadyExists')) throw err
      }
      const cur = await this.opts.store.get(key)
      if (!cur) continue // deleted meanwhile: create again
      const rec = parse(cur)
      try {
        if (rec && rec.metadata.annotations[ownerUid] === owner.uid) {
          // The same Service claims it again (an update): the record now waits for this write.
          return (await this.opts.store.update(key, this.record(kind, value, owner), cur.modRevision)).modRevision
        }
        if (rec && !(await this.stale(kind, value, rec))) return undefined
        await this.opts.store.delete(key, cur.modRevision)
      } catch (err) {
        if (isStoreError(err, 'Conflict') || isStoreError(err, 'NotFound')) continue // someone else moved first: look again
        throw err
      }
    }
    return undefined
  }

  private async stale(kind: ClaimKind, value: string | number, rec: ClaimRecord): Promise<boolean> {
    const a = rec.metadata.annotations
    const expired = !(Date.parse(a[pendingUntil] ?? '') > this.clock())
    const ref = rec.spec.parentRef
    const svc = ref.name ? await this.opts.getService(ref.namespace, ref.name) : undefined
    if (svc && svc.metadata.uid === a[ownerUid]) {
      const held = heldValues(svc.spec)
      if (kind === 'ip' ? held.ips.includes(String(value)) : held.ports.includes(Number(value))) return false
      const landed = a[ownerRV] === undefined || svc.metadata.resourceVersion !== a[ownerRV]
      return landed || expired
    }
    return a[released] === 'true' || expired
  }

  /** Give back a claim made by a call that failed later (only if nobody changed it since). */
  async unclaim(kind: ClaimKind, value: string | number, revision: number): Promise<void> {
    try {
      await this.opts.store.delete(claimKey(kind, value), revision)
    } catch (err) {
      if (!isStoreError(err, 'Conflict') && !isStoreError(err, 'NotFound')) throw err
    }
  }

  /**
   * The Service with this uid is being deleted: mark its records released, so that its values can
   * be claimed again as soon as it is gone (a failed DELETE leaves the Service holding them, and a
   * held value is never stale).
   */
  async release(uid: string, spec: unknown): Promise<void> {
    const held = heldValues(spec)
    const keys = [...held.ips.map((ip) => claimKey('ip', ip)), ...held.ports.map((p) => claimKey('port', p))]
    await Promise.all(
      keys.map(async (key) => {
        const cur = await this.opts.store.get(key)
        const rec = cur && parse(cur)
        if (!cur || !rec || rec.metadata.annotations[ownerUid] !== uid) return
        rec.metadata.annotations[released] = 'true'
        try {
          await this.opts.store.update(key, JSON.stringify(rec), cur.modRevision)
        } catch (err) {
          if (!isStoreError(err, 'Conflict') && !isStoreError(err, 'NotFound')) throw err
        }
      }),
    )
  }
}

function parse(kv: KeyValue): ClaimRecord | undefined {
  try {
    const v: unknown = JSON.parse(kv.value)
    if (isObj(v) && isObj(v.metadata) && isObj(v.metadata.annotations) && isObj(v.spec) && isObj(v.spec.parentRef)) return v as unknown as ClaimRecord
  } catch {
    // not a record of ours: treated as stale below
  }
  return undefined
}
