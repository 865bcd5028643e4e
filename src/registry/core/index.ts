// The core/v1 kinds, in the order discovery lists them.
import type { ResourceDef } from '../types.js'
import { configMapsResource } from './configmaps.js'
import { endpointsResource } from './endpoints.js'
import { eventsResource } from './events.js'
import { namespacesResource } from './namespaces.js'
import { nodesResource } from './nodes.js'
import { persistentVolumeClaimsResource, persistentVolumesResource } from './persistentvolumes.js'
import { podsResource } from './pods.js'
import { replicationControllersResource } from './replicationcontrollers.js'
import { secretsResource } from './secrets.js'
import { serviceAccountsResource } from './serviceaccounts.js'
import { servicesResource } from './services.js'

export const coreResources: ResourceDef[] = [
  podsResource,
  servicesResource,
  namespacesResource,
  nodesResource,
  endpointsResource,
  configMapsResource,
  secretsResource,
  persistentVolumeClaimsResource,
  persistentVolumesResource,
  replicationControllersResource,
  serviceAccountsResource,
  eventsResource,
] as unknown as ResourceDef[]
