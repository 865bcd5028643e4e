// The apps/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { controllerrevisions } from './controllerrevision.js'
import { daemonsets } from './daemonset.js'
import { deployments } from './deployment.js'
import { replicasets } from './replicaset.js'
import { statefulsets } from './statefulset.js'

export { controllerrevisions, daemonsets, deployments, replicasets, statefulsets }

export const appsResources: ResourceDef[] = [deployments, replicasets, controllerrevisions, statefulsets, daemonsets]
