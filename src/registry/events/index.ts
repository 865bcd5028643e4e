// The events.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { eventsV1 } from './event.js'

export { eventsV1 }
export { eventCells, eventColumns, eventTable } from './table.js'
export { fromCoreEvent, toCoreEvent } from './convert.js'

export const eventsResources: ResourceDef[] = [eventsV1]
