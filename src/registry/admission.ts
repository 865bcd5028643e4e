// Built-in admission (upstream: the NamespaceLifecycle plugin). Others (Service IP allocation,
// ServiceAccount defaults) join later as their owners land.
import type { StoredObject } from '../apis/meta.js'
import { errors, isStatusError } from '../apis/status.js'
import type { Admission } from './rest.js'

/** Namespaces that always exist and may not be deleted. */
export const immortalNamespaces = ['default', 'kube-system', 'kube-public']

/**
 * NamespaceLifecycle: new namespaced objects need an existing, non-terminating namespace; the
 * system namespaces cannot be deleted.
 */
export function namespaceLifecycle(getNamespace: (name: string) => Promise<StoredObject>): Admission {
  return {
    name: 'NamespaceLifecycle',
    async admit(attrs) {
      const { def, operation, namespace } = attrs
      if (def.group === '' && def.resource === 'namespaces') {
        if (operation === 'DELETE' && immortalNamespaces.includes(attrs.name)) {
          throw errors.forbidden({ group: '', resource: 'namespaces' }, attrs.name, 'this namespace may not be deleted')
        }
        return
      }
      if (operation !== 'CREATE' || !def.namespaced || !namespace) return
      let ns: StoredObject
      try {
        ns = await getNamespace(namespace)
      } catch (err) {
        if (isStatusError(err, 'NotFound')) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace)
        throw err
      }
      const terminating = ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating'
      if (terminating && !(def.group === '' && def.resource === 'events')) {
        throw errors.forbidden(
          { group: def.group, resource: def.resource },
          attrs.name,
          `unable to create new content in namespace ${namespace} because it is being terminated`,
        )
      }
    },
  }
}

/** Where upstream mounts the service-account token volume in every container. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount'
const randomAlphabet = 'bcdfghjklmnpqrstvwxz2456789'

/** utilrand.String(n): n characters of upstream's alphabet. */
function randomSuffix(n: number, random: () => number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += randomAlphabet[Math.floor(random() * randomAlphabet.length)]
  return out
}

export type PodLike = {
  spec?: {
    serviceAccountName?: string
    serviceAccount?: string
    automountServiceAccountToken?: boolean
    volumes?: { name: string; [k: string]: unknown }[]
    initContainers?: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[]
    containers?: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[]
  }
}

/**
 * The part of upstream's ServiceAccount admission that mounts the token (called by the plugin in
 * serviceaccount.ts once the account is known to exist and to allow it): unless the pod says
 * automountServiceAccountToken: false, the projected volume `kube-api-access-<5 random>` (a bound
 * token for 3607 s, the cluster CA from the kube-root-ca.crt ConfigMap, the namespace) is added and
 * mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container that
 * mounts nothing there.
 */
export function mountServiceAccountToken(pod: PodLike, random: () => number = Math.random): void {
  const spec = (pod.spec ??= {})
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
  if (all.length === 0) return
  const volumes = (spec.volumes ??= [])
  let name = `kube-api-access-${randomSuffix(5, random)}`
  while (volumes.some((v) => v.name === name)) name = `kube-api-access-${randomSuffix(5, random)}`
  let used = false
  for (const c of all) {
    const mounts = c.volumeMounts ?? []
    if (mounts.some((m) => m.mountPath === serviceAccountMountPath)) continue
    c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: serviceAccountMountPath }]
    used = true
  }
  if (!used) return
  volumes.push({
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
      defaultMode: 420,
    },
  })
}
