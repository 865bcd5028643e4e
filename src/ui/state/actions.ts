// The dashboard's actions, each the very request kubectl (or the Argo Rollouts plugin) sends for
// the same command, with that command to show beside the button. Pure: the page sends what these
// return. kubectl computes each patch from a GET it made just before; the page uses the object it
// is watching, which is as fresh.
import type { KubeObject } from './list.js'
import { revisionOf } from './workload.js'

export interface ApiRequest {
  method: 'PATCH'
  path: string
  contentType: 'application/strategic-merge-patch+json' | 'application/merge-patch+json' | 'application/json-patch+json'
  body: unknown
  /** When this request answers 404, send this one instead (the Argo plugin's fallback for CRDs without a status subresource). */
  onNotFound?: ApiRequest
}

export interface Action {
  /** The command a person would type for the same change. */
  kubectl: string
  requests: ApiRequest[]
}

/** A change kubectl itself refuses before sending anything, with kubectl's message. */
export class ActionError extends Error {}

export interface WorkloadRef {
  /** deployments (apps/v1) or rollouts (argoproj.io/v1alpha1). */
  resource: 'deployments' | 'rollouts'
  namespace: string
  name: string
}

const base = (w: WorkloadRef) =>
  w.resource === 'deployments' ? `/apis/apps/v1/namespaces/${enc(w.namespace)}/deployments/${enc(w.name)}` : `/apis/argoproj.io/v1alpha1/namespaces/${enc(w.namespace)}/rollouts/${enc(w.name)}`
const enc = encodeURIComponent
const nsFlag = (w: WorkloadRef) => (w.namespace === 'default' ? '' : ` -n ${w.namespace}`)
const kubectlRef = (w: WorkloadRef) => `${w.resource === 'deployments' ? 'deployment' : 'rollout'}/${w.name}`
/** Quotes an argument for a POSIX shell when it needs it. */
const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

interface Workload extends KubeObject {
  spec?: {
    paused?: boolean
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { containers?: { name: string; image?: string }[] } }
    strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown }
  }
  status?: { pauseConditions?: unknown[]; currentPodHash?: string; stableRS?: string; currentStepIndex?: number; controllerPause?: boolean }
}

/** `kubectl set image deployment/N c=img`: an SMP of the template's containers, with the order kept (fieldManager kubectl-set). */
export function setImage(w: WorkloadRef, obj: Workload, container: string, image: string): Action {
  const containers = obj.spec?.template?.spec?.containers ?? []
  if (!containers.some((c) => c.name === container)) throw new ActionError(`error: unable to find container named "${container}"`)
  if (image.trim() === '') throw new ActionError('error: an image is required')
  const pair = sh(`${container}=${image}`)
  if (w.resource === 'rollouts') {
    // The plugin edits the object it read and writes it back; a JSON patch of that one image is the same change.
    const i = containers.findIndex((c) => c.name === container)
    return {
      kubectl: `kubectl argo rollouts set image ${w.name} ${pair}${nsFlag(w)}`,
      requests: [{ method: 'PATCH', path: base(w), contentType: 'application/json-patch+json', body: [{ op: 'replace', path: `/spec/template/spec/containers/${i}/image`, value: image }] }],
    }
  }
  return {
    kubectl: `kubectl set image ${kubectlRef(w)} ${pair}${nsFlag(w)}`,
    requests: [
      {
        method: 'PATCH',
        path: `${base(w)}?fieldManager=kubectl-set`,
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { template: { spec: { '$setElementOrder/containers': containers.map((c) => ({ name: c.name })), containers: [{ image, name: container }] } } } },
      },
    ],
  }
}

/** `kubectl scale deployment/N --replicas=R`: a merge patch of the scale subresource, no fieldManager. */
export function scale(w: WorkloadRef, replicas: number): Action {
  if (!Number.isInteger(replicas) || replicas < 0) throw new ActionError('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0')
  return {
    kubectl: `kubectl scale ${kubectlRef(w)} --replicas=${replicas}${nsFlag(w)}`,
    requests: [{ method: 'PATCH', path: `${base(w)}/scale`, contentType: 'application/merge-patch+json', body: { spec: { replicas } } }],
  }
}

