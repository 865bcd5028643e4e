// The autoscaling kinds kubelite serves: HorizontalPodAutoscaler in v2 (stored) and v1.
import type { ResourceDef } from '../types.js'
import { hpaV1, hpaV2 } from './hpa.js'

export { hpaV1, hpaV2 }

export const autoscalingResources: ResourceDef[] = [hpaV2, hpaV1]
