// serviceaccounts/token (upstream pkg/registry/core/serviceaccount/storage TokenREST): POST an
// authentication.k8s.io/v1 TokenRequest, get it back with status.token (a JWT naming
// system:serviceaccount:<ns>:<name>, bound to a pod when boundObjectRef says so) and
// status.expirationTimestamp. Upstream signs with the service-account key (RS256); kubelite signs
// with an HMAC key of its data dir (HS256) and the same authenticator accepts its own tokens only.
import { randomUUID } from 'node:crypto'
import { errors } from '../../apis/status.js'
import { invalid } from '../../apis/validation.js'
import { signHS256, verifyHS256 } from '../../lib/jwt.js'
import type { ResourceStore } from '../../registry/rest.js'
import type { SubresourceContext, SubresourceHandler } from '../server.js'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local'
/** Upstream: at least 10 minutes; 1 hour by default; at most (here) a day. */
const minExpirationSeconds = 600
const defaultExpirationSeconds = 3600
const maxExpirationSeconds = 24 * 3600

export interface TokenRequestDeps {
  /** The signing key (32 random bytes kept in the data dir). */
  key: Buffer
  clock?: () => Date
}

export class ServiceAccountTokens implements SubresourceHandler {
  readonly info = { name: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }
  private readonly clock: () => Date

  constructor(private readonly deps: TokenRequestDeps) {
    this.clock = deps.clock ?? (() => new Date())
  }

  /** The in-process form of `POST .../serviceaccounts/{name}/token`. Throws StatusError. */
  async create(serviceAccounts: ResourceStore, namespace: string | undefined, name: string, body: unknown): Promise<Obj> {
    if (!isObj(body)) throw errors.badRequest('the body of the request was not a JSON object')
    if (body.kind !== undefined && body.kind !== 'TokenRequest') throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`)
    const sa = await serviceAccounts.get(namespace, name) // 404: serviceaccounts "<name>" not found
    const spec = isObj(body.spec) ? body.spec : {}
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : defaultExpirationSeconds
    if (expirationSeconds < minExpirationSeconds) {
      throw errors.invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, name, [invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')])
    }
    const ttl = Math.min(expirationSeconds, maxExpirationSeconds)
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : [serviceAccountIssuer]
    const now = this.clock()
    const iat = Math.floor(now.getTime() / 1000)
    const bound = isObj(spec.boundObjectRef) ? spec.boundObjectRef : undefined
    const k8s: Obj = { namespace, serviceaccount: { name, uid: sa.metadata.uid } }
    if (bound?.kind === 'Pod') k8s.pod = { name: bound.name, uid: bound.uid }
    const token = signHS256(
      { aud: audiences, exp: iat + ttl, iat, nbf: iat, iss: serviceAccountIssuer, jti: randomUUID(), 'kubernetes.io': k8s, sub: `system:serviceaccount:${namespace}:${name}` },
      this.deps.key,
    )
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: ttl, boundObjectRef: bound ?? null },
      status: { token, expirationTimestamp: new Date((iat + ttl) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    }
  }

  /** The user a bearer token names, if it is one of ours and not expired (`system:serviceaccount:<ns>:<name>`). */
  authenticate(token: string): string | undefined {
    const claims = verifyHS256(token, this.deps.key)
    if (!claims || claims.iss !== serviceAccountIssuer || typeof claims.sub !== 'string') return undefined
    const now = this.clock().getTime() / 1000
    if (typeof claims.exp !== 'number' || claims.exp <= now) return undefined
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) return undefined
    return claims.sub
  }

  async handle(ctx: SubresourceContext): Promise<void> {
    const { req, res, target } = ctx
    if (req.method !== 'POST') throw errors.methodNotAllowed()
    if (!target.name) throw errors.pathNotFound()
    const out = JSON.stringify(await this.create(ctx.store, target.namespace, target.name, await ctx.body()))
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) })
    res.end(out)
  }
}
