import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { goFloat, goS, goTypeName, goV } from './gofmt.js'

describe('Go fmt rendering', () => {
  it('%v of maps and lists, keys sorted', () => {
    assert.equal(goV({ name: 'web', image: 'nginx' }), 'map[image:nginx name:web]')
    assert.equal(goV([{ name: 3, value: 3 }, { name: 1 }]), '[map[name:3 value:3] map[name:1]]')
    assert.equal(goV({ a: null, b: [true, 1.5], $patch: 'delete' }), 'map[$patch:delete a:<nil> b:[true 1.5]]')
    assert.equal(goV([]), '[]')
    assert.equal(goV({}), 'map[]')
  })
  it('%s of non-strings', () => {
    assert.equal(goS('merge'), 'merge')
    assert.equal(goS(7), '%!s(int64=7)')
    assert.equal(goS(0.5), '%!s(float64=0.5)')
    assert.equal(goS(true), '%!s(bool=true)')
    assert.equal(goS(null), '%!s(<nil>)')
    assert.equal(goS({ a: 1 }), 'map[a:%!s(int64=1)]')
  })
  it('floats as strconv g with shortest digits', () => {
    assert.equal(goFloat(1.5), '1.5')
    assert.equal(goFloat(123456.5), '123456.5')
    assert.equal(goFloat(1234567.5), '1.2345675e+06')
    assert.equal(goFloat(0.0001), '0.0001')
    assert.equal(goFloat(0.00001), '1e-05')
    assert.equal(goFloat(-2.5e-7), '-2.5e-07')
    assert.equal(goFloat(1e21), '1e+21')
    assert.equal(goFloat(1.7976931348623157e308), '1.7976931348623157e+308')
  })
  it('type names as reflect prints them', () => {
    assert.equal(goTypeName({}), 'map[string]interface {}')
    assert.equal(goTypeName([]), '[]interface {}')
    assert.equal(goTypeName('x'), 'string')
    assert.equal(goTypeName(1), 'int64')
    assert.equal(goTypeName(null), '%!s(<nil>)')
  })
})