/** `kubectl rollout pause` (fieldManager kubectl-rollout); pausing twice is kubectl's client-side error. */
export function pause(w: WorkloadRef, obj: Workload): Action {
  if (w.resource === 'rollouts')
    return { kubectl: `kubectl argo rollouts pause ${w.name}${nsFlag(w)}`, requests: [{ method: 'PATCH', path: base(w), contentType: 'application/merge-patch+json', body: { spec: { paused: true } } }] }
  if (obj.spec?.paused) throw new ActionError(`error: deployments.apps "${w.name}" is already paused`)
  return {
    kubectl: `kubectl rollout pause ${kubectlRef(w)}${nsFlag(w)}`,
    requests: [{ method: 'PATCH', path: `${base(w)}?fieldManager=kubectl-rollout`, contentType: 'application/strategic-merge-patch+json', body: { spec: { paused: true } } }],
  }
}

/** `kubectl rollout resume`: `paused` becomes unset (false is omitted on the wire, so the patch deletes it). */
export function resume(w: WorkloadRef, obj: Workload): Action {
  if (w.resource === 'rollouts') return promote(w, obj, false)
  if (!obj.spec?.paused) throw new ActionError(`error: deployments.apps "${w.name}" is not paused`)
  return {
    kubectl: `kubectl rollout resume ${kubectlRef(w)}${nsFlag(w)}`,
    requests: [{ method: 'PATCH', path: `${base(w)}?fieldManager=kubectl-rollout`, contentType: 'application/strategic-merge-patch+json', body: { spec: { paused: null } } }],
  }
}

/** `kubectl rollout restart`: stamps the template with kubectl.kubernetes.io/restartedAt (RFC 3339, seconds). */
export function restart(w: WorkloadRef, now: Date): Action {
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z')
  if (w.resource === 'rollouts')
    return { kubectl: `kubectl argo rollouts restart ${w.name}${nsFlag(w)}`, requests: [{ method: 'PATCH', path: base(w), contentType: 'application/merge-patch+json', body: { spec: { restartAt: at } } }] }
  return {
    kubectl: `kubectl rollout restart ${kubectlRef(w)}${nsFlag(w)}`,
    requests: [
      {
        method: 'PATCH',
        path: `${base(w)}?fieldManager=kubectl-rollout`,
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } },
      },
    ],
  }
}

// The deployment's own annotations a rollback keeps (kubectl's annotationsToSkip): everything else comes from the ReplicaSet.
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'apps.kubernetes.io/deprecated-rollback-to',
])

interface ReplicaSet extends KubeObject {
  spec?: { template?: { metadata?: { labels?: Record<string, string> }; [k: string]: unknown } }
}

/**
 * `kubectl rollout undo deployment/N --to-revision=R` (0: the previous revision), computed on the
 * client as kubectl's DeploymentRollbacker does: the ReplicaSet of that revision among those the
 * deployment controls, its template without the pod-template-hash label, sent as a JSON patch that
 * replaces the template and the annotations.
 */
