// successCondition / failureCondition as Argo Rollouts evaluates them (utils/evaluate): an
// expression of the expr language (github.com/expr-lang/expr) over `result`, with Argo's helper
// functions asInt, asFloat, isNaN, isInf, isNil and default. Parsing is jsep's (a maintained
// JavaScript expression parser) taught expr's word operators (and, or, not, in, matches,
// contains, startsWith, endsWith); evaluation follows expr's rules: numbers compare across int
// and float, `==` between different types is false, `and`/`or` want booleans, `/` is always
// floating point, and a type mismatch or an index out of range is an error, not a false.
import jsep, { type Expression } from 'jsep'

jsep.addBinaryOp('or', 1)
jsep.addBinaryOp('and', 2)
jsep.addBinaryOp('in', 7)
jsep.addBinaryOp('notin', 7)
jsep.addBinaryOp('matches', 6)
jsep.addBinaryOp('contains', 6)
jsep.addBinaryOp('startsWith', 6)
jsep.addBinaryOp('endsWith', 6)
jsep.addBinaryOp('??', 1)
// expr's `^` and `**` are both powers (jsep reads `^` as xor) and bind tighter than `*`.
jsep.removeBinaryOp('^')
jsep.addBinaryOp('^', 11, true)
jsep.addBinaryOp('**', 11, true)
jsep.addUnaryOp('not')
// Bitwise operators are not expr's.
for (const op of ['|', '&', '<<', '>>', '>>>', '===', '!==']) jsep.removeBinaryOp(op)
jsep.removeUnaryOp('~')

export class ExprError extends Error {}

/** Go's names of the types a result can have, for messages (`expected bool, but got float64`). */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (typeof v === 'number') return 'float64'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return '[]interface {}'
  if (typeof v === 'function') return 'func'
  return 'map[string]interface {}'
}

type Fn = (...args: unknown[]) => unknown

function num(name: string, v: unknown): number {
  if (typeof v === 'number') return v
  throw new ExprError(`invalid argument for ${name} (type ${goType(v)})`)
}

/** Argo's asInt: numbers truncate; strings must parse as a base-10 integer. */
export function asInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v)
  if (typeof v === 'string') {
    if (/^[+-]?\d+$/.test(v.trim()) && v.trim() === v) return Number.parseInt(v, 10)
    throw new ExprError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`)
  }
  throw new ExprError(`asInt() not supported on ${goType(v)} ${fmt(v)}`)
}

/** Argo's asFloat: numbers as they are; strings parsed as Go's ParseFloat does. */
export function asFloat(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const s = v
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity
    if (/^nan$/i.test(s)) return NaN
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number.parseFloat(s)
    throw new ExprError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`)
  }
  throw new ExprError(`asFloat() not supported on ${goType(v)} ${fmt(v)}`)
}

/** How Go's %v prints a value (for messages and measurement values). */
export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (typeof v === 'number') return goFloat(v)
  if (Array.isArray(v)) return `[${v.map(fmt).join(' ')}]`
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort()
    return `map[${keys.map((k) => `${k}:${fmt((v as Record<string, unknown>)[k])}`).join(' ')}]`
  }
  return String(v)
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64) as %v prints a float64: 0.5, 1e+21, NaN, +Inf. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN'
  if (f === Infinity) return '+Inf'
  if (f === -Infinity) return '-Inf'
  const abs = Math.abs(f)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = f.toExponential().split('e')
    const exp = Number(e)
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  return String(f)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b
  if (a === b) return true
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

function mismatch(op: string, a: unknown, b: unknown): ExprError {
  return new ExprError(`invalid operation: ${op} (mismatched types ${goType(a)} and ${goType(b)})`)
}

function compare(op: string, a: unknown, b: unknown): boolean {
  // Numbers with numbers, strings with strings (expr's ordering); anything else is a type error.
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
    const [x, y] = [a as number | string, b as number | string]
    switch (op) {
      case '<':
        return x < y
      case '<=':
        return x <= y
      case '>':
        return x > y
      default:
        return x >= y
    }
  }
  throw mismatch(op, a, b)
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
  if (typeof a !== 'number' || typeof b !== 'number') throw mismatch(op, a, b)
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return a / b
    case '%':
      if (!Number.isInteger(a) || !Number.isInteger(b)) throw mismatch(op, a, b)
      if (b === 0) throw new ExprError('integer divide by zero')
      return a % b
    default:
      return a ** b
  }
}

function bool(op: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v
  throw new ExprError(`invalid operation: ${op} (mismatched type ${goType(v)})`)
}

