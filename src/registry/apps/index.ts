// The apps/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { controllerrevisions } from './controllerrevision.js'
import { deployments } from './deployment.js'
import { replicasets } from './replicaset.js'
import { statefulsets } from './statefulset.js'

export { controllerrevisions, deployments, replicasets, statefulsets }

export const appsResources: ResourceDef[] = [deployments, replicasets, controllerrevisions, statefulsets]