export function undo(w: WorkloadRef, obj: Workload, replicaSets: Iterable<ReplicaSet>, toRevision: number): Action {
  const flag = toRevision > 0 ? ` --to-revision=${toRevision}` : ''
  if (w.resource === 'rollouts') {
    return undoRollout(w, obj, replicaSets, toRevision, `kubectl argo rollouts undo ${w.name}${flag}${nsFlag(w)}`)
  }
  if (obj.spec?.paused) throw new ActionError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`)
  const rs = revisionFor(obj, replicaSets, toRevision)
  const template = structuredClone(rs.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string> } }
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash']
  if (sameTemplate(template, obj.spec?.template)) throw new ActionError(`skipped rollback (current template already matches revision ${revisionOf(rs)})`)
  const annotations: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj.metadata?.annotations ?? {})) if (annotationsToSkip.has(k)) annotations[k] = v
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!annotationsToSkip.has(k)) annotations[k] = v
  return {
    kubectl: `kubectl rollout undo ${kubectlRef(w)}${flag}${nsFlag(w)}`,
    requests: [
      {
        method: 'PATCH',
        path: base(w),
        contentType: 'application/json-patch+json',
        body: [
          { op: 'replace', path: '/spec/template', value: template },
          { op: 'replace', path: '/metadata/annotations', value: annotations },
        ],
      },
    ],
  }
}

function revisionFor(obj: Workload, replicaSets: Iterable<ReplicaSet>, toRevision: number, kind = 'deployment'): ReplicaSet {
  const uid = obj.metadata?.uid
  const owned = [...replicaSets].filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid))
  let target = toRevision
  if (target === 0) {
    // kubectl: the second-highest revision is the previous one.
    const revisions = [...new Set(owned.map(revisionOf))].sort((a, b) => b - a)
    if (revisions.length < 2) throw new ActionError(`no rollout history found for ${kind} "${obj.metadata?.name ?? ''}"`)
    target = revisions[1]
  }
  const rs = owned.find((r) => revisionOf(r) === target)
  if (!rs) throw new ActionError(`unable to find specified revision ${target} in history`)
  return rs
}

/** Semantic equality of two pod templates, ignoring the pod-template-hash label and key order. */
function sameTemplate(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = structuredClone(t ?? {}) as { metadata?: { labels?: Record<string, string> } }
    if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash']
    return canonical(c)
  }
  return strip(a) === strip(b)
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null && !(typeof x === 'object' && Object.keys(x as object).length === 0))
    return `{${entries
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/** The Argo plugin's undo: a JSON patch of the Rollout's template from the ReplicaSet of that revision. */
function undoRollout(w: WorkloadRef, obj: Workload, replicaSets: Iterable<ReplicaSet>, toRevision: number, cmd: string): Action {
  const rs = revisionFor(obj, replicaSets, toRevision, 'rollout')
  const template = structuredClone(rs.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string> } }
  if (template.metadata?.labels) delete template.metadata.labels['rollouts-pod-template-hash']
  return { kubectl: cmd, requests: [{ method: 'PATCH', path: base(w), contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/template', value: template }] }] }
}

// The Argo Rollouts plugin's patches (pkg/kubectl-argo-rollouts/cmd/promote, abort, retry): merge
// patches of the status subresource first, the main resource when that answers 404.

/** `kubectl argo rollouts promote [--full]`. */
export function promote(w: WorkloadRef, obj: Workload, full: boolean): Action {
  const cmd = `kubectl argo rollouts promote ${w.name}${full ? ' --full' : ''}${nsFlag(w)}`
  const spec = base(w)
  const status = `${spec}/status`
  const st = obj.status ?? {}
  const requests: ApiRequest[] = []
  const merge = (path: string, body: unknown, onNotFound?: ApiRequest): ApiRequest => ({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body, ...(onNotFound ? { onNotFound } : {}) })
  if (full) {
    if (st.currentPodHash !== st.stableRS) requests.push(merge(status, { status: { promoteFull: true } }, merge(spec, { spec: { paused: false }, status: { promoteFull: true } })))
    if (obj.spec?.paused) requests.push(merge(spec, { spec: { paused: false } }))
    return { kubectl: cmd, requests }
  }
  const steps = obj.spec?.strategy?.canary?.steps
  if ((st.pauseConditions ?? []).length > 0) requests.push(merge(status, { status: { pauseConditions: null } }, merge(spec, { spec: { paused: false }, status: { pauseConditions: null } })))
  else if (obj.spec?.strategy?.canary) {
    let index = st.currentStepIndex ?? 0
    if (steps && index < steps.length) index++
    requests.push(merge(status, { status: { pauseConditions: null, currentStepIndex: index } }, merge(spec, { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: index } })))
  }
  if (obj.spec?.paused) requests.push(merge(spec, { spec: { paused: false } }))
  return { kubectl: cmd, requests }
}

/** `kubectl argo rollouts abort`. */
export function abort(w: WorkloadRef): Action {
  const spec = base(w)
  return {
    kubectl: `kubectl argo rollouts abort ${w.name}${nsFlag(w)}`,
    requests: [{ method: 'PATCH', path: `${spec}/status`, contentType: 'application/merge-patch+json', body: { status: { abort: true } }, onNotFound: { method: 'PATCH', path: spec, contentType: 'application/merge-patch+json', body: { status: { abort: true } } } }],
  }
}

/** `kubectl argo rollouts retry rollout`. */
export function retry(w: WorkloadRef): Action {
  const spec = base(w)
  return {
    kubectl: `kubectl argo rollouts retry rollout ${w.name}${nsFlag(w)}`,
    requests: [{ method: 'PATCH', path: `${spec}/status`, contentType: 'application/merge-patch+json', body: { status: { abort: false } }, onNotFound: { method: 'PATCH', path: spec, contentType: 'application/merge-patch+json', body: { status: { abort: false } } } }],
  }
}
