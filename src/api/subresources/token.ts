// serviceaccounts/token (upstream pkg/registry/core/serviceaccount/storage/token.go): POST a
// TokenRequest, get a signed token for the account back. `kubectl create token NAME` and the
// kubelet's projected service-account token volume use it.
import type { StoredObject } from '../../apis/meta.js'
import { errors } from '../../apis/status.js'
import { invalid, notSupported, type FieldError } from '../../apis/validation.js'
import { rfc3339 } from '../../lib/duration.js'
import type { ResourceStore } from '../../registry/rest.js'
import { serviceAccountIssuer, type BoundObject, type Lookup, type ServiceAccountTokens } from '../authn/serviceaccount.js'
import type { SubresourceHandler } from '../server.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>

/** Upstream's defaults and bounds: one hour; at least ten minutes; at most 2^32 seconds. */
const defaultExpirationSeconds = 3600
const minExpirationSeconds = 600
const maxExpirationSeconds = 2 ** 32

export interface TokenRequestDeps {
  tokens: ServiceAccountTokens
  lookup: Lookup
  clock?: () => Date
  /** The API server's audiences (--api-audiences; default: the issuer). */
  audiences?: string[]
}

/** Upstream ValidateTokenRequest. */
export function validateTokenRequest(spec: Obj): FieldError[] {
  const errs: FieldError[] = []
  const exp = spec.expirationSeconds
  if (typeof exp === 'number') {
    if (exp < minExpirationSeconds) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'))
    if (exp > maxExpirationSeconds) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'))
  }
  return errs
}

export class ServiceAccountTokenRequest implements SubresourceHandler {
  readonly info = { name: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }
  private readonly clock: () => Date

  constructor(private readonly deps: TokenRequestDeps) {
    this.clock = deps.clock ?? (() => new Date())
  }

  /** The TokenRequest answered (status.token filled in) for account `name`: the in-process form of the POST. */
  async request(accounts: ResourceStore, namespace: string, name: string, body: unknown, dryRun = false): Promise<Obj> {
    if (!isObj(body)) throw errors.badRequest('the body of the request was not a JSON object')
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== 'authentication.k8s.io/v1') {
      throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (authentication.k8s.io/v1)`)
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== 'TokenRequest') {
      throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`)
    }
    const spec: Obj = isObj(body.spec) ? { ...body.spec } : {}
    if (typeof spec.expirationSeconds !== 'number') spec.expirationSeconds = defaultExpirationSeconds
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : (this.deps.audiences ?? [serviceAccountIssuer])
    spec.audiences = audiences
    const errs = validateTokenRequest(spec)
    if (errs.length) throw errors.invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, name, errs)
    const account: StoredObject = await accounts.get(namespace, name)
    const bound = await this.bound(name, namespace, spec.boundObjectRef)
    const now = this.clock()
    const { token, expirationTimestamp } = dryRun ? { token: '', expirationTimestamp: new Date(now.getTime() + Number(spec.expirationSeconds) * 1000) } : this.deps.tokens.issue({ account, audiences, expirationSeconds: Number(spec.expirationSeconds), now, bound })
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(now) },
      spec: { audiences, expirationSeconds: spec.expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: rfc3339(expirationTimestamp) },
    }
  }

  private async bound(account: string, namespace: string, ref: unknown): Promise<BoundObject | undefined> {
    if (!isObj(ref)) return undefined
    const kind = String(ref.kind ?? '')
    const apiVersion = String(ref.apiVersion ?? 'v1')
    const name = String(ref.name ?? '')
    const resources = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const
    if ((apiVersion !== 'v1' && apiVersion !== '') || !(kind in resources)) {
      const gvk = `${apiVersion === 'v1' || apiVersion === '' ? '' : apiVersion.split('/')[0] + '/'}${apiVersion.split('/').pop()}, Kind=${kind}`
      throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(account)} to object of type ${gvk}`)
    }
    const resource = resources[kind as keyof typeof resources]
    const obj = await this.deps.lookup(resource, kind === 'Node' ? undefined : namespace, name)
    if (!obj) throw errors.notFound({ group: '', resource }, name)
    if (ref.uid && ref.uid !== obj.metadata.uid) {
      throw errors.conflict(
        { group: '', resource: kind },
        name,
        `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
      )
    }
    return { kind: kind as BoundObject['kind'], name, uid: obj.metadata.uid! }
  }

  /** The in-process form of the POST (the node agent asks for its pods' tokens this way). */
  create(accounts: ResourceStore, namespace: string | undefined, name: string, body: unknown): Promise<Obj> {
    if (!namespace) throw errors.pathNotFound()
    return this.request(accounts, namespace, name, body)
  }

  async handle(ctx: Parameters<SubresourceHandler['handle']>[0]): Promise<void> {
    const { req, res, target, url } = ctx
    if (req.method !== 'POST') throw errors.methodNotAllowed()
    if (!target.name || !target.namespace) throw errors.pathNotFound()
    const dryRun = url.searchParams.getAll('dryRun')
    for (const v of dryRun) if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; only "All" is supported`)
    const out = JSON.stringify(await this.request(ctx.store, target.namespace, target.name, await ctx.body(), dryRun.length > 0))
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) })
    res.end(out)
  }
}

export function serviceAccountTokenRequest(deps: TokenRequestDeps): ServiceAccountTokenRequest {
  return new ServiceAccountTokenRequest(deps)
}
