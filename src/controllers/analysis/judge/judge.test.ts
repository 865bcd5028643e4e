// The canary judge's statistics against known answers: R's wilcox.test (as Kayenta's
// MannWhitneySuite ties out), Kayenta's ClassifierSuite cases (its data, testdata/kayenta.json,
// Apache-2.0), textbook rank-sum examples, and Kayenta's WeightedSumScorer/threshold rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { classifyMetric, percentile, removeOutliers, scoreMetrics, type ScoredMetric } from './classify.js'
import { mannWhitneyUTest, qnorm, rank, wilcoxonDiff } from './mannwhitney.js'

const data = JSON.parse(readFileSync(new URL('./testdata/kayenta.json', import.meta.url), 'utf8')) as Record<string, { experiment: number[]; control: number[] }>
const close = (actual: number, expected: number, eps: number, what: string) => assert.ok(Math.abs(actual - expected) <= eps, `${what}: ${actual} vs ${expected}`)

test('qnorm matches R qnorm', () => {
  close(qnorm(0.025), -1.959963984540054, 1e-12, 'q(0.025)')
  close(qnorm(0.01), -2.326347874040841, 1e-12, 'q(0.01)')
  close(qnorm(0.5), 0, 1e-15, 'q(0.5)')
  close(qnorm(1e-10), -6.361340902404056, 1e-9, 'q(1e-10)')
})

test('ranks average ties (textbook: 1, 2, 2, 3 → 1, 2.5, 2.5, 4)', () => {
  assert.deepEqual(rank([1, 2, 2, 3]), [1, 2.5, 2.5, 4])
  assert.deepEqual(rank([5, 1, 5, 5]), [3, 1, 3, 3])
})

test("Mann-Whitney interval and estimate tie out with R's wilcox.test (Kayenta's MannWhitneySuite)", () => {
  const small = data['R tie-out']!
  const r = mannWhitneyUTest(small.experiment, small.control)
  close(r.confidenceInterval[0], -0.500002521696696, 1e-4, 'lower')
  close(r.confidenceInterval[1], -3.486287505871302e-5, 1e-4, 'upper')
  close(r.estimate, -0.4999393907180323, 1e-4, 'estimate')
  const large = data['R tie-out (large)']!
  const l = mannWhitneyUTest(large.experiment, large.control, 0.98)
  close(l.confidenceInterval[0], -0.4999173250549087, 1e-4, 'lower (large)')
  close(l.confidenceInterval[1], -6.912685789769486e-6, 1e-4, 'upper (large)')
  close(l.estimate, -3.45044082729315e-5, 1e-4, 'estimate (large)')
})

test('textbook example: a clean shift of 10 is estimated as 10 with an interval around it', () => {
  const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  const x = y.map((v) => v + 10)
  const r = mannWhitneyUTest(x, y, 0.95)
  close(r.estimate, 10, 1e-3, 'estimate')
  assert.ok(r.confidenceInterval[0] > 5 && r.confidenceInterval[1] <= 15, JSON.stringify(r))
  // The statistic at the true shift is about 0 (within the continuity correction).
  assert.ok(Math.abs(wilcoxonDiff(10, 0, x, y)) < 0.2)
  assert.throws(() => wilcoxonDiff(0, 0, [1, 1], [1, 1]), /all observations are tied/)
})

test("Kayenta's ClassifierSuite: Pass, High, Low, directions", () => {
  const c = (name: string, direction: 'either' | 'increase' | 'decrease' = 'either') =>
    classifyMetric('m', data[name]!.control, data[name]!.experiment, { tolerance: 0.1, confidence: 0.95, direction }).classification
  assert.equal(c('Mann-Whitney Classifier Test: Pass Metric'), 'Pass')
  assert.equal(c('Mann-Whitney Classifier Test: High Metric'), 'High')
  assert.equal(c('Mann-Whitney Classifier Test: Low Metric'), 'Low')
  assert.equal(c('Mann-Whitney Classifier Directional Test: Increase', 'increase'), 'Pass')
  assert.equal(c('Mann-Whitney Classifier Directional Test: Decrease', 'decrease'), 'Pass')
  assert.equal(c('Mann-Whitney Classifier Test: High Metric', 'increase'), 'High')
  assert.equal(c('Mann-Whitney Classifier Test: Low Metric', 'decrease'), 'Low')
  assert.equal(c('Mann-Whitney Classifier Test: High Metric (Large Input)'), 'High')
})

