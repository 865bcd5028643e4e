// The token cleaner (upstream: kube-controller-manager's tokencleaner, which kubeadm turns on):
// bootstrap token Secrets in kube-system are deleted once their expiration has passed.
import type { StoredObject } from '../../apis/meta.js'
import { bootstrapTokenNamespace, bootstrapTokenSecretType, isExpired, readBootstrapTokenSecret } from '../../apis/bootstrap/token.js'
import { isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'

export class TokenCleaner implements Reconciler {
  readonly name = 'token-cleaner-controller'
  private readonly queue = new WorkQueue()
  private readonly secrets: Informer
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    // The shared Secret informer (one list+watch per resource in a process), filtered here.
    this.secrets = informers.informer(gvrs.secrets)
    const enqueue = (s: StoredObject) => {
      if (s.metadata.namespace === bootstrapTokenNamespace && (s as { type?: string }).type === bootstrapTokenSecretType) this.queue.add(s.metadata.name!)
    }
    this.secrets.on({ add: enqueue, update: (_, s) => enqueue(s) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.opts.log)
  }

  async reconcile(name: string): Promise<Result | void> {
    const secret = this.secrets.get(bootstrapTokenNamespace, name)
    if (!secret || secret.metadata.deletionTimestamp) return
    const info = readBootstrapTokenSecret(secret as never)
    if (!info?.expires) return
    const now = this.clock()
    if (!isExpired(info, now)) return { requeueAfterMs: info.expires.getTime() - now.getTime() + 1000 }
    try {
      await this.client.resource(gvrs.secrets).delete(bootstrapTokenNamespace, name, { preconditions: { uid: secret.metadata.uid } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
