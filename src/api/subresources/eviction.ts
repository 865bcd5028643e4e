// pods/eviction (upstream pkg/registry/core/pod/storage/eviction.go): POST a policy/v1 Eviction to
// delete a pod the polite way, the way `kubectl drain` does. The pod is deleted with the Eviction's
// DeleteOptions; the answer is a Success Status with code 201.
//
// A pod a budget never protects (finished, Pending, already terminating) is deleted at once. Any
// other goes through the `budget` hook (registry/policy/budget.ts), which answers 429 with
// upstream's message when the pod's PodDisruptionBudget allows no disruption now, and otherwise
// records the pod in the budget's status.disruptedPods before the delete.
//
// Either way the pod is first marked, through its status, with the condition DisruptionTarget=True
// (reason EvictionByEvictionAPI, message `Eviction API: evicting`), as upstream's
// addConditionAndDeletePod does, so its owner and its containers can tell an eviction from a delete.
import type { KObject, StoredObject } from '../../apis/meta.js'
import { errors, isStatusError, statusErrorFrom, successStatus, type Status, type StatusError } from '../../apis/status.js'
import type { DeleteOptions, ResourceStore } from '../../registry/rest.js'
import type { SubresourceHandler } from '../server.js'
import { isObj } from '../../lib/guards.js'
import { setPodCondition } from '../../apis/core/pod-conditions.js'

type Obj = Record<string, unknown>

export interface EvictionDeps {
  /**
   * Throws a 429 StatusError when a disruption budget forbids evicting `pod` now (and records the
   * disruption when it allows it). Absent: nothing budgets disruptions.
   */
  budget?(pod: StoredObject, dryRun: boolean): Promise<BudgetDecision | void>
  /** The time of the DisruptionTarget condition (tests); default now. */
  clock?: () => Date
}

/** The condition an evicted pod carries while it terminates (upstream's conditionAppender). */
export const evictionDisruptionTarget = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' } as const

/**
 * upstream addConditionAndDeletePod: a status update of the latest pod (checked against the
 * delete's preconditions first, so a stale uid or resourceVersion is the same 409 the delete would
 * give) adds DisruptionTarget, then the delete runs, its resourceVersion precondition moved to the
 * version that update wrote. A dry run only deletes (which writes nothing).
 */
async function addConditionAndDelete(pods: ResourceStore, namespace: string | undefined, name: string, opts: DeleteOptions, clock: () => Date = () => new Date()): Promise<void> {
  if (!opts.dryRun) {
    const ref = { group: '', resource: 'pods' }
    const updated = await pods.guaranteedUpdate(
      namespace,
      name,
      (latest) => {
        const uid = opts.preconditions?.uid
        if (uid && uid !== latest.metadata.uid)
          throw errors.conflict(ref, name, `the UID in the precondition (${uid}) does not match the UID in record (${latest.metadata.uid}). The object might have been deleted and then recreated`)
        const rv = opts.preconditions?.resourceVersion
        if (rv && rv !== latest.metadata.resourceVersion)
          throw errors.conflict(ref, name, `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${latest.metadata.resourceVersion}). The object might have been modified`)
        const status = { ...((latest.status as Obj | undefined) ?? {}) }
        setPodCondition(status, { ...evictionDisruptionTarget }, clock())
        // Stored as a decoded write stores it: a null field is no field (this path skips decoding).
        status.conditions = (status.conditions as Obj[]).map((c) => (c.lastProbeTime === null ? (({ lastProbeTime: _, ...rest }) => rest)(c) : c))
        // The write carries no resourceVersion: guaranteedUpdate retries a race itself.
        return { ...latest, metadata: { ...latest.metadata, resourceVersion: undefined }, status }
      },
      { subresource: 'status' },
    )
    if (opts.preconditions?.resourceVersion) opts = withResourceVersion(opts, updated.metadata.resourceVersion)
  }
  await pods.delete(namespace, name, opts)
}

/** What the budget decided besides "allowed". */
export interface BudgetDecision {
  /** The budget that governs the pod (for the 429 when the delete then conflicts). */
  pdbName?: string
  /**
   * Delete only if the pod is still at the resourceVersion read (an unready pod let through: it
   * must not have become ready meanwhile, upstream's updateDeletionOptions).
   */
  pinResourceVersion?: boolean
}