function member(obj: unknown, key: unknown, computed: boolean): unknown {
  if (obj === null || obj === undefined) {
    if (computed) throw new ExprError(`cannot fetch ${fmt(key)} from <nil>`)
    return null
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) throw new ExprError(`cannot fetch ${fmt(key)} from ${goType(obj)}`)
    const len = obj.length
    const i = key < 0 ? len + key : key
    if (i < 0 || i >= len) throw new ExprError(`index out of range: ${key} (array length is ${len})`)
    return obj[i]
  }
  if (typeof obj === 'object') {
    const k = String(key)
    return Object.prototype.hasOwnProperty.call(obj, k) ? (obj as Record<string, unknown>)[k] : null
  }
  throw new ExprError(`cannot fetch ${fmt(key)} from ${goType(obj)}`)
}

/** expr's builtins that conditions use most, beside Argo's own helpers. */
const builtins: Record<string, Fn> = {
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length
    if (v && typeof v === 'object') return Object.keys(v).length
    throw new ExprError(`invalid argument for len (type ${goType(v)})`)
  },
  abs: (v) => Math.abs(num('abs', v)),
  int: (v) => asInt(v),
  float: (v) => asFloat(v),
  string: (v) => (typeof v === 'string' ? v : fmt(v)),
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  trim: (v) => String(v).trim(),
  max: (...vs) => Math.max(...flat(vs).map((v) => num('max', v))),
  min: (...vs) => Math.min(...flat(vs).map((v) => num('min', v))),
  sum: (v) => list('sum', v).reduce((s: number, x) => s + num('sum', x), 0),
  mean: (v) => {
    const xs = list('mean', v).map((x) => num('mean', x))
    return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0
  },
  median: (v) => {
    const xs = list('median', v)
      .map((x) => num('median', x))
      .sort((a, b) => a - b)
    if (!xs.length) return 0
    const m = xs.length >> 1
    return xs.length % 2 ? xs[m] : (xs[m - 1]! + xs[m]!) / 2
  },
  first: (v) => (Array.isArray(v) && v.length ? v[0] : null),
  last: (v) => (Array.isArray(v) && v.length ? v[v.length - 1] : null),
}

function list(name: string, v: unknown): unknown[] {
  if (Array.isArray(v)) return v
  throw new ExprError(`invalid argument for ${name} (type ${goType(v)})`)
}

function flat(vs: unknown[]): unknown[] {
  return vs.length === 1 && Array.isArray(vs[0]) ? vs[0] : vs
}

const isNil = (v: unknown) => v === null || v === undefined

/** The variables and functions a condition sees: Argo's env (`result` and its helpers). */
export function conditionEnv(result: unknown): Record<string, unknown> {
  return {
    result: result ?? null,
    asInt,
    asFloat,
    isNaN: (v: unknown) => Number.isNaN(num('isNaN', v)),
    isInf: (v: unknown) => {
      const f = num('isInf', v)
      return f === Infinity || f === -Infinity
    },
    // As Argo's: both look at the measured result, whatever their argument.
    isNil: () => isNil(result),
    default: (_: unknown, d: unknown) => (isNil(result) ? d : result),
  }
}

function evaluate(node: Expression, env: Record<string, unknown>): unknown {
  switch (node.type) {
    case 'Literal':
      return (node as jsep.Literal).value
    case 'Identifier': {
      const name = (node as jsep.Identifier).name
      if (name === 'nil') return null
      if (name === 'true') return true
      if (name === 'false') return false
      if (Object.prototype.hasOwnProperty.call(env, name)) return env[name]
      if (Object.prototype.hasOwnProperty.call(builtins, name)) return builtins[name]
      throw new ExprError(`unknown name ${name}`)
    }
    case 'ArrayExpression':
      return (node as jsep.ArrayExpression).elements.map((e) => (e ? evaluate(e, env) : null))
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression
      const obj = evaluate(m.object, env)
      if (m.computed) return member(obj, evaluate(m.property, env), true)
      return member(obj, (m.property as jsep.Identifier).name, false)
    }
    case 'CallExpression': {
      const c = node as jsep.CallExpression
      let fn: unknown
      if (c.callee.type === 'Identifier') {
        const name = (c.callee as jsep.Identifier).name
        fn = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : builtins[name]
        if (fn === undefined) throw new ExprError(`unknown func ${name}`)
      } else fn = evaluate(c.callee, env)
      if (typeof fn !== 'function') throw new ExprError(`${goType(fn)} is not callable`)
      return (fn as Fn)(...c.arguments.map((a) => evaluate(a, env)))
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression
      const v = evaluate(u.argument, env)
      if (u.operator === '!' || u.operator === 'not') return !bool(u.operator, v)
      if (typeof v !== 'number') throw new ExprError(`invalid operation: ${u.operator} (mismatched type ${goType(v)})`)
      return u.operator === '-' ? -v : v
    }
    case 'ConditionalExpression': {
      const t = node as jsep.ConditionalExpression
      return bool('?:', evaluate(t.test, env)) ? evaluate(t.consequent, env) : evaluate(t.alternate, env)
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression
      const op = b.operator
      // Short-circuit as expr does.
      if (op === '&&' || op === 'and') return bool(op, evaluate(b.left, env)) && bool(op, evaluate(b.right, env))
      if (op === '||' || op === 'or') return bool(op, evaluate(b.left, env)) || bool(op, evaluate(b.right, env))
      const l = evaluate(b.left, env)
      if (op === '??') return isNil(l) ? evaluate(b.right, env) : l
      const r = evaluate(b.right, env)
      switch (op) {
        case '==':
          return deepEqual(l, r)
        case '!=':
          return !deepEqual(l, r)
        case '<':
        case '<=':
        case '>':
        case '>=':
          return compare(op, l, r)
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
        case '^':
        case '**':
          return arith(op, l, r)
        case 'in':
          if (Array.isArray(r)) return r.some((x) => deepEqual(x, l))
          if (r && typeof r === 'object') return Object.prototype.hasOwnProperty.call(r, String(l))
          throw new ExprError(`invalid operation: in (mismatched types ${goType(l)} and ${goType(r)})`)
        case 'matches':
          if (typeof l !== 'string' || typeof r !== 'string') throw mismatch(op, l, r)
          return new RegExp(r).test(l)
        case 'contains':
        case 'startsWith':
        case 'endsWith':
          if (typeof l !== 'string' || typeof r !== 'string') throw mismatch(op, l, r)
          return op === 'contains' ? l.includes(r) : op === 'startsWith' ? l.startsWith(r) : l.endsWith(r)
      }
      throw new ExprError(`unknown operator ${op}`)
    }
    default:
      throw new ExprError(`unsupported expression ${node.type}`)
  }
}

