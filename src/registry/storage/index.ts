// The storage.k8s.io/v1 kinds kubelite serves.
import type { ResourceDef } from '../types.js'
import { storageClassesResource } from './storageclass.js'

export const storageResources: ResourceDef[] = [storageClassesResource] as unknown as ResourceDef[]
