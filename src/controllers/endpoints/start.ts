// The Endpoints and EndpointSlice controllers over one shared pod/service index (one pod cache,
// not two).
import type { Client } from '../../client/types.js'
import type { RunnerLog } from '../runtime/runner.js'
import { EndpointSliceController } from '../endpointslice/controller.js'
import { EndpointsController } from './controller.js'
import { ServicePodIndex } from './membership.js'

export interface EndpointControllers {
  index: ServicePodIndex
  endpoints: EndpointsController
  endpointSlices: EndpointSliceController
  /** Runs both until the signal aborts. */
  start(signal: AbortSignal): Promise<void>
}

export function endpointControllers(client: Client, log?: RunnerLog): EndpointControllers {
  const index = new ServicePodIndex(client, (err) => log?.error({ err }, 'endpoints pod/service informer'))
  const endpoints = new EndpointsController(client, index, log)
  const endpointSlices = new EndpointSliceController(client, index, log)
  return {
    index,
    endpoints,
    endpointSlices,
    async start(signal) {
      await Promise.all([index.start(signal), endpoints.start(signal), endpointSlices.start(signal)])
    },
  }
}
