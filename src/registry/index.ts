// Every kind the API server serves, in discovery order within each group.
import { appsResources } from './apps/index.js'
import { argoprojResources } from './argoproj/index.js'
import { autoscalingResources } from './autoscaling/index.js'
import { batchResources } from './batch/index.js'
import { coreResources } from './core/index.js'
import { coordinationResources } from './coordination/index.js'
import { discoveryResources } from './discovery/index.js'
import { eventsResources } from './events/index.js'
import type { ResourceDef } from './types.js'

export function builtInResources(): ResourceDef[] {
  return [...coreResources, ...appsResources, ...batchResources, ...autoscalingResources, ...eventsResources, ...coordinationResources, ...discoveryResources, ...argoprojResources]
}
