// The DefaultTolerationSeconds admission plugin (upstream plugin/pkg/admission/defaulttolerationseconds):
// every pod that does not tolerate them already gets tolerations of the node lifecycle
// controller's NoExecute taints, `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable`
// (operator Exists), for 300 s each (kube-apiserver's --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds). So a pod on a node that stops answering is evicted
// five minutes after the node is tainted, not at once; `kubectl describe pod` prints them as
// `node.kubernetes.io/not-ready:NoExecute op=Exists for 300s`. On create and update of pods
// themselves (not their subresources), as upstream's plugin.
import type { Toleration } from 'kubernetes-types/core/v1.js'
import { isObj } from '../../lib/guards.js'
import type { Admission } from '../rest.js'

export const notReadyTaintKey = 'node.kubernetes.io/not-ready'
export const unreachableTaintKey = 'node.kubernetes.io/unreachable'

/** Upstream's flag default for both. */
export const defaultTolerationSecondsValue = 300

export interface DefaultTolerationSecondsOptions {
  /** --default-not-ready-toleration-seconds (default 300). */
  notReadySeconds?: number
  /** --default-unreachable-toleration-seconds (default 300). */
  unreachableSeconds?: number
}

/**
 * The tolerations to append to a pod spec's: none for a taint key the pod already tolerates with
 * NoExecute (a toleration of that key, or of every key, whose effect is NoExecute or every effect).
 */
export function computeDefaultTolerations(tolerations: readonly Toleration[], opts: DefaultTolerationSecondsOptions = {}): Toleration[] {
  const tolerates = (key: string) => tolerations.some((t) => isObj(t) && (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect))
  const added: Toleration[] = []
  const wanted: [string, number][] = [
    [notReadyTaintKey, opts.notReadySeconds ?? defaultTolerationSecondsValue],
    [unreachableTaintKey, opts.unreachableSeconds ?? defaultTolerationSecondsValue],
  ]
  for (const [key, seconds] of wanted) if (!tolerates(key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds })
  return added
}

export function defaultTolerationSeconds(opts: DefaultTolerationSecondsOptions = {}): Admission {
  return {
    name: 'DefaultTolerationSeconds',
    async admit(attrs) {
      const { def, operation } = attrs
      if (def.group !== '' || def.resource !== 'pods' || attrs.subresource) return
      if (operation !== 'CREATE' && operation !== 'UPDATE') return
      const spec = attrs.object?.spec
      if (!isObj(spec)) return
      const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : []
      const added = computeDefaultTolerations(tolerations, opts)
      if (added.length) spec.tolerations = [...tolerations, ...added]
    },
  }
}
