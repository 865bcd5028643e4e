// pods/binding (upstream pkg/registry/core/pod/storage BindingREST): POST a core/v1 Binding to
// assign a pod to a node. spec.nodeName is set only when empty (else 409), the PodScheduled
// condition becomes True, the Binding's annotations are merged in; the answer is a Success Status.
//
// Upstream writes straight to storage (store.Storage.GuaranteedUpdate), past the pod strategy:
// the main-resource update would refuse the change (nodeName is immutable there) and the status
// path cannot touch spec. We do the same in one atomic compare-and-swap write by running the
// generic store over a copy of the pods ResourceDef with no strategy (no defaulting, no spec/status
// split, no update validation). Metadata validation, optimistic concurrency, retries and dry run
// are still the generic store's.
import type { PodCondition } from 'kubernetes-types/core/v1.js'
import { clone, type KObject, type StoredObject } from '../../apis/meta.js'
import { errors, successStatus, type Status } from '../../apis/status.js'
import { notSupported, required, type FieldError } from '../../apis/validation.js'
import { setPodCondition } from '../../apis/core/pod-conditions.js'
import { ResourceStore, type RestDeps } from '../../registry/rest.js'
import type { ResourceDef } from '../../registry/types.js'
import type { SubresourceHandler } from '../server.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>

export interface BindingDeps {
  /** The API server's store (the same instance). */
  store: RestDeps['store']
  clock?: () => Date
}

export interface BindOptions {
  dryRun?: boolean
}

/** The pods ResourceDef without its strategy: what upstream's storage-level update sees. */
function storageOnly(def: ResourceDef): ResourceDef {
  return { ...def, hasStatus: false, generation: false, defaults: undefined, prepareForUpdate: undefined, validateUpdate: () => [] }
}

/** Upstream ValidatePodBinding. */
export function validateBinding(b: Obj): FieldError[] {
  const target = isObj(b.target) ? b.target : {}
  const errs: FieldError[] = []
  const kind = typeof target.kind === 'string' ? target.kind : ''
  if (kind !== '' && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']))
  if (typeof target.name !== 'string' || target.name === '') errs.push(required('target.name', ''))
  return errs
}

const bindingRef = { group: '', resource: 'pods/binding' }

export class PodBinding implements SubresourceHandler {
  readonly info = { name: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] }
  private readonly stores = new WeakMap<ResourceDef, ResourceStore>()
  private readonly clock: () => Date

  constructor(private readonly deps: BindingDeps) {
    this.clock = deps.clock ?? (() => new Date())
  }

  private storageFor(pods: ResourceStore): ResourceStore {
    let s = this.stores.get(pods.def)
    if (!s) {
      s = new ResourceStore(storageOnly(pods.def), { store: this.deps.store, clock: this.clock })
      this.stores.set(pods.def, s)
    }
    return s
  }

  /**
   * Bind the pod `name` in `namespace` as the Binding `body` says (the in-process form of
   * `POST .../pods/{name}/binding`). Throws StatusError.
   */
  async bind(pods: ResourceStore, namespace: string | undefined, name: string, body: unknown, opts: BindOptions = {}): Promise<Status> {
    if (!isObj(body)) throw errors.badRequest('the body of the request was not a JSON object')
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== 'v1') {
      throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (v1)`)
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== 'Binding') {
      throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Binding)`)
    }
    const meta = isObj(body.metadata) ? body.metadata : {}
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    if (meta.name !== name) throw errors.badRequest('name in URL does not match name in Binding object')
    const errs = validateBinding(body)
    if (errs.length) throw errors.invalid({ group: '', kind: 'Binding' }, name, errs)
    const node = String((body.target as Obj).name)
    const annotations = isObj(meta.annotations) ? (meta.annotations as Record<string, string>) : {}
    const uid = typeof meta.uid === 'string' ? meta.uid : ''

    await this.storageFor(pods).guaranteedUpdate(
      namespace,
      name,
      (current: StoredObject): KObject => {
        const pod = clone(current)
        const spec = (isObj(pod.spec) ? pod.spec : (pod.spec = {})) as Obj
        if (uid && pod.metadata.uid !== uid) {
          throw errors.conflict(bindingRef, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`)
        }
        if (pod.metadata.deletionTimestamp) throw errors.conflict(bindingRef, name, `pod ${name} is being deleted, cannot be assigned to a host`)
        const assigned = typeof spec.nodeName === 'string' ? spec.nodeName : ''
        if (assigned !== '') throw errors.conflict(bindingRef, name, `pod ${name} is already assigned to node ${JSON.stringify(assigned)}`)
        if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0) {
          throw errors.conflict(bindingRef, name, `pod ${name} has non-empty .spec.schedulingGates`)
        }
        spec.nodeName = node
        if (Object.keys(annotations).length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations }
        const status = (isObj(pod.status) ? pod.status : (pod.status = {})) as Obj
        setPodCondition(status, { type: 'PodScheduled', status: 'True' }, this.clock())
        return pod
      },
      { dryRun: opts.dryRun },
    )
    return { ...successStatus(), code: 201 }
  }

  async handle(ctx: Parameters<SubresourceHandler['handle']>[0]): Promise<void> {
    const { req, res, target, url } = ctx
    if (req.method !== 'POST') throw errors.methodNotAllowed()
    if (!target.name) throw errors.pathNotFound()
    const dryRun = url.searchParams.getAll('dryRun')
    for (const v of dryRun) if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; only "All" is supported`)
    const status = await this.bind(ctx.store, target.namespace, target.name, await ctx.body(), { dryRun: dryRun.length > 0 })
    const body = JSON.stringify(status)
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  }
}

/** The handler for `pods/binding`, to put in the API server's SubresourceHandlers map. */
export function podBinding(deps: BindingDeps): PodBinding {
  return new PodBinding(deps)
}
