// Publishing a pod's status (upstream status_manager): through pods/status, only when it changed,
// with the resourceVersion read as precondition; a lost race is retried on a fresh read.
import { isDeepStrictEqual } from 'node:util'
import type { PodStatus } from 'kubernetes-types/core/v1.js'
import type { PodObj } from '../../apis/core/pod.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import type { ResourceClient } from '../../client/types.js'
import type { Clock } from '../../lib/clock.js'

function rvNum(o: PodObj | undefined): number {
  return Number(o?.metadata.resourceVersion ?? -1) || -1
}

export class PodStatusWriter {
  /** The pod as our last write returned it (newer than the informer's copy until the watch catches up). */
  private lastWritten?: PodObj

  constructor(
    private readonly pods: ResourceClient<PodObj>,
    private readonly timers: Clock,
    private readonly uid: string,
  ) {}

  /** The newer of the informer's pod and the one our last write returned. */
  newest(pod: PodObj): PodObj {
    return this.lastWritten && rvNum(this.lastWritten) > rvNum(pod) ? this.lastWritten : pod
  }

  /**
   * True when someone else changed what this agent last published about readiness (the node
   * lifecycle controller marks pods Ready=False on a node it lost): the kubelet's status manager
   * puts that right.
   */
  overwritten(pod: PodObj): boolean {
    return !!this.lastWritten && readyOf(pod) !== readyOf(this.lastWritten) && rvNum(pod) > rvNum(this.lastWritten)
  }

  /** Publish compute(base) if it differs from base's status; up to 3 retries on conflict, none on NotFound. */
  async write(pod: PodObj, compute: (base: PodObj) => PodStatus): Promise<void> {
    let base = this.newest(pod)
    for (let attempt = 0; ; attempt++) {
      const status = compute(base)
      if (isDeepStrictEqual(status, base.status)) return
      try {
        const body: PodObj = { ...base, status }
        this.lastWritten = await this.pods.update(body, { subresource: 'status' })
        return
      } catch (err) {
        if (isNotFound(err)) return
        if (!isConflict(err) || attempt >= 3) throw err
        // Back off a little (as client-go's RetryOnConflict): the write we lost to may still be
        // committing, and a read now would return the same stale version.
        await new Promise<void>((r) => this.timers.setTimeout(r, 10 * (attempt + 1)))
        const fresh = await this.pods.get(base.metadata.namespace, base.metadata.name!).catch(() => undefined)
        if (!fresh || fresh.metadata.uid !== this.uid) return
        base = fresh
        this.lastWritten = fresh
      }
    }
  }
}

/** The status of a pod's Ready condition, as published. */
function readyOf(pod: PodObj): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status
}
