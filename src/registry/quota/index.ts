// core/v1 ResourceQuota and LimitRange (served in the core group; kept here with their admission).
import type { ResourceDef } from '../types.js'
import { limitRanges } from './limitrange.js'
import { resourceQuotas } from './resourcequota.js'

export { limitRanges, resourceQuotas }

export const quotaResources: ResourceDef[] = [resourceQuotas as unknown as ResourceDef, limitRanges as unknown as ResourceDef]