/** Upstream's createTooManyRequestsError: the budget's status is not current yet. */
export function budgetProcessingError(pdbName: string): StatusError {
  return statusErrorFrom(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    retryAfterSeconds: 10,
    causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` }],
  })
}

/** shouldEnforceResourceVersion: only pods that could still become ready (not finished, not terminating). */
function shouldPinResourceVersion(pod: StoredObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp)
}

function withResourceVersion(opts: DeleteOptions, rv: string | undefined): DeleteOptions {
  return { ...opts, preconditions: { ...(opts.preconditions ?? {}), resourceVersion: rv } }
}

const evictionVersions = new Set(['policy/v1', 'policy/v1beta1'])

/** Pods a budget never protects (upstream canIgnorePDB): finished, not yet running, or already going. */
export function canIgnoreBudget(pod: StoredObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp)
}

/** The Eviction's DeleteOptions in the registry's form, checked as the DELETE path checks them. */
function deleteOptionsOf(body: Obj, dryRunQuery: string[]): DeleteOptions {
  const o = isObj(body.deleteOptions) ? body.deleteOptions : {}
  const dryRun = [...dryRunQuery, ...(Array.isArray(o.dryRun) ? o.dryRun.map(String) : [])]
  for (const v of dryRun) if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; only "All" is supported`)
  const policy = o.propagationPolicy
  if (policy !== undefined && policy !== null && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`)
  }
  const grace = o.gracePeriodSeconds
  if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace))) throw errors.badRequest('gracePeriodSeconds: must be an integer')
  return {
    gracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
    propagationPolicy: (policy ?? undefined) as DeleteOptions['propagationPolicy'],
    orphanDependents: typeof o.orphanDependents === 'boolean' ? o.orphanDependents : undefined,
    preconditions: isObj(o.preconditions) ? (o.preconditions as DeleteOptions['preconditions']) : undefined,
    dryRun: dryRun.length > 0,
  }
}

export class PodEviction implements SubresourceHandler {
  readonly info = { name: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] }

  constructor(private readonly deps: EvictionDeps = {}) {}

  /** Evicts the pod `name` as the Eviction `body` says (the in-process form of the POST). */
  async evict(pods: ResourceStore, namespace: string | undefined, name: string, body: unknown, dryRunQuery: string[] = []): Promise<Status> {
    if (!isObj(body)) throw errors.badRequest('the body of the request was not a JSON object')
    const apiVersion = body.apiVersion
    if (apiVersion !== undefined && apiVersion !== '' && !evictionVersions.has(String(apiVersion))) {
      throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (policy/v1)`)
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== 'Eviction') {
      throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`)
    }
    const meta = isObj(body.metadata) ? body.metadata : {}
    if (meta.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object')
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    const opts = deleteOptionsOf(body, dryRunQuery)
    const callerPinned = opts.preconditions?.resourceVersion !== undefined && opts.preconditions.resourceVersion !== null
    // A pod no budget protects is deleted at once, pinned to the version read so that a Pending pod
    // that became Running meanwhile goes through the budget instead (retried on conflict, unless
    // the caller pinned a version of its own).
    let pod: StoredObject
    for (let attempt = 0; ; attempt++) {
      pod = await pods.get(namespace, name)
      if (!canIgnoreBudget(pod)) break
      try {
        await addConditionAndDelete(pods, namespace, name, shouldPinResourceVersion(pod) && !callerPinned ? withResourceVersion(opts, pod.metadata.resourceVersion) : opts, this.deps.clock)
        return { ...successStatus(), code: 201 }
      } catch (err) {
        if (!isStatusError(err, 'Conflict') || callerPinned || attempt >= 20) throw err
      }
    }
    const decision = (await this.deps.budget?.(pod, Boolean(opts.dryRun))) ?? {}
    try {
      await addConditionAndDelete(pods, namespace, name, decision.pinResourceVersion ? withResourceVersion(opts, pod.metadata.resourceVersion) : opts, this.deps.clock)
    } catch (err) {
      // The unready pod let through changed (became ready?) before the delete: ask the client to retry.
      if (isStatusError(err, 'Conflict') && decision.pinResourceVersion && !callerPinned) throw budgetProcessingError(decision.pdbName ?? '')
      throw err
    }
    return { ...successStatus(), code: 201 }
  }

  /** The in-process form of the POST. */
  create(pods: ResourceStore, namespace: string | undefined, name: string, body: unknown): Promise<Status> {
    return this.evict(pods, namespace, name, body)
  }

  async handle(ctx: Parameters<SubresourceHandler['handle']>[0]): Promise<void> {
    const { req, res, target, url } = ctx
    if (req.method !== 'POST') throw errors.methodNotAllowed()
    if (!target.name) throw errors.pathNotFound()
    const status = await this.evict(ctx.store, target.namespace, target.name, (await ctx.body()) as KObject, url.searchParams.getAll('dryRun'))
    const out = JSON.stringify(status)
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) })
    res.end(out)
  }
}

/** The handler for `pods/eviction`, to put in the API server's SubresourceHandlers map. */
export function podEviction(deps: EvictionDeps = {}): PodEviction {
  return new PodEviction(deps)
}
