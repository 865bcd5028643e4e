// The condition language as Argo Rollouts evaluates it (utils/evaluate/evaluate_test.go cases and
// expr's own semantics), plus properties: comparisons agree with JavaScript's on numbers, and no
// input makes evaluation throw anything but an ExprError.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { asFloat, asInt, evalCondition, evaluateResult, ExprError, goFloat } from './expr.js'

test('conditions Argo users write', () => {
  const cases: [unknown, string, boolean][] = [
    [[0.97], 'result[0] >= 0.95', true],
    [[0.9], 'result[0] >= 0.95', false],
    [0.5, 'result < 1 and result > 0', true],
    [0.5, 'result < 1 && result > 0.6', false],
    [0, 'result == 0 || result > 10', true],
    ['true', 'result == "true"', true],
    [true, 'result == true', true],
    [[1, 2], 'len(result) == 2', true],
    [[], 'len(result) == 0', true],
    ['42', 'asInt(result) == 42', true],
    ['0.25', 'asFloat(result) < 0.5', true],
    [NaN, 'isNaN(result)', true],
    [[NaN], 'isNaN(result[0])', true],
    [Infinity, 'isInf(result)', true],
    [null, 'default(result, 0) == 0', true],
    [5, 'default(result, 0) == 5', true],
    [null, 'isNil(result)', true],
    [{ ok: true, data: { count: 3 } }, 'result.ok && result.data.count >= 3', true],
    [{ items: [{ v: 1 }] }, 'result.items[0].v == 1', true],
    [3, 'not (result in [1, 2])', true],
    [3, 'result not in [1, 2]', true],
    [2, 'result ^ 2 == 4 && !false', true],
    [7, 'result % 4 == 3', true],
    [1, 'result / 2 == 0.5', true],
    ['abc', 'result matches "^a.c$"', true],
    ['abc', 'result startsWith "ab" and result endsWith "bc" and result contains "b"', true],
    [5, 'result > 3 ? true : false', true],
    [1, 'result == 1.0', true],
    ['1', 'result == 1', false],
    [[1, 2], 'result == [1, 2]', true],
  ]
  for (const [result, cond, want] of cases) assert.equal(evalCondition(result, cond), want, `${cond} on ${JSON.stringify(result)}`)
})

test('errors are errors, with expr-like messages (not a silent false)', () => {
  const cases: [unknown, string, RegExp][] = [
    ['x', 'result > 1', /invalid operation: > \(mismatched types string and float64\)/],
    [[1], 'result[3] > 1', /index out of range: 3 \(array length is 1\)/],
    [1, 'result + 1', /expected bool, but got float64/],
    [1, 'result and true', /invalid operation: and/],
    [1, 'foo(result)', /unknown func foo/],
    [1, 'result >', /./],
    ['x', 'asInt(result) == 1', /strconv.ParseInt: parsing "x": invalid syntax/],
  ]
  for (const [result, cond, re] of cases) assert.throws(() => evalCondition(result, cond), re, cond)
})

test("evaluateResult: Argo's truth table", () => {
  const r = (result: unknown, successCondition?: string, failureCondition?: string) => evaluateResult(result, { successCondition, failureCondition }).phase
  assert.equal(r(1), 'Successful')
  assert.equal(r(1, 'result == 1'), 'Successful')
  assert.equal(r(2, 'result == 1'), 'Failed')
  assert.equal(r(2, undefined, 'result == 2'), 'Failed')
  assert.equal(r(1, undefined, 'result == 2'), 'Successful')
  assert.equal(r(3, 'result == 1', 'result == 2'), 'Inconclusive')
  assert.equal(r(1, 'result == 1', 'result == 1'), 'Failed')
  assert.deepEqual(evaluateResult([], { successCondition: 'result[0] > 1' }), {
    phase: 'Error',
    error: 'could not evaluate successCondition "result[0] > 1": metric result is nil or empty: no data returned from the metric provider',
  })
  assert.deepEqual(evaluateResult('x', { failureCondition: 'result > 1' }), {
    phase: 'Error',
    error: 'could not evaluate failureCondition "result > 1": invalid operation: > (mismatched types string and float64)',
  })
})

test('asInt / asFloat / goFloat as Go prints and parses', () => {
  assert.equal(asInt(3.9), 3)
  assert.equal(asInt('-12'), -12)
  assert.throws(() => asInt('1.5'), ExprError)
  assert.equal(asFloat('1e3'), 1000)
  assert.equal(asFloat('+Inf'), Infinity)
  assert.throws(() => asFloat('abc'), ExprError)
  assert.deepEqual([0.5, 1e21, 1e-5, NaN, Infinity, 100].map(goFloat), ['0.5', '1e+21', '1e-05', 'NaN', '+Inf', '100'])
})

test('property: numeric comparisons agree with JavaScript', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), (a, b, op) => {
      const js = { '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b, '==': a === b, '!=': a !== b }[op]
      assert.equal(evalCondition([a, b], `result[0] ${op} result[1]`), js)
    }),
  )
})

test('property: any text as a condition either evaluates to a bool or throws an ExprError', () => {
  fc.assert(
    fc.property(fc.string(), fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.array(fc.double())), (cond, result) => {
      try {
        assert.equal(typeof evalCondition(result, cond), 'boolean')
      } catch (err) {
        assert.ok(err instanceof ExprError, `${cond}: ${String(err)}`)
      }
    }),
    { numRuns: 2000 },
  )
})
