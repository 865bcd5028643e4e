// The coordination.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { leases } from './lease.js'

export { leases }

export const coordinationResources: ResourceDef[] = [leases]
