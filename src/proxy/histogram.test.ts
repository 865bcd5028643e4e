import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { LatencyHistogram } from './histogram.js'

const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]

test('merged per-second histograms give percentiles within 2% of the exact values', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.double({ min: 0.01, max: 60_000, noNaN: true }), { minLength: 0, maxLength: 50 }), { minLength: 1, maxLength: 30 }), (seconds) => {
      const merged = new LatencyHistogram()
      for (const values of seconds) {
        const h = new LatencyHistogram()
        for (const v of values) h.add(v)
        merged.merge(h)
      }
      const all = seconds.flat().sort((a, b) => a - b)
      assert.equal(merged.count, all.length)
      if (all.length === 0) return
      for (const q of [0, 0.5, 0.9, 0.99, 1]) {
        const want = exact(all, q)
        const got = merged.quantile(q)
        assert.ok(Math.abs(got - want) <= 0.02 * want, `q${q}: ${got} vs ${want}`)
      }
      assert.equal(merged.max, all[all.length - 1])
      assert.ok(Math.abs(merged.mean - all.reduce((a, b) => a + b, 0) / all.length) < 1e-6 * merged.max + 1e-9)
    }),
    { numRuns: 200 },
  )
})

test('an empty histogram reads zero; zeros count as zero', () => {
  const h = new LatencyHistogram()
  assert.equal(h.quantile(0.5), 0)
  h.add(0)
  h.add(0)
  h.add(5)
  assert.equal(h.quantile(0.5), 0)
  assert.ok(Math.abs(h.quantile(1) - 5) <= 0.1)
})
