// The batch/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { jobs } from './job.js'

export { jobs }

export const batchResources: ResourceDef[] = [jobs]
