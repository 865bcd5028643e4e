// Whether the Services' proxies may still send new traffic to a pod: some EndpointSlice offers it
// as a ready, non-terminating endpoint (what every proxy routes to, kubelite's and upstream's
// kube-proxy alike). The node agent holds SIGTERM until this turns false, so a pod is never signalled
// while a proxy that follows the API could still pick it. Pure: slices in, answer out.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'

export interface PodRef {
  namespace: string
  name: string
  uid?: string
  /** The pod's IP, for endpoints listed without a targetRef. */
  ip?: string
}

/** True while any slice lists the pod as ready and not terminating. */
export function offeredAsReady(slices: readonly EndpointSlice[], pod: PodRef): boolean {
  for (const slice of slices) {
    if (slice.metadata?.namespace !== undefined && slice.metadata.namespace !== pod.namespace) continue
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef
      const mine =
        ref?.kind === 'Pod'
          ? ref.name === pod.name && (ref.namespace ?? pod.namespace) === pod.namespace && (!ref.uid || !pod.uid || ref.uid === pod.uid)
          : pod.ip !== undefined && (ep.addresses ?? []).includes(pod.ip)
      if (mine && ep.conditions?.ready !== false && ep.conditions?.terminating !== true) return true
    }
  }
  return false
}
