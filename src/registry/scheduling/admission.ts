// The Priority admission plugin (upstream plugin/pkg/admission/priority): a new pod's
// spec.priorityClassName resolves to spec.priority and spec.preemptionPolicy (the globalDefault
// class, or priority 0 with PreemptLowerPriority, when it names none); a PriorityClass may become
// the global default only while no other is.
import type { StoredObject } from '../../apis/meta.js'
import { errors, isStatusError } from '../../apis/status.js'
import type { Admission, AdmissionAttributes } from '../rest.js'
import { systemPriorityClasses, type PriorityClassObj } from './priorityclass.js'

/** DefaultPriorityWhenNoDefaultClassExists. */
export const defaultPriority = 0

/**
 * The name admission errors show: upstream's plugins run before the name is generated, so a pod
 * created from generateName is named by that prefix (`pods "web-7d4b9-" is forbidden: ...`).
 */
export function admissionObjectName(attrs: AdmissionAttributes): string {
  const gen = attrs.object?.metadata.generateName
  if (gen && attrs.operation === 'CREATE' && attrs.name.startsWith(gen) && attrs.name.length === gen.length + 5) return gen
  return attrs.name
}

export interface PriorityDeps {
  getPriorityClass(name: string): Promise<PriorityClassObj>
  listPriorityClasses(): Promise<PriorityClassObj[]>
}

/** getDefaultPriorityClass: of several global defaults (a race), the lowest value wins. */
export function defaultPriorityClass(classes: readonly PriorityClassObj[]): PriorityClassObj | undefined {
  let found: PriorityClassObj | undefined
  for (const pc of classes) if (pc.globalDefault === true && (!found || (found.value ?? 0) > (pc.value ?? 0))) found = pc
  return found
}

type PodSpecLike = { priorityClassName?: string; priority?: number | null; preemptionPolicy?: string | null }

export function priorityAdmission(deps: PriorityDeps): Admission {
  const podsRef = { group: '', resource: 'pods' }
  return {
    name: 'Priority',
    async admit(attrs) {
      const { def, operation } = attrs
      if (def.group === 'scheduling.k8s.io' && def.resource === 'priorityclasses') {
        const pc = attrs.object as PriorityClassObj | undefined
        if (!pc || pc.globalDefault !== true || (operation !== 'CREATE' && operation !== 'UPDATE')) return
        const current = defaultPriorityClass(await deps.listPriorityClasses())
        if (current && (operation === 'CREATE' || current.metadata.name !== pc.metadata.name))
          throw errors.forbidden({ group: 'scheduling.k8s.io', resource: 'priorityclasses' }, admissionObjectName(attrs), `PriorityClass ${current.metadata.name} is marked as default. Only one default can exist`)
        return
      }
      if (def.group !== '' || def.resource !== 'pods' || attrs.subresource) return
      const pod = attrs.object as (StoredObject & { spec?: PodSpecLike }) | undefined
      if (!pod) return
      const spec = (pod.spec ??= {})
      if (operation === 'UPDATE') {
        // Set on create; an update that drops them keeps the old ones (validation forbids changes).
        const old = (attrs.oldObject as { spec?: PodSpecLike } | undefined)?.spec ?? {}
        if (spec.priority == null && old.priority != null) spec.priority = old.priority
        if (spec.preemptionPolicy == null && old.preemptionPolicy != null) spec.preemptionPolicy = old.preemptionPolicy
        return
      }
      if (operation !== 'CREATE') return
      let priority = defaultPriority
      let preemptionPolicy: string | undefined = 'PreemptLowerPriority'
      if (!spec.priorityClassName) {
        const dpc = defaultPriorityClass(await deps.listPriorityClasses())
        if (dpc) {
          spec.priorityClassName = dpc.metadata.name
          priority = dpc.value ?? 0
          preemptionPolicy = dpc.preemptionPolicy ?? undefined
        }
      } else {
        let pc: PriorityClassObj
        try {
          pc = await deps.getPriorityClass(spec.priorityClassName)
        } catch (err) {
          if (isStatusError(err, 'NotFound')) throw errors.forbidden(podsRef, admissionObjectName(attrs), `no PriorityClass with name ${spec.priorityClassName} was found`)
          throw err
        }
        priority = pc.value ?? 0
        preemptionPolicy = pc.preemptionPolicy ?? undefined
      }
      if (spec.priority != null && spec.priority !== priority)
        throw errors.forbidden(podsRef, admissionObjectName(attrs), `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`)
      spec.priority = priority
      if (preemptionPolicy !== undefined) {
        if (spec.preemptionPolicy != null && spec.preemptionPolicy !== preemptionPolicy)
          throw errors.forbidden(
            podsRef,
            admissionObjectName(attrs),
            `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
          )
        spec.preemptionPolicy = preemptionPolicy
      }
    },
  }
}

/** The system classes, created when missing (upstream's scheduling post-start hook). */
export async function bootstrapPriorityClasses(create: (obj: Record<string, unknown>) => Promise<unknown>): Promise<void> {
  for (const c of systemPriorityClasses) {
    try {
      await create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description })
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err
    }
  }
}
