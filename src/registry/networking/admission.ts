// The DefaultIngressClass admission plugin (upstream plugin/pkg/admission/network/defaultingressclass):
// an Ingress created without spec.ingressClassName and without the kubernetes.io/ingress.class
// annotation gets the class annotated ingressclass.kubernetes.io/is-default-class: "true"; with
// several such classes, the newest (then the first by name).
import type { StoredObject } from '../../apis/meta.js'
import type { Admission } from '../rest.js'
import { ingressClassAnnotation } from './ingress.js'
import { defaultIngressClassAnnotation } from './ingressclass.js'

/** getDefaultClass: the newest class marked default, ties broken by name; undefined when none is. */
export function pickDefaultIngressClass(classes: StoredObject[]): StoredObject | undefined {
  const time = (c: StoredObject) => Date.parse(String(c.metadata.creationTimestamp ?? '')) || 0
  return classes
    .filter((c) => c.metadata.annotations?.[defaultIngressClassAnnotation] === 'true')
    .sort((a, b) => time(b) - time(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0]
}

export function defaultIngressClass(listIngressClasses: () => Promise<StoredObject[]>): Admission {
  return {
    name: 'DefaultIngressClass',
    async admit(attrs) {
      if (attrs.def.group !== 'networking.k8s.io' || attrs.def.resource !== 'ingresses') return
      if (attrs.operation !== 'CREATE' || attrs.subresource || !attrs.object) return
      const obj = attrs.object
      const spec = (obj.spec ??= {}) as { ingressClassName?: unknown }
      if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return
      if (obj.metadata.annotations?.[ingressClassAnnotation] !== undefined) return
      const chosen = pickDefaultIngressClass(await listIngressClasses())
      if (chosen?.metadata.name) spec.ingressClassName = chosen.metadata.name
    },
  }
}
