// The root CA certificate publisher (upstream pkg/controller/certificates/rootcacertpublisher):
// every namespace has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster's CA, so pods
// can verify the API server (the service-account token volume projects it as ca.crt). A ConfigMap
// deleted or changed by hand is put back.
import type { ConfigMap } from 'kubernetes-types/core/v1.js'
import { clone, type StoredObject } from '../../apis/meta.js'
import { isAlreadyExists, isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'

export const rootCAConfigMapName = 'kube-root-ca.crt'
export const rootCADescription =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.'

type ConfigMapObj = StoredObject & ConfigMap

/** The ConfigMap a namespace should have; pure. */
export function planRootCAConfigMap(namespace: string, caPem: string, current: ConfigMapObj | undefined): { create: ConfigMap } | { update: ConfigMapObj } | undefined {
  const annotations = { 'kubernetes.io/description': rootCADescription }
  if (!current) return { create: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCAConfigMapName, namespace, annotations }, data: { 'ca.crt': caPem } } }
  if (current.data?.['ca.crt'] === caPem && Object.keys(current.data).length === 1 && current.metadata.annotations?.['kubernetes.io/description'] === rootCADescription) return undefined
  const next = clone(current)
  next.data = { 'ca.crt': caPem }
  next.metadata.annotations = { ...next.metadata.annotations, ...annotations }
  return { update: next }
}

export class RootCACertPublisher implements Reconciler {
  readonly name = 'root-ca-certificate-publisher-controller'
  private readonly queue = new WorkQueue()
  private readonly namespaces: Informer
  private readonly configMaps: Informer<ConfigMapObj>

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly caPem: string,
    private readonly log?: RunnerLog,
  ) {
    this.namespaces = informers.informer(gvrs.namespaces)
    // Only the ConfigMaps it publishes: a cluster may hold many others.
    this.configMaps = informers.informer<ConfigMapObj>(gvrs.configMaps, { fieldSelector: `metadata.name=${rootCAConfigMapName}` })
    const enqueueNs = (ns: StoredObject) => this.queue.add(ns.metadata.name!)
    this.namespaces.on({ add: enqueueNs, update: (_, ns) => enqueueNs(ns) })
    const enqueueCm = (cm: StoredObject) => {
      if (cm.metadata.name === rootCAConfigMapName) this.queue.add(cm.metadata.namespace!)
    }
    this.configMaps.on({ update: (_, cm) => enqueueCm(cm), delete: enqueueCm })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.log)
  }

  async reconcile(namespace: string): Promise<Result | void> {
    const ns = this.namespaces.get(undefined, namespace)
    if (!ns || ns.metadata.deletionTimestamp) return
    const plan = planRootCAConfigMap(namespace, this.caPem, this.configMaps.get(namespace, rootCAConfigMapName))
    if (!plan) return
    const cms = this.client.resource<ConfigMapObj>(gvrs.configMaps)
    try {
      if ('create' in plan) await cms.create(namespace, plan.create as ConfigMapObj)
      else await cms.update(plan.update)
    } catch (err) {
      // Already there (the cache lagged) or gone meanwhile: the informer brings the next pass.
      if (!isAlreadyExists(err) && !isNotFound(err)) throw err
    }
  }
}
