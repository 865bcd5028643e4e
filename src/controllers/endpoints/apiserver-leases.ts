// Several API servers on one store (an HA pair on etcd): the `kubernetes` Service must lead to one
// that is alive. Upstream's "lease" endpoint reconciler (--endpoint-reconciler-type=lease) has each
// kube-apiserver renew a 15 s lease every 10 s and lists the live ones in the Service's endpoints.
// kube-apiservers share one port; kubelite's pair members listen on different ports of one host,
// and the Service has one target port, so the endpoints name one live API server: each process
// renews a Lease of its own (kube-system/kube-apiserver-<hash>, label
// apiserver.kubernetes.io/identity=kube-apiserver, as kube-apiserver's identity leases, with its
// address in an annotation), and when the endpoints name none that is alive it writes itself there.
// A clean stop deletes its Lease, so another takes over at its next pass (at most 10 s); a crash
// after 15 s.
import { createHash } from 'node:crypto'
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import { microTime } from '../../client/leaderelection.js'
import type { Client } from '../../client/types.js'
import { kubernetesServiceEndpoints } from './kubernetes.js'

export interface ApiServerEndpoint {
  host: string
  port: number
}

export const apiServerIdentityLabel = 'apiserver.kubernetes.io/identity'
export const apiServerEndpointAnnotation = 'kubelite.io/apiserver-endpoint'

/**
 * Whether this API server must write itself into the endpoints: when they name nobody, or an API
 * server that is not among the live ones. Pure.
 */
export function planKubernetesEndpoint(self: ApiServerEndpoint, current: ApiServerEndpoint | undefined, live: ApiServerEndpoint[]): boolean {
  if (!current) return true
  const same = (a: ApiServerEndpoint, b: ApiServerEndpoint) => a.host === b.host && a.port === b.port
  if (same(current, self)) return false
  return !live.some((l) => same(l, current))
}

export interface ApiServerLeaseOptions extends ApiServerEndpoint {
  client: Client
  /** This process's identity (host name and a UUID). */
  identity: string
  clock?: () => Date
  intervalMs?: number
  ttlSeconds?: number
  onError?: (err: unknown) => void
}

const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
const endpointsGVR = { group: '', version: 'v1', resource: 'endpoints' }
const ns = 'kube-system'

/** Lease name: kube-apiserver-<hash of the identity>, as kube-apiserver names its identity lease. */
export function apiServerLeaseName(identity: string): string {
  return `kube-apiserver-${createHash('sha256').update(identity).digest('hex').slice(0, 26)}`
}

/** One pass: renew this server's Lease, then repoint the endpoints if they name no live server. */
export async function reconcileApiServerEndpoints(o: ApiServerLeaseOptions): Promise<boolean> {
  const now = (o.clock ?? (() => new Date()))()
  const ttl = o.ttlSeconds ?? 15
  const name = apiServerLeaseName(o.identity)
  const lc = o.client.resource(leases)
  const spec = { holderIdentity: o.identity, leaseDurationSeconds: ttl, renewTime: microTime(now.getTime()) }
  let mine: StoredObject | undefined
  try {
    mine = await lc.get(ns, name)
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  const annotations = { [apiServerEndpointAnnotation]: `${o.host}:${o.port}` }
  if (mine) await lc.update({ ...mine, spec: { ...(mine.spec as object), ...spec } })
  else await lc.create(ns, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns, labels: { [apiServerIdentityLabel]: 'kube-apiserver' }, annotations }, spec: { ...spec, acquireTime: spec.renewTime } })

  const live: ApiServerEndpoint[] = []
  for (const l of (await lc.list(ns, { labelSelector: `${apiServerIdentityLabel}=kube-apiserver` })).items) {
    const s = (l.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number }
    const addr = /^(.+):(\d+)$/.exec(l.metadata.annotations?.[apiServerEndpointAnnotation] ?? '')
    if (!addr || !s.renewTime) continue
    if (Date.parse(s.renewTime) + (s.leaseDurationSeconds ?? ttl) * 1000 > now.getTime()) live.push({ host: addr[1]!, port: Number(addr[2]) })
  }
  let current: ApiServerEndpoint | undefined
  try {
    const ep = (await o.client.resource(endpointsGVR).get('default', 'kubernetes')) as StoredObject & { subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number }[] }[] }
    const ip = ep.subsets?.[0]?.addresses?.[0]?.ip
    const port = ep.subsets?.[0]?.ports?.[0]?.port
    if (ip && port) current = { host: ip, port }
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  if (!planKubernetesEndpoint(o, current, live)) return false
  await kubernetesServiceEndpoints(o.client, { host: o.host, port: o.port })
  return true
}

/** Every `intervalMs` (10 s) until the signal aborts; then deletes this server's Lease. */
export async function runApiServerLeases(o: ApiServerLeaseOptions, signal: AbortSignal): Promise<void> {
  const interval = o.intervalMs ?? 10_000
  while (!signal.aborted) {
    try {
      await reconcileApiServerEndpoints(o)
    } catch (err) {
      o.onError?.(err)
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, interval)
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
  }
  await o.client
    .resource(leases)
    .delete(ns, apiServerLeaseName(o.identity))
    .catch(() => undefined)
}
