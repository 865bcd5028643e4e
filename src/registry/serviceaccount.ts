// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount): a pod runs as
// a ServiceAccount that exists. Pods that name none run as `default` (set by defaulting already).
import type { StoredObject } from '../apis/meta.js'
import { errors, isStatusError } from '../apis/status.js'
import { mountServiceAccountToken, type PodLike } from './admission.js'
import type { Admission } from './rest.js'

export const defaultServiceAccountName = 'default'
/** The annotation a kubelet's mirror pod carries (mirror pods may not name a ServiceAccount). */
const mirrorPodAnnotation = 'kubernetes.io/config.mirror'

export interface ServiceAccountAdmissionOptions {
  /** Reads a ServiceAccount; throws a NotFound StatusError when there is none. */
  getServiceAccount(namespace: string, name: string): Promise<StoredObject>
  /** Waits between look-ups of `default` (injected so tests need not wait). */
  sleep?: (ms: number) => Promise<void>
  /** For the token volume's name (`kube-api-access-<5 random>`). */
  random?: () => number
}

/**
 * Refuses a pod whose ServiceAccount does not exist, with upstream's words:
 * `pods "web" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found`.
 * `default` is looked up 10 times, 100–200 ms apart, as upstream does: the ServiceAccounts
 * controller creates it moments after its namespace, and a pod created right then should not fail.
 */
export function serviceAccountAdmission(opts: ServiceAccountAdmissionOptions): Admission {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  return {
    name: 'ServiceAccount',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.subresource || attrs.def.group !== '' || attrs.def.resource !== 'pods' || !attrs.object || !attrs.namespace) return
      const pod = attrs.object as StoredObject & { spec?: { serviceAccountName?: string; serviceAccount?: string; automountServiceAccountToken?: boolean } }
      const spec = (pod.spec ??= {})
      if (pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined) {
        if (spec.serviceAccountName) throw errors.forbidden({ group: '', resource: 'pods' }, attrs.name, 'a mirror pod may not reference service accounts')
        return
      }
      if (!spec.serviceAccountName) spec.serviceAccountName = defaultServiceAccountName
      spec.serviceAccount = spec.serviceAccountName
      const name = spec.serviceAccountName
      const attempts = name === defaultServiceAccountName ? 10 : 1
      const interval = 100 + Math.floor(Math.random() * 100)
      let account: StoredObject | undefined
      for (let i = 0; i < attempts && !account; i++) {
        if (i > 0) await sleep(interval)
        try {
          account = await opts.getServiceAccount(attrs.namespace, name)
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err
        }
      }
      if (!account) throw errors.forbidden({ group: '', resource: 'pods' }, attrs.name, `error looking up service account ${attrs.namespace}/${name}: serviceaccount "${name}" not found`)
      // The pod's own automountServiceAccountToken wins; else the account's (upstream's shouldAutomount).
      const automount = spec.automountServiceAccountToken ?? (account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken ?? true
      if (automount) mountServiceAccountToken(pod as PodLike, opts.random)
    },
  }
}
