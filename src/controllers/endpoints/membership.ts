// Which pods belong to which Service, kept by namespace so a sync lists only its namespace's pods
// and a pod event wakes only the Services that select it (before or after the change). Shared by
// the Endpoints and EndpointSlice controllers over one pair of informers.
import { Informer, objectKey } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { selects, type PodObj, type ServiceObj } from './podutil.js'

export class ServicePodIndex {
  readonly pods: Informer<PodObj>
  readonly services: Informer<ServiceObj>
  private readonly podsByNs = new Map<string, Map<string, PodObj>>()
  private readonly servicesByNs = new Map<string, Map<string, ServiceObj>>()
  private readonly listeners: ((serviceKey: string) => void)[] = []

  constructor(client: Client, onError?: (err: unknown) => void) {
    this.pods = new Informer<PodObj>(client.resource<PodObj>({ group: '', version: 'v1', resource: 'pods' }), { onError })
    this.services = new Informer<ServiceObj>(client.resource<ServiceObj>({ group: '', version: 'v1', resource: 'services' }), { onError })
    this.services.on({
      add: (s) => this.putService(s),
      update: (_, s) => this.putService(s),
      delete: (s) => {
        this.servicesByNs.get(s.metadata.namespace ?? '')?.delete(objectKey(s))
        this.emit(objectKey(s))
      },
    })
    this.pods.on({
      add: (p) => this.putPod(p),
      update: (old, p) => this.putPod(p, old),
      delete: (p) => {
        this.podsByNs.get(p.metadata.namespace ?? '')?.delete(objectKey(p))
        this.touch(p)
      },
    })
  }

  /** Called with a Service key (`ns/name`) whenever its endpoints may need recomputing. */
  onService(f: (serviceKey: string) => void): void {
    this.listeners.push(f)
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.start(signal), this.services.start(signal)])
  }

  waitForSync(): Promise<void> {
    return Promise.all([this.pods.waitForSync(), this.services.waitForSync()]).then(() => undefined)
  }

  /** The pods in the Service's namespace that its selector matches. */
  podsOf(svc: ServiceObj): PodObj[] {
    const out: PodObj[] = []
    for (const p of this.podsByNs.get(svc.metadata.namespace ?? '')?.values() ?? []) if (selects(svc, p)) out.push(p)
    return out
  }

  private emit(key: string): void {
    for (const f of this.listeners) f(key)
  }

  private putService(s: ServiceObj): void {
    const ns = s.metadata.namespace ?? ''
    let m = this.servicesByNs.get(ns)
    if (!m) this.servicesByNs.set(ns, (m = new Map()))
    m.set(objectKey(s), s)
    this.emit(objectKey(s))
  }

  private putPod(p: PodObj, old?: PodObj): void {
    const ns = p.metadata.namespace ?? ''
    let m = this.podsByNs.get(ns)
    if (!m) this.podsByNs.set(ns, (m = new Map()))
    m.set(objectKey(p), p)
    this.touch(p, old)
  }

  /** Wake the Services that select the pod now or selected it before. */
  private touch(p: PodObj, old?: PodObj): void {
    for (const [key, s] of this.servicesByNs.get(p.metadata.namespace ?? '') ?? []) {
      if (selects(s, p) || (old && selects(s, old))) this.emit(key)
    }
  }
}