/** Parses an expression (throws ExprError with the parser's message). */
export function parseExpression(expression: string): Expression {
  try {
    // expr's `not in` is `!(a in b)`.
    return rewriteNotIn(jsep(expression.replace(/\bnot\s+in\b/g, ' notin ')))
  } catch (err) {
    throw new ExprError((err as Error).message)
  }
}

/** Evaluates any expression against an environment. */
export function evalExpression(expression: string, env: Record<string, unknown>): unknown {
  const node = parseExpression(expression)
  try {
    return evaluate(node, env)
  } catch (err) {
    if (err instanceof ExprError) throw err
    throw new ExprError((err as Error).message)
  }
}

function rewriteNotIn(node: Expression): Expression {
  if (node.type === 'BinaryExpression') {
    const b = node as jsep.BinaryExpression
    const left = rewriteNotIn(b.left)
    const right = rewriteNotIn(b.right)
    if (b.operator === 'notin') return { type: 'UnaryExpression', operator: '!', prefix: true, argument: { type: 'BinaryExpression', operator: 'in', left, right } } as Expression
    return { ...b, left, right } as Expression
  }
  if (node.type === 'UnaryExpression') return { ...node, argument: rewriteNotIn((node as jsep.UnaryExpression).argument) } as Expression
  if (node.type === 'ConditionalExpression') {
    const t = node as jsep.ConditionalExpression
    return { ...t, test: rewriteNotIn(t.test), consequent: rewriteNotIn(t.consequent), alternate: rewriteNotIn(t.alternate) } as Expression
  }
  return node
}

/** Argo's EvalCondition: the condition must evaluate to a bool. */
export function evalCondition(result: unknown, condition: string): boolean {
  const out = evalExpression(condition, conditionEnv(result))
  if (typeof out !== 'boolean') throw new ExprError(`expected bool, but got ${goType(out)}`)
  return out
}

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error'

export interface ConditionSpec {
  successCondition?: string
  failureCondition?: string
}

/**
 * Argo's EvaluateResult: no conditions → Successful; only a success condition → Failed when it is
 * false; only a failure condition → Successful when it is false; both false → Inconclusive. A
 * condition that cannot be evaluated makes the measurement an Error with Argo's message.
 */
export function evaluateResult(result: unknown, metric: ConditionSpec): { phase: MeasurementPhase; error?: string } {
  let success = false
  let failure = false
  const wrap = (kind: string, expression: string, err: unknown) => {
    const empty = result === null || result === undefined || (Array.isArray(result) && result.length === 0)
    if (empty) return `could not evaluate ${kind} "${expression}": metric result is nil or empty: no data returned from the metric provider`
    return `could not evaluate ${kind} "${expression}": ${(err as Error).message}`
  }
  if (metric.successCondition) {
    try {
      success = evalCondition(result, metric.successCondition)
    } catch (err) {
      return { phase: 'Error', error: wrap('successCondition', metric.successCondition, err) }
    }
  }
  if (metric.failureCondition) {
    try {
      failure = evalCondition(result, metric.failureCondition)
    } catch (err) {
      return { phase: 'Error', error: wrap('failureCondition', metric.failureCondition, err) }
    }
  }
  if (!metric.successCondition && !metric.failureCondition) return { phase: 'Successful' }
  if (metric.successCondition && !metric.failureCondition) failure = !success
  else if (!metric.successCondition && metric.failureCondition) success = !failure
  if (failure) return { phase: 'Failed' }
  if (!success) return { phase: 'Inconclusive' }
  return { phase: 'Successful' }
}
