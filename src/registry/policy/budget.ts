// The PodDisruptionBudget check of the eviction subresource (upstream
// pkg/registry/core/pod/storage/eviction.go: getPodDisruptionBudgets, checkAndDecrement). The
// eviction handler calls it for a pod that a budget can protect; it throws the 429 (or 403) that
// refuses the eviction, or records the pod in the budget's status.disruptedPods and lets it go.
import type { StoredObject } from '../../apis/meta.js'
import { isPodReady, updateDisruptionAllowedCondition, type PDB } from '../../apis/policy/pdb.js'
import { errors, isStatusError, statusErrorFrom } from '../../apis/status.js'
import { rfc3339 } from '../../lib/duration.js'
import { matches } from '../../lib/selector.js'
import { convertLabelSelector } from '../apps/workload.js'
import type { ResourceStore } from '../rest.js'

/** MaxDisruptedPodSize: evictions approved but not yet seen by the disruption controller. */
export const maxDisruptedPodSize = 2000
/** EvictionsRetry: 20 tries of a conflicting status write. */
const evictionRetries = 20

const pdbRef = { group: 'policy', resource: 'poddisruptionbudget' }

const violation = "Cannot evict pod as it would violate the pod's disruption budget."

function tooManyRequests(retryAfterSeconds: number, cause: string) {
  return statusErrorFrom(429, 'TooManyRequests', violation, {
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    causes: [{ reason: 'DisruptionBudget', message: cause }],
  })
}

/** The budgets whose selector matches the pod; a nil, empty or broken selector matches nothing here. */
export function budgetsForPod(pdbs: readonly PDB[], pod: StoredObject): PDB[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata.namespace !== pod.metadata.namespace) return false
    const sel = convertLabelSelector(pdb.spec?.selector)
    return sel.kind === 'selector' && sel.selector.length > 0 && matches(sel.selector, pod.metadata.labels)
  })
}

export interface BudgetDeps {
  /** The PodDisruptionBudget storage. */
  pdbs(): ResourceStore
  clock?: () => Date
}

export function disruptionBudget(deps: BudgetDeps) {
  const clock = deps.clock ?? (() => new Date())
  return async (pod: StoredObject, dryRun: boolean): Promise<{ pdbName?: string; pinResourceVersion?: boolean }> => {
    const store = deps.pdbs()
    const ns = pod.metadata.namespace
    const matched = budgetsForPod((await store.list(ns)).items as PDB[], pod)
    if (matched.length > 1) throw statusErrorFrom(500, undefined, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
    if (matched.length === 0) return {}
    let pdb = matched[0]
    const pdbName = pdb.metadata.name!
    // An unready pod does not count as healthy, so evicting it costs the budget nothing when the
    // budget says so (AlwaysAllow) or when the healthy ones suffice without it.
    if (!isPodReady(pod)) {
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { pdbName, pinResourceVersion: true }
      const s = pdb.status ?? {}
      if ((s.currentHealthy ?? 0) >= (s.desiredHealthy ?? 0) && (s.desiredHealthy ?? 0) > 0) return { pdbName, pinResourceVersion: true }
    }
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) pdb = (await store.get(ns, pdbName)) as PDB
      try {
        await checkAndDecrement(store, pod.metadata.name!, pdb, dryRun, clock())
        return { pdbName }
      } catch (err) {
        if (!isStatusError(err, 'Conflict')) throw err
        if (attempt + 1 >= evictionRetries) throw statusErrorFrom(504, 'Timeout', `couldn't update PodDisruptionBudget ${JSON.stringify(pdbName)} due to conflicts`, { retryAfterSeconds: 10 })
        await new Promise((r) => setTimeout(r, 2 + attempt * 5))
      }
    }
  }
}

async function checkAndDecrement(store: ResourceStore, podName: string, pdb: PDB, dryRun: boolean, now: Date): Promise<void> {
  const name = pdb.metadata.name!
  const status = { ...(pdb.status ?? {}) }
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequests(10, `The disruption budget ${name} is still being processed by the server.`)
  const allowed = status.disruptionsAllowed ?? 0
  if (allowed < 0) throw errors.forbidden(pdbRef, name, 'pdb disruptions allowed is negative')
  if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPodSize)
    throw errors.forbidden(pdbRef, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller')
  if (allowed === 0) throw tooManyRequests(0, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`)
  status.disruptionsAllowed = allowed - 1
  if (status.disruptionsAllowed === 0) status.conditions = updateDisruptionAllowedCondition(status, rfc3339(now))
  if (dryRun) return
  // Tell the controller the pod is about to go, so it stops counting it as healthy; if it is not
  // gone within DeletionTimeout (2 minutes) the controller drops it from the map again.
  status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: rfc3339(now) }
  await store.update(pdb.metadata.namespace, name, { ...pdb, status }, { subresource: 'status', fieldManager: 'kube-apiserver' })
}
