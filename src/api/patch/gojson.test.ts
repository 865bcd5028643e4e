import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeGoJson, decodeGoJsonObject, goJsonSyntaxError } from './gojson.js'

const syntax = (s: string | Uint8Array) => goJsonSyntaxError(typeof s === 'string' ? Buffer.from(s) : s)

describe('goJsonSyntaxError (encoding/json scanner messages)', () => {
  const cases: [string, string | undefined][] = [
    ['{}', undefined],
    [' {"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"]} \n', undefined],
    ['<THIS IS NOT JSON>', "invalid character '<' looking for beginning of value"],
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{"a":', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{}x', "invalid character 'x' after top-level value"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['nul', "invalid character ' ' in literal null (expecting 'l')"],
    ['fals3', "invalid character '3' in literal false (expecting 'e')"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1e', "invalid character ' ' in exponent of numeric literal"],
    ['-', "invalid character ' ' in numeric literal"],
    ['01', "invalid character '1' after top-level value"],
    ['{"a":"\\x"}', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"\u0001"', "invalid character '\\x01' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
  ]
  for (const [input, message] of cases) {
    it(JSON.stringify(input), () => assert.equal(syntax(input), message))
  }
  it('a byte order mark', () => assert.equal(syntax(Buffer.from('\ufeff{}')), "invalid character 'ï' looking for beginning of value"))
  it('nesting deeper than 10000', () => assert.equal(syntax('['.repeat(10001)), "invalid character '[' exceeded max depth"))
})

describe('decodeGoJson', () => {
  it('parses valid input', () => assert.deepEqual(decodeGoJson('{"a":[1,"b"]}'), { a: [1, 'b'] }))
  it('throws the Go message', () => assert.throws(() => decodeGoJson(Buffer.from('{')), { name: 'GoJsonError', message: 'unexpected end of JSON input' }))
  it('objects only, null is a nil map', () => {
    assert.equal(decodeGoJsonObject('null'), undefined)
    assert.throws(() => decodeGoJsonObject('[]'), { message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' })
    assert.throws(() => decodeGoJsonObject('"x"'), { message: 'json: cannot unmarshal string into Go value of type map[string]interface {}' })
    assert.throws(() => decodeGoJsonObject('3'), { message: 'json: cannot unmarshal number into Go value of type map[string]interface {}' })
    assert.throws(() => decodeGoJsonObject('true'), { message: 'json: cannot unmarshal bool into Go value of type map[string]interface {}' })
  })
})
