// The plugin's writes, as Argo's plugin sends them: status patches to the status subresource first
// (falling back to one patch of the object when a server has no status subresource, as Rollouts
// v0.9), spec patches to the object, undo as a JSON patch, set image as an update with up to five
// tries on conflicts.
import { isConflict, isNotFound } from '../../client/errors.js'
import type { ResourceClient } from '../../client/types.js'
import type { StoredObject } from '../../apis/meta.js'
import { labelSelectorMatches } from '../../lib/selector.js'
import { CommandError } from './connect.js'
import { patches, promoteError, promotePatches, replicaSetForRevision, setImage, templateMatches, undoPatch, type PromoteFlags } from './patches.js'
import type { Deployment, ReplicaSet, Rollout } from './types.js'

type RolloutClient = ResourceClient<Rollout & StoredObject>
const merge = 'application/merge-patch+json' as const

/** A status patch through /status, else (NotFound: no status subresource) the fallback on the object. */
async function patchStatus(ro: RolloutClient, ns: string, name: string, status: string, fallback: string): Promise<Rollout> {
  try {
    return await ro.patch(ns, name, merge, status, { subresource: 'status' })
  } catch (err) {
    if (!isNotFound(err)) throw err
    return ro.patch(ns, name, merge, fallback)
  }
}

/** promote.go's PromoteRollout. */
export async function promote(ro: RolloutClient, ns: string, name: string, f: PromoteFlags): Promise<Rollout> {
  let obj: Rollout = await ro.get(ns, name)
  const bad = promoteError(obj, f)
  if (bad) throw new CommandError(bad)
  let { spec, status, unified } = promotePatches(obj, f)
  if (status !== undefined) {
    try {
      obj = await ro.patch(ns, name, merge, status, { subresource: 'status' })
    } catch (err) {
      if (!isNotFound(err)) throw err
      spec = unified
    }
  }
  if (spec !== undefined) obj = await ro.patch(ns, name, merge, spec)
  return obj
}

export const abort = (ro: RolloutClient, ns: string, name: string) => patchStatus(ro, ns, name, patches.abort, patches.abort)
export const retry = (ro: RolloutClient, ns: string, name: string) => patchStatus(ro, ns, name, patches.retry, patches.retry)
export const pause = (ro: RolloutClient, ns: string, name: string) => ro.patch(ns, name, merge, patches.pause)
export const restart = (ro: RolloutClient, ns: string, name: string, at: string) => ro.patch(ns, name, merge, patches.restart(at))

export interface UndoClients {
  rollouts: RolloutClient
  replicaSets: ResourceClient<ReplicaSet & StoredObject>
  /** The kind of spec.workloadRef, patched instead of the Rollout when there is one. */
  workload(kind: string): ResourceClient | undefined
}

/** undo.go's RunUndoRollout: what it prints on success. */
export async function undo(c: UndoClients, ns: string, name: string, toRevision: number): Promise<string> {
  const ro = await c.rollouts.get(ns, name)
  const all = (await c.replicaSets.list(ns, {})).items
  // The ReplicaSets the Rollout's selector matches and it controls.
  const owned = all.filter((rs) => labelSelectorMatches(ro.spec.selector as never, rs.metadata.labels) && (rs.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === ro.metadata.uid))
  const rs = replicaSetForRevision(name, owned, toRevision)
  if (typeof rs === 'string') throw new CommandError(rs)
  if (templateMatches(ro.spec.template, rs)) return `skipped rollback (current template already matches revision ${toRevision})`
  const patch = undoPatch(rs)
  try {
    const ref = ro.spec.workloadRef
    if (ref) {
      const client = c.workload(ref.kind ?? '')
      if (!client) throw new CommandError(`workload of type ${ref.kind} is not supported`)
      await client.patch(ns, ref.name ?? '', 'application/json-patch+json', patch)
    } else {
      await c.rollouts.patch(ns, name, 'application/json-patch+json', patch)
    }
  } catch (err) {
    if (err instanceof CommandError) throw err
    throw new CommandError(`failed restoring revision ${toRevision}: ${(err as Error).message}`)
  }
  return `rollout '${ro.metadata.name}' undo\n`
}

/** set/image.go's SetImage: the Rollout's template, or its workloadRef Deployment's. Returns what it updated. */
export async function setRolloutImage(rollouts: RolloutClient, deployments: () => ResourceClient<Deployment & StoredObject>, ns: string, name: string, container: string, image: string): Promise<StoredObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      const ro = await rollouts.get(ns, name)
      const ref = ro.spec.workloadRef
      if (ref) {
        if (typeof ref.name !== 'string') throw new CommandError(`spec.workloadRef.name is not a string: ${ref.name}`)
        const d = deployments()
        const next = setImage(await d.get(ns, ref.name), container, image)
        if (typeof next === 'string') throw new CommandError(next)
        return await d.update(next)
      }
      const next = setImage(ro, container, image)
      if (typeof next === 'string') throw new CommandError(next)
      return await rollouts.update(next)
    } catch (err) {
      if (isConflict(err) && attempt < 4) continue
      throw err
    }
  }
}
