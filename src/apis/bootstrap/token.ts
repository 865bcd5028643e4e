// Bootstrap tokens as kubeadm makes them and kube-apiserver checks them (upstream:
// k8s.io/cluster-bootstrap/token/api and util, plugin/pkg/auth/authenticator/token/bootstrap):
// `abcdef.0123456789abcdef`, the id public, the secret private, stored as a Secret
// `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token in kube-system. Pure.
import { randomInt, timingSafeEqual } from 'node:crypto'
import type { KObject } from '../meta.js'

export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token'
export const bootstrapTokenSecretPrefix = 'bootstrap-token-'
export const bootstrapTokenNamespace = 'kube-system'
/** The group every bootstrap token's user is in. */
export const bootstrappersGroup = 'system:bootstrappers'
/** kubeadm's default extra group of node-joining tokens. */
export const defaultNodeTokenGroup = 'system:bootstrappers:kubeadm:default-node-token'
/** The user a token authenticates as: `system:bootstrap:<id>`. */
export const bootstrapUserPrefix = 'system:bootstrap:'

const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/
const groupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'

export const keys = {
  id: 'token-id',
  secret: 'token-secret',
  expiration: 'expiration',
  description: 'description',
  groups: 'auth-extra-groups',
  usagePrefix: 'usage-bootstrap-',
}

/** A new random token (kubeadm's GenerateBootstrapToken). */
export function generateBootstrapToken(pick: (n: number) => number = randomInt): string {
  const part = (n: number) => Array.from({ length: n }, () => alphabet[pick(alphabet.length)]).join('')
  return `${part(6)}.${part(16)}`
}

/** The id and secret of a well-formed token, else undefined. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = tokenPattern.exec(token)
  return m ? { id: m[1], secret: m[2] } : undefined
}

export interface BootstrapTokenOptions {
  /** Milliseconds until it expires; 0: never (kubeadm's --ttl 0). */
  ttlMs: number
  description?: string
  usages?: string[]
  groups?: string[]
}

/** The Secret kubeadm's `token create` writes (data base64-encoded, as on the wire). */
export function bootstrapTokenSecret(token: string, opts: BootstrapTokenOptions, now: Date): KObject {
  const parsed = parseBootstrapToken(token)
  if (!parsed) throw new Error(`the bootstrap token "${token}" was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`)
  const data: Record<string, string> = { [keys.id]: parsed.id, [keys.secret]: parsed.secret }
  if (opts.description) data[keys.description] = opts.description
  if (opts.ttlMs > 0) data[keys.expiration] = new Date(now.getTime() + opts.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
  for (const u of opts.usages ?? ['signing', 'authentication']) data[keys.usagePrefix + u] = 'true'
  const groups = opts.groups ?? [defaultNodeTokenGroup]
  if (groups.length) data[keys.groups] = groups.join(',')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretPrefix + parsed.id, namespace: bootstrapTokenNamespace },
    type: bootstrapTokenSecretType,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  }
}

/** A token Secret's fields, decoded. */
export interface BootstrapTokenInfo {
  id: string
  secret: string
  description: string
  /** undefined: never expires. */
  expires?: Date
  usages: string[]
  groups: string[]
}

interface SecretLike {
  metadata?: { name?: string; deletionTimestamp?: string }
  type?: string
  data?: Record<string, string>
}

/** Reads a bootstrap token Secret; undefined when it is not one (wrong type, no id or secret). */
export function readBootstrapTokenSecret(s: SecretLike): BootstrapTokenInfo | undefined {
  if (s.type !== bootstrapTokenSecretType) return undefined
  const get = (k: string) => (s.data?.[k] !== undefined ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined)
  const id = get(keys.id)
  const secret = get(keys.secret)
  if (!id || !secret || s.metadata?.name !== bootstrapTokenSecretPrefix + id) return undefined
  const exp = get(keys.expiration)
  const expires = exp ? new Date(exp) : undefined
  const usages = Object.keys(s.data ?? {})
    .filter((k) => k.startsWith(keys.usagePrefix) && get(k) === 'true')
    .map((k) => k.slice(keys.usagePrefix.length))
    .sort()
  const groups = (get(keys.groups) ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '')
  return { id, secret, description: get(keys.description) ?? '', ...(expires ? { expires } : {}), usages, groups }
}

/** True once the expiration has passed (an unparsable expiration counts as expired, as upstream). */
export function isExpired(info: BootstrapTokenInfo, now: Date): boolean {
  if (!info.expires) return false
  return Number.isNaN(info.expires.getTime()) || info.expires.getTime() <= now.getTime()
}

/**
 * Upstream's TokenAuthenticator.AuthenticateToken: the user a presented token stands for, or
 * undefined (not a bootstrap token, no such Secret, being deleted, a wrong secret, expired, not for
 * authentication, or a malformed extra group).
 */
export function bootstrapTokenUser(token: string, secret: SecretLike | undefined, now: Date): { username: string; groups: string[] } | undefined {
  const parsed = parseBootstrapToken(token)
  if (!parsed || !secret || secret.metadata?.deletionTimestamp) return undefined
  const info = readBootstrapTokenSecret(secret)
  if (!info || info.id !== parsed.id) return undefined
  const a = Buffer.from(info.secret)
  const b = Buffer.from(parsed.secret)
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined
  if (isExpired(info, now)) return undefined
  if (!info.usages.includes('authentication')) return undefined
  if (info.groups.some((g) => !groupPattern.test(g))) return undefined
  return { username: bootstrapUserPrefix + info.id, groups: [bootstrappersGroup, ...info.groups.filter((g) => g !== bootstrappersGroup)] }
}
