// The canary judge's statistics, as Spinnaker Kayenta's NetflixACAJudge does them: per metric,
// NaNs dropped and outliers removed (IQRDetector, factor 3, reduced sensitivity), then the
// MannWhitneyClassifier (tolerance 0.25 of the Hodges-Lehmann estimate, confidence 0.98, effect
// size as the ratio of means against allowedIncrease/allowedDecrease, direction, critical); then
// the WeightedSumScorer (the share of Pass among classified metrics, weighted) and the
// ThresholdScoreClassifier (Pass at or above `pass`, Marginal at or above `marginal`, else Fail).
import { mannWhitneyUTest } from './mannwhitney.js'

export type Classification = 'Pass' | 'High' | 'Low' | 'Nodata' | 'Error'
export type Direction = 'increase' | 'decrease' | 'either'

export interface ClassifierOptions {
  tolerance?: number
  confidence?: number
  direction?: Direction
  /** Mean ratios (experiment/control): a High needs at least allowedIncrease, a Low at most allowedDecrease. */
  allowedIncrease?: number
  allowedDecrease?: number
  critical?: boolean
}

export interface MetricClassification {
  classification: Classification
  reason?: string
  /** Mean of experiment over mean of control (NaN when either is 0). */
  ratio: number
  critical: boolean
}

/** R-7 percentile (Apache Commons' Percentile with EstimationType.R_7), p in 0..100. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN
  const s = [...values].sort((a, b) => a - b)
  const h = (s.length - 1) * (p / 100)
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, s.length - 1)
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!)
}

/** Kayenta's IQRDetector(factor, reduceSensitivity = true): drops values beyond the fences. */
export function removeOutliers(values: readonly number[], factor = 3): number[] {
  if (values.length < 2) return [...values]
  const p25 = percentile(values, 25)
  const p75 = percentile(values, 75)
  const iqr = p75 - p25
  const lower = Math.min(percentile(values, 1), p25 - factor * iqr)
  const upper = Math.max(percentile(values, 99), p75 + factor * iqr)
  return values.filter((v) => v >= lower && v <= upper)
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length

/** Kayenta's EffectSizes.meanRatio(control, experiment). */
export function meanRatio(control: readonly number[], experiment: readonly number[]): number {
  const c = mean(control)
  const e = mean(experiment)
  return c === 0 || e === 0 ? NaN : e / c
}

/** A small deterministic Gaussian (Box-Muller over a fixed-seed LCG), for Kayenta's degenerate-data noise. */
function gaussianNoise(n: number, stdev: number): number[] {
  let seed = 12345
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return (seed + 1) / 2147483649
  }
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) * stdev)
}

/** Kayenta's MannWhitneyClassifier.classify (NaN strategy: remove). */
export function classifyMetric(name: string, control: readonly number[], experiment: readonly number[], o: ClassifierOptions = {}): MetricClassification {
  const tolerance = o.tolerance ?? 0.25
  const confidence = o.confidence ?? 0.98
  const direction = o.direction ?? 'either'
  const allowedIncrease = o.allowedIncrease ?? 1
  const allowedDecrease = o.allowedDecrease ?? 1
  const critical = o.critical === true
  if (!experiment.length || !control.length) return { classification: 'Nodata', reason: `Missing data for ${name}`, ratio: 1, critical }
  const sortedE = [...experiment].sort((a, b) => a - b)
  const sortedC = [...control].sort((a, b) => a - b)
  if (sortedE.length === sortedC.length && sortedE.every((v, i) => v === sortedC[i]))
    return { classification: 'Pass', reason: 'The Canary and Baseline data are identical', ratio: 1, critical: false }
  if (new Set([...experiment, ...control]).size === 1) return { classification: 'Pass', ratio: 1, critical: false }

  // Each side one distinct value (but different): Kayenta adds Gaussian noise scaled 1e-5 of the value.
  let x = [...experiment]
  let y = [...control]
  if (new Set(x).size === 1 && new Set(y).size === 1) {
    const noise = gaussianNoise(x.length + y.length, 1)
    const n = x.length
    x = x.map((v, i) => v + noise[i]! * experiment[0]! * 1e-5)
    y = y.map((v, i) => v + noise[n + i]! * control[0]! * 1e-5)
  }
  let mw
  try {
    mw = mannWhitneyUTest(x, y, confidence)
  } catch {
    return { classification: 'Error', reason: 'Metric Classification Failed', ratio: NaN, critical }
  }
  const effect = meanRatio(y, x)
  const bound = tolerance * Math.abs(mw.estimate)
  const [lowerConf, upperConf] = mw.confidenceInterval
  const isHigh = (direction === 'increase' || direction === 'either') && lowerConf > bound && (Number.isNaN(effect) || effect >= allowedIncrease)
  const isLow = (direction === 'decrease' || direction === 'either') && upperConf < -bound && (Number.isNaN(effect) || effect <= allowedDecrease)
  if (isHigh) return { classification: 'High', reason: critical ? `The metric ${name} was classified as High (Critical)` : `${name} was classified as High`, ratio: effect, critical }
  if (isLow) return { classification: 'Low', reason: critical ? `The metric ${name} was classified as Low (Critical)` : `${name} was classified as Low`, ratio: effect, critical }
  return { classification: 'Pass', ratio: effect, critical: false }
}

export interface ScoredMetric extends MetricClassification {
  name: string
  weight: number
}

export interface Score {
  /** 0–100. */
  score: number
  classification: 'Pass' | 'Marginal' | 'Fail'
  /** A critical metric classified High or Low: the score is 0 whatever the others say. */
  criticalFailure: boolean
}

/**
 * Kayenta's WeightedSumScorer with one group per metric and the metrics' weights as group
 * weights (normalized to 100): a metric with no data scores nothing; a critical High/Low makes it 0.
 */
export function scoreMetrics(metrics: readonly ScoredMetric[], thresholds: { pass: number; marginal: number }): Score {
  const totalWeight = metrics.reduce((s, m) => s + m.weight, 0)
  let score = 0
  for (const m of metrics) {
    if (m.classification === 'Nodata' || m.classification === 'Error' || totalWeight <= 0) continue
    score += (m.classification === 'Pass' ? 100 : 0) * (m.weight / totalWeight)
  }
  const criticalFailure = metrics.some((m) => m.critical && m.classification !== 'Pass')
  if (criticalFailure) score = 0
  const classification = score >= thresholds.pass ? 'Pass' : score >= thresholds.marginal ? 'Marginal' : 'Fail'
  return { score, classification, criticalFailure }
}
