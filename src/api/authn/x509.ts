// Client certificates as upstream's x509 authenticator reads them (kind and kubeadm write
// kubeconfigs with one): a certificate the cluster CA signed, for client authentication, names
// the user in its subject's CommonName and the groups in its Organizations. `system:masters` is
// the cluster admin.
import type { PeerCertificate, TLSSocket } from 'node:tls'
import { errors } from '../../apis/status.js'
import type { UserInfo } from '../authz.js'

const clientAuth = '1.3.6.1.5.5.7.3.2'
const anyExtendedKeyUsage = '2.5.29.37.0'

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/**
 * The user a TLS connection's client certificate names, undefined when the client sent none, and a
 * 401 when it sent one the cluster CA did not sign (or one not meant for client authentication):
 * upstream fails such a request rather than falling through to other credentials.
 */
export function userFromClientCertificate(socket: object): UserInfo | undefined {
  const tls = socket as Partial<TLSSocket>
  if (typeof tls.getPeerCertificate !== 'function') return undefined // plain HTTP (tests of the handler)
  const cert = tls.getPeerCertificate() as PeerCertificate | Record<string, never>
  if (!cert || Object.keys(cert).length === 0) return undefined
  if (!tls.authorized) throw errors.unauthorized()
  return userFromCertificate(cert as PeerCertificate)
}

/** CN → username, O → groups (plus system:authenticated); no CN or the wrong key usage is a 401. */
export function userFromCertificate(cert: Pick<PeerCertificate, 'subject' | 'ext_key_usage'>): UserInfo {
  const eku = cert.ext_key_usage
  if (eku && !eku.includes(clientAuth) && !eku.includes(anyExtendedKeyUsage)) throw errors.unauthorized()
  const username = list(cert.subject?.CN)[0]
  if (!username) throw errors.unauthorized()
  const groups = [...list(cert.subject?.O)]
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated')
  return { username, groups, ...(groups.includes('system:masters') ? { admin: true } : {}) }
}
