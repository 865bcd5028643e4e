import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ProtobufError, decodeErrorMessage, summarizeBody, unsupportedMediaTypeMessage } from './errors.js'

describe('protobuf errors', () => {
  it('carries the Status code and reason', () => {
    const bad = new ProtobufError('unexpected EOF')
    assert.equal(bad.code, 400)
    assert.equal(bad.reason, 'BadRequest')
    assert.ok(bad instanceof Error)
    const unsupported = new ProtobufError(unsupportedMediaTypeMessage(), { reason: 'UnsupportedMediaType', apiVersion: 'batch/v1', kind: 'Job' })
    assert.equal(unsupported.code, 415)
    assert.equal(unsupported.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml')
  })

  it('summarizes a body as upstream does', () => {
    assert.equal(summarizeBody(new Uint8Array(0)), '<empty>')
    assert.equal(summarizeBody(Buffer.from('{"kind":"Pod"}')), '{"kind":"Pod"}')
    assert.equal(summarizeBody(Buffer.from('{"kind":"Deployment","apiVersion":"apps/v1"}')), '{"kind":"Deployment","apiVersi ...')
    assert.equal(summarizeBody(Buffer.from([0x6b, 0x38, 0x73])), '6b3873')
    assert.equal(summarizeBody(Buffer.alloc(31, 1)), `${'01'.repeat(30)} ...`)
  })

  it('words a decode failure like transformDecodeError', () => {
    const inside = new ProtobufError('unexpected EOF', { apiVersion: 'apps/v1', kind: 'Deployment' })
    assert.equal(decodeErrorMessage(inside, Buffer.from('k8s\0'), 'Deployment'), 'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF')
    const core = new ProtobufError('unexpected EOF', { apiVersion: 'v1', kind: 'Service' })
    assert.equal(decodeErrorMessage(core, Buffer.from('k8s\0'), 'Service'), 'Service in version "v1" cannot be handled as a Service: unexpected EOF')
    const magic = new ProtobufError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]')
    assert.equal(
      decodeErrorMessage(magic, Buffer.from('hello'), 'Namespace'),
      'the object provided is unrecognized (must be of type Namespace): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (68656c6c6f)',
    )
  })
})
