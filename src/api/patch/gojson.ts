// Decoding a request body the way the API server's Go JSON decoder does, so that malformed bodies
// get Go's exact error text (`invalid character 'x' looking for beginning of value`, `unexpected end
// of JSON input`, `json: cannot unmarshal array into Go value of type map[string]interface {}`).
// The syntax check is a transcription of encoding/json's scanner state machine (scanner.go): Go
// validates the whole input first, so a syntax error always wins over a type error.

export class GoJsonError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GoJsonError'
  }
}

const maxNestingDepth = 10000

type Step = (c: number) => void

/** Returns Go's syntax error message for `data`, or undefined if it is valid JSON. */
export function goJsonSyntaxError(data: Uint8Array): string | undefined {
  const stack: ('key' | 'value' | 'array')[] = []
  let err: string | undefined
  let endTop = false
  let step: Step

  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39
  const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
  const fail = (c: number, context: string) => {
    err = `invalid character ${quoteChar(c)} ${context}`
  }
  const push = (c: number, kind: 'key' | 'array', next: Step) => {
    stack.push(kind)
    if (stack.length > maxNestingDepth) fail(c, 'exceeded max depth')
    else step = next
  }
  const literal = (rest: string, name: string, i = 0): Step =>
    function lit(c) {
      if (c === rest.charCodeAt(i)) step = i + 1 === rest.length ? endValue : literal(rest, name, i + 1)
      else fail(c, `in literal ${name} (expecting '${rest[i]}')`)
    }

  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return
    if (c === 0x5d /* ] */) return endValue(c)
    beginValue(c)
  }
  const beginValue: Step = (c) => {
    if (isSpace(c)) return
    switch (c) {
      case 0x7b /* { */:
        return push(c, 'key', beginStringOrEmpty)
      case 0x5b /* [ */:
        return push(c, 'array', beginValueOrEmpty)
      case 0x22 /* " */:
        step = inString
        return
      case 0x2d /* - */:
        step = neg
        return
      case 0x30 /* 0 */:
        step = zero
        return
      case 0x74 /* t */:
        step = literal('rue', 'true')
        return
      case 0x66 /* f */:
        step = literal('alse', 'false')
        return
      case 0x6e /* n */:
        step = literal('ull', 'null')
        return
    }
    if (c >= 0x31 && c <= 0x39) {
      step = one
      return
    }
    fail(c, 'looking for beginning of value')
  }
  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return
    if (c === 0x7d /* } */) {
      stack[stack.length - 1] = 'value'
      return endValue(c)
    }
    beginString(c)
  }
  const beginString: Step = (c) => {
    if (isSpace(c)) return
    if (c === 0x22) {
      step = inString
      return
    }
    fail(c, 'looking for beginning of object key string')
  }
  const endValue: Step = (c) => {
    const n = stack.length
    if (n === 0) {
      step = endTopStep
      endTop = true
      return endTopStep(c)
    }
    if (isSpace(c)) {
      step = endValue
      return
    }
    switch (stack[n - 1]) {
      case 'key':
        if (c === 0x3a /* : */) {
          stack[n - 1] = 'value'
          step = beginValue
          return
        }
        return fail(c, 'after object key')
      case 'value':
        if (c === 0x2c /* , */) {
          stack[n - 1] = 'key'
          step = beginString
          return
        }
        if (c === 0x7d) {
          stack.pop()
          return popped()
        }
        return fail(c, 'after object key:value pair')
      case 'array':
        if (c === 0x2c) {
          step = beginValue
          return
        }
        if (c === 0x5d) {
          stack.pop()
          return popped()
        }
        return fail(c, 'after array element')
    }
  }
  const popped = () => {
    if (stack.length === 0) {
      step = endTopStep
      endTop = true
    } else step = endValue
  }
  const endTopStep: Step = (c) => {
    if (!isSpace(c)) fail(c, 'after top-level value')
  }
  const inString: Step = (c) => {
    if (c === 0x22) step = endValue
    else if (c === 0x5c /* \ */) step = inStringEsc
    else if (c < 0x20) fail(c, 'in string literal')
  }
  const inStringEsc: Step = (c) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) step = inString
    else if (c === 0x75 /* u */) step = hexStep(4)
    else fail(c, 'in string escape code')
  }
  const hexStep = (left: number): Step => (c) => {
    if (!isHex(c)) return fail(c, 'in \\u hexadecimal character escape')
    step = left === 1 ? inString : hexStep(left - 1)
  }
  const neg: Step = (c) => {
    if (c === 0x30) step = zero
    else if (c >= 0x31 && c <= 0x39) step = one
    else fail(c, 'in numeric literal')
  }
  const one: Step = (c) => {
    if (isDigit(c)) return
    zero(c)
  }
  const zero: Step = (c) => {
    if (c === 0x2e /* . */) step = dot
    else if (c === 0x65 || c === 0x45) step = exp
    else endValue(c)
  }
  const dot: Step = (c) => {
    if (isDigit(c)) step = dot0
    else fail(c, 'after decimal point in numeric literal')
  }
  const dot0: Step = (c) => {
    if (isDigit(c)) return
    if (c === 0x65 || c === 0x45) step = exp
    else endValue(c)
  }
  const exp: Step = (c) => {
    if (c === 0x2b || c === 0x2d) step = expSign
    else expSign(c)
  }
  const expSign: Step = (c) => {
    if (isDigit(c)) step = exp0
    else fail(c, 'in exponent of numeric literal')
  }
  const exp0: Step = (c) => {
    if (!isDigit(c)) endValue(c)
  }

  step = beginValue
  for (const c of data) {
    step(c)
    if (err !== undefined) return err
  }
  // scanner.eof(): feed a space to finish a trailing number, then demand the end of the top value.
  if (endTop) return undefined
  step(0x20)
  if (err !== undefined) return err
  if (endTop) return undefined
  return 'unexpected end of JSON input'
}

/** Go's quoteChar: the offending byte as a quoted rune, `'x'`, `'\n'`, `'\x00'`, `'\u0080'`. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''"
  if (c === 0x22) return `'"'`
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' }
  if (named[c]) return `'${named[c]}'`
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`
  // A byte >= 0x80 is printed as the rune U+00XX; C1 controls, NBSP and the soft hyphen are not printable.
  if (c >= 0x80 && (c < 0xa0 || c === 0xa0 || c === 0xad)) return `'\\u${c.toString(16).padStart(4, '0')}'`
  return `'${String.fromCharCode(c)}'`
}

/** How Go's UnmarshalTypeError names a JSON value: object, array, string, number, bool. */
export function goJsonKind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'object') return 'object'
  if (typeof v === 'boolean') return 'bool'
  return typeof v
}

/** Parses a body as Go would; throws GoJsonError with Go's syntax error text. */
export function decodeGoJson(body: Uint8Array | string): unknown {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const syntax = goJsonSyntaxError(bytes)
  if (syntax !== undefined) throw new GoJsonError(syntax)
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
}

/** Decodes a body into a Go `map[string]interface{}`: `null` decodes to undefined (a nil map). */
export function decodeGoJsonObject(body: Uint8Array | string): Record<string, unknown> | undefined {
  const v = decodeGoJson(body)
  if (v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new GoJsonError(`json: cannot unmarshal ${goJsonKind(v)} into Go value of type map[string]interface {}`)
  }
  return v as Record<string, unknown>
}
