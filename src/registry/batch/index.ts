// The batch/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { cronjobs } from './cronjob.js'
import { jobs } from './job.js'

export { cronjobs, jobs }

export const batchResources: ResourceDef[] = [jobs, cronjobs]
