// Every kind the API server serves, in discovery order within each group.
import { apiextensionsResources } from './apiextensions/crd.js'
import { appsResources } from './apps/index.js'
import { argoprojResources } from './argoproj/index.js'
import { autoscalingResources } from './autoscaling/index.js'
import { batchResources } from './batch/index.js'
import { certificatesResources } from './certificates/csr.js'
import { coreResources } from './core/index.js'
import { coordinationResources } from './coordination/index.js'
import { discoveryResources } from './discovery/index.js'
import { eventsResources } from './events/index.js'
import { networkingResources } from './networking/index.js'
import { policyResources } from './policy/index.js'
import { quotaResources } from './quota/index.js'
import { rbacResources } from './rbac/index.js'
import { schedulingResources } from './scheduling/index.js'
import { admissionregistrationResources } from './admissionregistration/index.js'
import { storageResources } from './storage/index.js'
import type { ResourceDef } from './types.js'

export function builtInResources(): ResourceDef[] {
  return [...coreResources, ...quotaResources, ...appsResources, ...batchResources, ...autoscalingResources, ...networkingResources, ...eventsResources, ...coordinationResources, ...discoveryResources, ...policyResources, ...schedulingResources, ...storageResources, ...certificatesResources, ...apiextensionsResources, ...argoprojResources, ...rbacResources, ...admissionregistrationResources]
}