test("Kayenta's effect-size cases: a High needs the mean ratio to reach allowedIncrease", () => {
  const high = classifyMetric('m', [1.0, 2.2, 1.1, 2.5, 3.0], [20.0, 22.0, 21.0, 25.0, 30.0], { tolerance: 0.1, confidence: 0.95, allowedDecrease: 0.8, allowedIncrease: 1.2 })
  assert.equal(high.classification, 'High')
  close(high.ratio, 118 / 9.8, 1e-9, 'ratio')
  // The same shift with allowedIncrease 20 (the canary is about 12x) passes.
  assert.equal(classifyMetric('m', [1.0, 2.2, 1.1, 2.5, 3.0], [20.0, 22.0, 21.0, 25.0, 30.0], { tolerance: 0.1, confidence: 0.95, allowedIncrease: 20 }).classification, 'Pass')
})

test('no data, identical data, one value: Nodata / Pass as Kayenta', () => {
  assert.equal(classifyMetric('m', [], [1]).classification, 'Nodata')
  assert.deepEqual(classifyMetric('m', [1, 2, 3], [3, 2, 1]), { classification: 'Pass', reason: 'The Canary and Baseline data are identical', ratio: 1, critical: false })
  assert.equal(classifyMetric('m', [0, 0, 0], [0, 0]).classification, 'Pass')
  // Each side constant but different: noise makes the test computable; 0 vs 0.2 error rate is High.
  assert.equal(classifyMetric('error_rate', Array(6).fill(0.01), Array(6).fill(0.2)).classification, 'High')
  assert.equal(classifyMetric('error_rate', Array(6).fill(0.01), Array(6).fill(0.2), { critical: true }).critical, true)
})

test('outliers: IQR fences at factor 3 with 1st/99th percentile relief drop a spike', () => {
  const xs = [10, 11, 10, 12, 11, 10, 11, 500]
  assert.deepEqual(removeOutliers(xs), [10, 11, 10, 12, 11, 10, 11])
  close(percentile([1, 2, 3, 4], 25), 1.75, 1e-12, 'R-7 p25')
})

test("score: Kayenta's weighted sum, thresholds, critical failure", () => {
  const m = (name: string, classification: ScoredMetric['classification'], weight: number, critical = false): ScoredMetric => ({ name, classification, weight, ratio: 1, critical })
  const t = { pass: 75, marginal: 50 }
  assert.deepEqual(scoreMetrics([m('a', 'Pass', 50), m('b', 'Pass', 25), m('c', 'Pass', 25)], t), { score: 100, classification: 'Pass', criticalFailure: false })
  assert.deepEqual(scoreMetrics([m('a', 'Pass', 50), m('b', 'High', 25), m('c', 'Pass', 25)], t), { score: 75, classification: 'Pass', criticalFailure: false })
  assert.deepEqual(scoreMetrics([m('a', 'High', 50), m('b', 'Pass', 25), m('c', 'Pass', 25)], t), { score: 50, classification: 'Marginal', criticalFailure: false })
  assert.deepEqual(scoreMetrics([m('a', 'High', 50), m('b', 'Low', 25), m('c', 'Pass', 25)], t), { score: 25, classification: 'Fail', criticalFailure: false })
  assert.deepEqual(scoreMetrics([m('a', 'High', 10, true), m('b', 'Pass', 90)], t), { score: 0, classification: 'Fail', criticalFailure: true })
  assert.equal(scoreMetrics([m('a', 'Nodata', 50), m('b', 'Pass', 50)], t).score, 50)
})
