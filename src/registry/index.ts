// Every kind the API server serves, in discovery order within each group.
import { appsResources } from './apps/index.js'
import type { ResourceDef } from './types.js'

export function builtInResources(): ResourceDef[] {
  return [...appsResources]
}
