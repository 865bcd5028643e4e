// The scheduling.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { priorityClasses } from './priorityclass.js'

export { priorityClasses }

export const schedulingResources: ResourceDef[] = [priorityClasses as unknown as ResourceDef]
