// The policy/v1 kinds kubelite serves (Eviction is a subresource of pods: api/subresources/eviction.ts).
import type { ResourceDef } from '../types.js'
import { podDisruptionBudgets } from './poddisruptionbudget.js'

export { podDisruptionBudgets }

export const policyResources: ResourceDef[] = [podDisruptionBudgets]
