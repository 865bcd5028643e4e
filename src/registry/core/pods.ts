// core/v1 Pod (upstream pkg/registry/core/pod/strategy.go, SetDefaults_Pod, and the admission
// plugins every cluster runs on create: ServiceAccount; Priority and DefaultTolerationSeconds are plugins of their own).
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js'
import { clone } from '../../apis/meta.js'
import { isDNS1123Subdomain, forbidden, invalid, type FieldError } from '../../apis/validation.js'
import { computeQOSClass, defaultPodOnlyFields, defaultPodSpec, validatePodSpec } from '../../apis/core/pod.js'
import type { ResourceDef } from '../types.js'
import { podTable } from './pod-table.js'
import { specDiff, validatePodSpecUpdate } from './pod-update.js'
import { isObj } from '../../lib/guards.js'
import type { PodObj } from '../../apis/core/pod.js'
export type { PodObj }

type Obj = Record<string, unknown>
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/**
 * What the admission plugins add to every new pod (the service account token volume is skipped;
 * priority and preemptionPolicy come from the Priority plugin, registry/scheduling/admission.ts;
 * the not-ready/unreachable tolerations from DefaultTolerationSeconds, ./tolerationseconds.ts).
 */
export function admitNewPod(pod: PodObj): void {
  if (!isObj(pod.spec)) return
  const spec = pod.spec as Obj
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default'
  spec.serviceAccount = spec.serviceAccountName
}

function defaultPod(pod: PodObj): void {
  if (!isObj(pod.spec)) return
  const spec = pod.spec as Obj
  defaultPodSpec(spec)
  defaultPodOnlyFields(spec)
  // The v1 conversion keeps the deprecated serviceAccount in step with serviceAccountName.
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string') spec.serviceAccountName = spec.serviceAccount
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName
}

/** Checks only a Pod gets (not templates): image whitespace, token volumes, create-only fields. */
function validatePodOnly(pod: PodObj): FieldError[] {
  const spec = (isObj(pod.spec) ? pod.spec : {}) as Obj
  const errs: FieldError[] = []
  if (!spec.serviceAccountName) {
    list(spec.volumes).forEach((v, vi) => {
      if (!isObj(v) || !isObj(v.projected)) return
      list(v.projected.sources).forEach((s, si) => {
        if (isObj(s) && s.serviceAccountToken)
          errs.push(forbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'))
      })
    })
  }
  for (const kind of ['containers', 'initContainers']) {
    list(spec[kind]).forEach((c, i) => {
      const image = isObj(c) && typeof c.image === 'string' ? c.image : ''
      if (image.trim() !== image) errs.push(invalid(`spec.${kind}[${i}].image`, image, 'must not have leading or trailing whitespace'))
    })
  }
  return errs
}

function validatePod(pod: PodObj): FieldError[] {
  const errs = [...validatePodSpec(pod.spec, 'spec'), ...validatePodOnly(pod)]
  const spec = (isObj(pod.spec) ? pod.spec : {}) as Obj
  if (list(spec.ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'))
  if (spec.nodeName && list(spec.schedulingGates).length > 0)
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'))
  return errs
}

const mirrorPodAnnotation = 'kubernetes.io/config.mirror'

/**
 * Upstream ValidatePodEphemeralContainersUpdate: the new spec is valid, and ephemeral containers
 * already there are neither changed nor removed (patches do not keep order: matched by name).
 */
export function validateEphemeralContainersUpdate(pod: PodObj, old: PodObj): FieldError[] {
  if (old.metadata.annotations?.[mirrorPodAnnotation] !== undefined) return [forbidden('', 'static pods do not support ephemeral containers')]
  const errs = [...validatePodSpec(pod.spec, 'spec'), ...validatePodOnly(pod)]
  const byName = new Map((pod.spec?.ephemeralContainers ?? []).map((c) => [c.name, c]))
  for (const o of old.spec?.ephemeralContainers ?? []) {
    const n = byName.get(o.name)
    if (!n) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(o.name)} may not be removed\n`))
    else {
      const diff = specDiff(o, n)
      if (diff.length) errs.push(forbidden(`spec.ephemeralContainers[${o.name}]`, `existing ephemeral containers ${JSON.stringify(o.name)} may not be changed\n${diff.join('\n')}`))
    }
  }
  return errs
}

export const podsResource: ResourceDef<PodObj> = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  resource: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,

  defaults: defaultPod,
  prepareForCreate(pod) {
    admitNewPod(pod)
    ;(pod as Obj).status = { phase: 'Pending', qosClass: computeQOSClass(pod.spec as PodSpec) }
  },
  validate: validatePod,
  validateUpdate(pod, old) {
    return [...validatePodSpec(pod.spec, 'spec'), ...validatePodOnly(pod), ...validatePodSpecUpdate(pod.spec, old.spec)]
  },

  specSubresources: {
    /** pods/{name}/ephemeralcontainers (kubectl debug): only spec.ephemeralContainers changes. */
    ephemeralcontainers: {
      verbs: ['get', 'patch', 'update'],
      compose(current, body) {
        const next = clone(current)
        const wanted = body.spec?.ephemeralContainers
        next.spec = { ...(current.spec as PodSpec) }
        if (wanted && wanted.length) next.spec.ephemeralContainers = clone(wanted)
        else delete next.spec.ephemeralContainers
        return next
      },
      validateUpdate: validateEphemeralContainersUpdate,
    },
  },

  table: podTable,

  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName ?? '',
    // Old v1 clients send spec.host; upstream converts it to spec.nodeName.
    'spec.host': (p) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork === true),
    'status.phase': (p) => p.status?.phase ?? '',
    'status.podIP': (p) => p.status?.podIPs?.[0]?.ip ?? '',
    // Accepted by upstream's field label conversion but absent from the pod's field set: always "".
    'status.podIPs': () => '',
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
  },

  /**
   * Upstream CheckGracefulDelete: the pod's terminationGracePeriodSeconds (30 by default), but 0
   * when it was never scheduled or has already finished, as nothing runs that could stop.
   */
  gracePeriodSeconds(pod) {
    if (!pod.spec?.nodeName) return 0
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') return 0
    return pod.spec.terminationGracePeriodSeconds ?? 30
  },
}
