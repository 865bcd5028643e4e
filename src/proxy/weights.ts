// Which endpoints serve each backend of a Service's traffic annotation (docs/traffic.md):
//   - `service: NAME`: the ready endpoints of that Service, for the same port;
//   - `selector`: this Service's own endpoints whose Pod has all these labels;
//   - neither: this Service's own endpoints that no selector backend claims.
// Every endpoint gets `group` = the index of its backend; an endpoint can serve two backends (the
// stable and canary Services of a Rollout select the same Pods between rollouts), as two entries.
// Pure: Pod labels come through a lookup.
import type { TrafficPolicy } from '../apis/traffic/annotation.js'
import type { Backend } from './endpoints.js'

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  if (!labels) return false
  for (const k in selector) if (labels[k] !== selector[k]) return false
  return true
}

export function assignBackends(
  policy: TrafficPolicy,
  own: readonly Backend[],
  otherService: (name: string) => readonly Backend[] | undefined,
  podLabels: (namespace: string, name: string) => Record<string, string> | undefined,
): Backend[] {
  const labelsOf = (b: Backend) => (b.pod ? podLabels(b.pod.namespace, b.pod.name) : undefined)
  const selectors = policy.backends.filter((pb) => pb.selector).map((pb) => pb.selector!)
  const out: Backend[] = []
  policy.backends.forEach((pb, group) => {
    if (pb.service) {
      for (const b of otherService(pb.service) ?? []) out.push({ ...b, group })
    } else if (pb.selector) {
      for (const b of own) if (selects(pb.selector, labelsOf(b))) out.push({ ...b, group })
    } else {
      for (const b of own) {
        const labels = labelsOf(b)
        if (!selectors.some((sel) => selects(sel, labels))) out.push({ ...b, group })
      }
    }
  })
  return out
}
