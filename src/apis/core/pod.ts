// Pod helpers shared by every kind that embeds a pod template (Deployment, ReplicaSet, ...), and the
// stored pod's type.
import type { Pod } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../meta.js'
export { defaultContainer, defaultImagePullPolicy, defaultPodOnlyFields, defaultPodSpec, defaultPodTemplateSpec, defaultProbe } from './pod-defaults.js'
export { validatePodSpec, validatePodTemplateSpec, validatePortNumOrName } from './pod-validation.js'
export { computeQOSClass, type QOSClass } from './resources.js'

/** A pod as the API serves it: the upstream type with the metadata every stored object has. */
export type PodObj = StoredObject & Pod
