// Service-account tokens as upstream's TokenRequest issues them (pkg/serviceaccount/claims.go):
// a JWT signed with the cluster's service-account key, naming the account (and the pod it is bound
// to), valid for its audiences until it expires, and only while that account (and pod) still exist
// with the same UIDs.
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import type { StoredObject } from '../../apis/meta.js'
import { signJwt, verifyJwt } from './jwt.js'

/** The issuer and default audience of a cluster named cluster.local (kube-apiserver's defaults). */
export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local'

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node'
  name: string
  uid: string
}

export interface IssueRequest {
  account: StoredObject
  audiences: string[]
  expirationSeconds: number
  now: Date
  bound?: BoundObject
}

/** Reads an object, or undefined when there is none (errors other than NotFound are thrown). */
export type Lookup = (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => Promise<StoredObject | undefined>

export interface ServiceAccountUser {
  username: string
  uid: string
  groups: string[]
  /** As upstream's ServiceAccountInfo.UserInfo: the token's JTI and the pod and node it is bound to. */
  extra: Record<string, string[]>
}

interface PrivateClaims {
  namespace?: string
  serviceaccount?: { name?: string; uid?: string }
  pod?: { name?: string; uid?: string }
  secret?: { name?: string; uid?: string }
  node?: { name?: string; uid?: string }
}

export class ServiceAccountTokens {
  private readonly publicKey: KeyObject

  constructor(
    private readonly privateKey: KeyObject,
    private readonly lookup: Lookup,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.publicKey = createPublicKey(privateKey)
  }

  issue(req: IssueRequest): { token: string; expirationTimestamp: Date } {
    const iat = Math.floor(req.now.getTime() / 1000)
    const exp = iat + req.expirationSeconds
    const ns = req.account.metadata.namespace!
    const name = req.account.metadata.name!
    const priv: PrivateClaims = { namespace: ns, serviceaccount: { name, uid: req.account.metadata.uid } }
    if (req.bound) priv[req.bound.kind.toLowerCase() as 'pod' | 'secret' | 'node'] = { name: req.bound.name, uid: req.bound.uid }
    const claims = { aud: req.audiences, exp, iat, iss: serviceAccountIssuer, jti: randomUUID(), 'kubernetes.io': priv, nbf: iat, sub: `system:serviceaccount:${ns}:${name}` }
    return { token: signJwt(claims, this.privateKey), expirationTimestamp: new Date(exp * 1000) }
  }

  /** The user a token names, or undefined when it is not a valid, live token of this cluster for `audience`. */
  async authenticate(token: string, audience = serviceAccountIssuer): Promise<ServiceAccountUser | undefined> {
    const c = verifyJwt(token, this.publicKey)
    if (!c || c.iss !== serviceAccountIssuer) return undefined
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud]
    if (!aud.includes(audience)) return undefined
    const now = this.clock().getTime() / 1000
    if (typeof c.exp !== 'number' || now >= c.exp) return undefined
    if (typeof c.nbf === 'number' && now + 60 < c.nbf) return undefined // upstream allows 60 s of clock skew
    const priv = (c['kubernetes.io'] ?? {}) as PrivateClaims
    const ns = priv.namespace
    const sa = priv.serviceaccount
    if (!ns || !sa?.name || !sa.uid || c.sub !== `system:serviceaccount:${ns}:${sa.name}`) return undefined
    const account = await this.lookup('serviceaccounts', ns, sa.name)
    if (!account || account.metadata.uid !== sa.uid || account.metadata.deletionTimestamp) return undefined
    for (const [kind, resource, scoped] of [['pod', 'pods', true], ['secret', 'secrets', true], ['node', 'nodes', false]] as const) {
      const ref = priv[kind]
      if (!ref) continue
      const obj = await this.lookup(resource, scoped ? ns : undefined, ref.name ?? '')
      if (!obj || obj.metadata.uid !== ref.uid) return undefined
    }
    const extra: Record<string, string[]> = {}
    if (typeof c.jti === 'string' && c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`]
    if (priv.pod?.name) Object.assign(extra, { 'authentication.kubernetes.io/pod-name': [priv.pod.name], 'authentication.kubernetes.io/pod-uid': [priv.pod.uid ?? ''] })
    if (priv.node?.name) Object.assign(extra, { 'authentication.kubernetes.io/node-name': [priv.node.name], 'authentication.kubernetes.io/node-uid': [priv.node.uid ?? ''] })
    return { username: `system:serviceaccount:${ns}:${sa.name}`, uid: sa.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], extra }
  }
}
