// The networking.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { ingressclasses } from './ingressclass.js'
import { ingresses } from './ingress.js'
import { networkpolicies } from './networkpolicy.js'

export { ingressclasses, ingresses, networkpolicies }
export { defaultIngressClass as defaultIngressClassAdmission } from './admission.js'

export const networkingResources: ResourceDef[] = [ingresses, ingressclasses, networkpolicies]
