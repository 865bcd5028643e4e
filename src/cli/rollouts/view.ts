// Argo's viewcontroller: the objects behind one Rollout (or Experiment) — the Rollout, the
// namespace's ReplicaSets, pods, Experiments and AnalysisRuns, and a workloadRef's Deployment — read
// once for `get`, or kept current by informers (list + watch) for `get --watch` and `status`, which
// hear of every change as it happens.
import { Informer } from '../../client/informer.js'
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { GVR } from '../../client/types.js'
import { CommandError, type Connection } from './connect.js'
import { experimentInfo, rolloutInfo, type ExperimentInfo, type RolloutInfo } from './info.js'
import { gvr, type AnalysisRun, type Deployment, type Experiment, type Pod, type ReplicaSet, type Rollout } from './types.js'

export type Kind = 'rollout' | 'experiment'

/** The lister's NotFound, as Argo's plugin prints it for get and status: the singular resource. */
export const notFound = (kind: Kind, name: string) => new CommandError(`${kind}.argoproj.io "${name}" not found`)

interface Objects {
  rollouts: Rollout[]
  replicaSets: ReplicaSet[]
  pods: Pod[]
  experiments: Experiment[]
  analysisRuns: AnalysisRun[]
  deployments: Deployment[]
}

/** Builds the info from what was read; a missing Rollout (or workloadRef Deployment) is an error. */
export function infoFrom(kind: Kind, name: string, o: Objects): RolloutInfo | ExperimentInfo {
  if (kind === 'experiment') {
    const exp = o.experiments.find((e) => e.metadata.name === name)
    if (!exp) throw notFound('experiment', name)
    return experimentInfo(exp, o.replicaSets, o.analysisRuns, o.pods)
  }
  const ro = o.rollouts.find((r) => r.metadata.name === name)
  if (!ro) throw notFound('rollout', name)
  let workload: Deployment | undefined
  if (ro.spec.workloadRef) {
    workload = o.deployments.find((d) => d.metadata?.name === ro.spec.workloadRef!.name)
    if (!workload) throw new CommandError(`deployment.apps "${ro.spec.workloadRef.name}" not found`)
  }
  return rolloutInfo({ rollout: ro, replicaSets: o.replicaSets, pods: o.pods, experiments: o.experiments, analysisRuns: o.analysisRuns, workload })
}

const sources: [keyof Objects, GVR][] = [
  ['rollouts', gvr.rollouts],
  ['replicaSets', gvr.replicaSets],
  ['pods', gvr.pods],
  ['experiments', gvr.experiments],
  ['analysisRuns', gvr.analysisRuns],
  ['deployments', gvr.deployments],
]

/** `get` without --watch: one read of everything. */
export async function readOnce(c: Connection, kind: Kind, name: string): Promise<RolloutInfo | ExperimentInfo> {
  const o: Objects = { rollouts: [], replicaSets: [], pods: [], experiments: [], analysisRuns: [], deployments: [] }
  const main = kind === 'rollout' ? gvr.rollouts : gvr.experiments
  if (!c.serves(main)) throw notFound(kind, name)
  try {
    const obj = await c.resource(main).get(c.namespace, name)
    if (kind === 'rollout') o.rollouts = [obj as unknown as Rollout]
    else o.experiments = [obj as unknown as Experiment]
  } catch (err) {
    if (isNotFound(err)) throw notFound(kind, name)
    throw err
  }
  await Promise.all(
    sources
      .filter(([key, g]) => key !== (kind === 'rollout' ? 'rollouts' : 'experiments') && c.serves(g))
      .map(async ([key, g]) => {
        const items = (await c.resource(g).list(c.namespace)).items
        if (key === 'experiments' || key === 'rollouts') (o[key] as unknown[]) = [...o[key], ...items]
        else (o[key] as unknown[]) = items
      }),
  )
  return infoFrom(kind, name, o)
}

/**
 * A live view: informers on the namespace's objects; `onChange` hears the new info whenever any of
 * them changes and the info differs from the last one (Argo compares with reflect.DeepEqual).
 */
export class LiveView {
  private readonly informers = new Map<keyof Objects, Informer<StoredObject>>()
  private last = ''

  constructor(
    private readonly c: Connection,
    private readonly kind: Kind,
    private readonly name: string,
  ) {
    for (const [key, g] of sources) {
      if (!c.serves(g)) continue
      this.informers.set(key, new Informer(c.resource(g), { namespace: c.namespace, retryDelayMs: 1000 }))
    }
  }

  /** Starts the informers and resolves once each has listed (Argo's WaitForCacheSync). */
  async start(signal: AbortSignal): Promise<void> {
    for (const inf of this.informers.values()) void inf.start(signal)
    await Promise.race([Promise.all([...this.informers.values()].map((i) => i.waitForSync())), new Promise((r) => signal.addEventListener('abort', r, { once: true }))])
  }

  /** The current info; throws the lister's NotFound when the object is not there. */
  info(): RolloutInfo | ExperimentInfo {
    const list = <T>(key: keyof Objects) => (this.informers.get(key)?.list() ?? []) as unknown as T[]
    return infoFrom(this.kind, this.name, {
      rollouts: list('rollouts'),
      replicaSets: list('replicaSets'),
      pods: list('pods'),
      experiments: list('experiments'),
      analysisRuns: list('analysisRuns'),
      deployments: list('deployments'),
    })
  }

  /** Calls `fn` with every new info (not on repeats); errors (the object gone) are skipped, as Argo logs and waits. */
  onChange(fn: (info: RolloutInfo | ExperimentInfo) => void): void {
    const changed = () => {
      let info: RolloutInfo | ExperimentInfo
      try {
        info = this.info()
      } catch {
        return
      }
      const key = JSON.stringify(info)
      if (key === this.last) return
      this.last = key
      fn(info)
    }
    for (const inf of this.informers.values()) inf.on({ add: changed, update: changed, delete: changed })
  }
}
