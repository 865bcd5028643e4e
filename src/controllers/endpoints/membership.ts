// Which pods belong to which Service, over the shared pod and Service informers (indexed by
// namespace, so a sync looks only at its namespace's pods and a pod event wakes only the Services
// that select it, before or after the change). The Endpoints and EndpointSlice controllers each
// keep one; the caches under them are the process's one pair.
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import { selects, type PodObj, type ServiceObj } from './podutil.js'

export class ServicePodIndex {
  readonly pods: Informer<PodObj>
  readonly services: Informer<ServiceObj>
  /** `onService` is called with a Service key (`ns/name`) whenever its endpoints may need recomputing. */
  constructor(
    informers: InformerFactory,
    private readonly onService: (serviceKey: string) => void,
  ) {
    this.pods = informers.informer<PodObj>(gvrs.pods)
    this.services = informers.informer<ServiceObj>(gvrs.services)
    this.services.on({
      add: (s) => this.emit(objectKey(s)),
      update: (_, s) => this.emit(objectKey(s)),
      delete: (s) => this.emit(objectKey(s)),
    })
    this.pods.on({
      add: (p) => this.touch(p),
      update: (old, p) => this.touch(p, old),
      delete: (p) => this.touch(p),
    })
  }

  waitForSync(): Promise<void> {
    return Promise.all([this.pods.waitForSync(), this.services.waitForSync()]).then(() => undefined)
  }

  /** The pods in the Service's namespace that its selector matches. */
  podsOf(svc: ServiceObj): PodObj[] {
    return this.pods.byIndex('namespace', svc.metadata.namespace ?? '').filter((p) => selects(svc, p))
  }

  private emit(key: string): void {
    this.onService(key)
  }

  /** Wake the Services that select the pod now or selected it before. */
  private touch(p: PodObj, old?: PodObj): void {
    for (const s of this.services.byIndex('namespace', p.metadata.namespace ?? '')) {
      if (selects(s, p) || (old && selects(s, old))) this.emit(objectKey(s))
    }
  }
}
