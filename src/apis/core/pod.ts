// Pod helpers shared by every kind that embeds a pod template (Deployment, ReplicaSet, ...).
export { defaultContainer, defaultImagePullPolicy, defaultPodOnlyFields, defaultPodSpec, defaultPodTemplateSpec, defaultProbe } from './pod-defaults.js'
export { validatePodSpec, validatePodTemplateSpec, validatePortNumOrName } from './pod-validation.js'
export { computeQOSClass, type QOSClass } from './resources.js'
