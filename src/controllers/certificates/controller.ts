// The CSR approving and signing controllers (upstream: csrapproving and csrsigning in
// kube-controller-manager). Approving: kubelet client CSRs whose requester RBAC allows (the
// bootstrappers through `nodeclient`, a node renewing its own through `selfnodeclient`) get an
// Approved condition through /approval. Signing: approved CSRs for the client signers get a
// certificate from the cluster CA through /status.
import type { StoredObject } from '../../apis/meta.js'
import { authorize, type Binding, type Policy, type Role } from '../../apis/rbac/rules.js'
import type { InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { rfc3339 } from '../../lib/duration.js'
import { parseCertificateRequest } from '../../lib/x509.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { planApproval, planSigning, type CSRView, type RequestSubject } from './plan.js'

const csrGVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' }
const rbac = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource })

type CSRObj = StoredObject & CSRView

/** Signs a CSR's public key with the cluster CA: the certificate (PEM). */
export type CertificateSigner = (req: { requestPem: string; usages: string[]; durationSeconds: number }) => Promise<string>

function subjectOf(csr: CSRView & { spec?: { request?: string } }): RequestSubject | undefined {
  try {
    return parseCertificateRequest(Buffer.from(csr.spec?.request ?? '', 'base64').toString('latin1'))
  } catch {
    return undefined
  }
}

abstract class CSRController implements Reconciler {
  abstract readonly name: string
  protected readonly queue = new WorkQueue()
  protected readonly csrs: Informer<CSRObj>
  protected readonly clock: () => Date

  constructor(
    protected readonly client: Client,
    informers: InformerFactory,
    protected readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.csrs = informers.informer<CSRObj>(csrGVR)
    const enqueue = (c: StoredObject) => this.queue.add(c.metadata.name!)
    this.csrs.on({ add: enqueue, update: (_, c) => enqueue(c) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, this.opts.workers ?? 2, signal, this.opts.log)
  }

  abstract reconcile(key: string): Promise<Result | void>
}

export class CSRApprovingController extends CSRController {
  readonly name = 'certificatesigningrequest-approving-controller'
  private readonly bindings: Informer<StoredObject & Binding>
  private readonly roles: Informer<StoredObject & Role>

  constructor(client: Client, informers: InformerFactory, opts: ControllerOptions = {}) {
    super(client, informers, opts)
    this.bindings = informers.informer<StoredObject & Binding>(rbac('clusterrolebindings'))
    this.roles = informers.informer<StoredObject & Role>(rbac('clusterroles'))
    // A binding made after the CSR (kubeadm's, a person's) lets pending ones through.
    const all = () => {
      for (const c of this.csrs.list()) this.queue.add(c.metadata.name!)
    }
    this.bindings.on({ add: all, update: all })
  }

  /** CSRs are cluster-scoped: the cluster-wide bindings decide (what a SubjectAccessReview would answer). */
  private policy(): Policy {
    return {
      clusterRoleBindings: () => this.bindings.list(),
      roleBindings: () => [],
      clusterRole: (name) => this.roles.get(undefined, name),
      role: () => undefined,
    }
  }

  async reconcile(name: string): Promise<Result | void> {
    const csr = this.csrs.get(undefined, name)
    if (!csr) return
    const condition = planApproval(csr, subjectOf(csr as never), (a) => authorize(this.policy(), a))
    if (!condition) return
    const now = rfc3339(this.clock())
    const next = structuredClone(csr)
    next.status = { ...next.status, conditions: [...(next.status?.conditions ?? []), { ...condition, lastUpdateTime: now, lastTransitionTime: now }] }
    await this.client.resource<CSRObj>(csrGVR).update(next, { subresource: 'approval' })
  }
}

export class CSRSigningController extends CSRController {
  readonly name = 'certificatesigningrequest-signing-controller'

  constructor(
    client: Client,
    informers: InformerFactory,
    private readonly sign: CertificateSigner,
    opts: ControllerOptions = {},
  ) {
    super(client, informers, opts)
  }

  async reconcile(name: string): Promise<Result | void> {
    const csr = this.csrs.get(undefined, name)
    if (!csr) return
    const plan = planSigning(csr, subjectOf(csr as never))
    if (!plan) return
    const next = structuredClone(csr)
    if ('fail' in plan) {
      const now = rfc3339(this.clock())
      next.status = { ...next.status, conditions: [...(next.status?.conditions ?? []), { ...plan.fail, lastUpdateTime: now, lastTransitionTime: now }] }
    } else {
      const pem = await this.sign({ requestPem: Buffer.from((csr as { spec?: { request?: string } }).spec?.request ?? '', 'base64').toString('latin1'), ...plan.sign })
      next.status = { ...next.status, certificate: Buffer.from(pem).toString('base64') }
    }
    await this.client.resource<CSRObj>(csrGVR).update(next, { subresource: 'status' })
  }
}
