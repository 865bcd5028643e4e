// A metric provider as Argo Rollouts' metric.Provider: Run starts a measurement (and, for most
// providers, finishes it), Resume looks again at one in flight (the job provider), Terminate
// stops one, GarbageCollect removes what old measurements left behind.
import { rfc3339 } from '../../../lib/duration.js'
import type { AnalysisRunObj, Measurement, Metric } from '../types.js'

export interface Provider {
  /** Argo's provider Type() (`Web`, `Prometheus`, `Job`, `Kubelite`). */
  readonly type: string
  run(run: AnalysisRunObj, metric: Metric): Promise<Measurement>
  resume(run: AnalysisRunObj, metric: Metric, m: Measurement): Promise<Measurement>
  terminate(run: AnalysisRunObj, metric: Metric, m: Measurement): Promise<Measurement>
  garbageCollect(run: AnalysisRunObj, metric: Metric, limit: number): Promise<void>
  metadata?(metric: Metric): Record<string, string> | undefined
}

/** Argo's MarkMeasurementError. */
export function markError(m: Measurement, err: unknown, now: Date): Measurement {
  return { ...m, phase: 'Error', message: err instanceof Error ? err.message : String(err), finishedAt: m.finishedAt ?? rfc3339(now) }
}

/** For providers whose Run does all the work (Argo logs a warning and returns the measurement as is). */
export const noResume = async (_run: AnalysisRunObj, _metric: Metric, m: Measurement): Promise<Measurement> => m
export const noGarbage = async (): Promise<void> => undefined
