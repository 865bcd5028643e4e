// Bootstrap tokens at the API's edge (upstream: the bootstrap token authenticator, on with
// --enable-bootstrap-token-auth as kubeadm starts kube-apiserver): a token of the form
// `[a-z0-9]{6}.[a-z0-9]{16}` is checked against its Secret in kube-system; any other token goes
// on to the next authenticator.
import { bootstrapTokenNamespace, bootstrapTokenSecretPrefix, bootstrapTokenUser, parseBootstrapToken } from '../../apis/bootstrap/token.js'
import type { StoredObject } from '../../apis/meta.js'
import type { UserInfo } from '../authz.js'

export type SecretLookup = (namespace: string, name: string) => Promise<StoredObject | undefined>
export type TokenAuthenticator = (token: string) => Promise<UserInfo | undefined>

/** Bootstrap tokens first, then `next` (service-account tokens) for every token not of their form. */
export function withBootstrapTokens(getSecret: SecretLookup, next: TokenAuthenticator, clock: () => Date = () => new Date()): TokenAuthenticator {
  return async (token) => {
    const parsed = parseBootstrapToken(token)
    if (!parsed) return next(token)
    const secret = await getSecret(bootstrapTokenNamespace, bootstrapTokenSecretPrefix + parsed.id)
    const user = bootstrapTokenUser(token, secret as never, clock())
    return user ? { username: user.username, groups: [...user.groups, 'system:authenticated'] } : undefined
  }
}
