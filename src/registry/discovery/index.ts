// The discovery.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { endpointslices } from './endpointslice.js'

export { endpointslices }

export const discoveryResources: ResourceDef[] = [endpointslices]
