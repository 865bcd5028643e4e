import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { applyPatch, jsonPatchType, mergePatchType, PatchError, patchTypeOf, strategicMergePatchType } from './index.js'

const deployment = () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1 } })

function rejects(fn: () => unknown, code: number, reason: string | undefined, message: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PatchError, String(err))
    assert.deepEqual([err.code, err.reason, err.message], [code, reason, message])
    return true
  })
}

describe('applyPatch', () => {
  it('dispatches on the Content-Type, ignoring parameters', () => {
    assert.deepEqual(applyPatch(`${mergePatchType}; charset=utf-8`, deployment(), '{"spec":{"replicas":4}}').spec, { replicas: 4 })
    assert.deepEqual(applyPatch(jsonPatchType, deployment(), '[{"op":"replace","path":"/spec/replicas","value":2}]').spec, { replicas: 2 })
    assert.deepEqual(applyPatch(strategicMergePatchType, deployment(), Buffer.from('{"spec":{"paused":true}}')).spec, { replicas: 1, paused: true })
  })

  it('does not change the original', () => {
    const d = deployment()
    applyPatch(mergePatchType, d, '{"metadata":{"labels":null}}')
    assert.deepEqual(d, deployment())
  })

  it('refuses unknown content types with the server’s 415', () => {
    rejects(
      () => applyPatch('application/json', deployment(), '{}'),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    )
    rejects(() => patchTypeOf(undefined), 415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml')
  })

  it('custom resources have no strategic merge patch and keep nulls', () => {
    rejects(
      () => applyPatch(strategicMergePatchType, {}, '{}', { customResource: true }),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    )
    assert.deepEqual(applyPatch(jsonPatchType, { spec: {} }, '[{"op":"add","path":"/spec/x","value":null}]', { customResource: true }), { spec: { x: null } })
  })

  it('built-ins lose null fields, as decoding into the Go type does', () => {
    assert.deepEqual(applyPatch(jsonPatchType, { spec: {} }, '[{"op":"add","path":"/spec/x","value":{"a":null,"b":[null,{"c":null}]}}]'), { spec: { x: { b: [null, {}] } } })
    assert.deepEqual(applyPatch(strategicMergePatchType, { spec: { replacing: { x: 1 } } }, '{"spec":{"replacing":{"$patch":"replace","a":null}}}'), { spec: { replacing: {} } })
  })

  it('leaves server-side apply to its own module', () => {
    assert.throws(() => applyPatch('application/apply-patch+yaml', deployment(), '{}'), (err: unknown) => err instanceof Error && !(err instanceof PatchError))
  })

  it('bad JSON gets the decoder’s words, prefixed as each patch type does', () => {
    rejects(() => applyPatch(strategicMergePatchType, deployment(), '{"spec":'), 400, 'BadRequest', 'unexpected end of JSON input')
    rejects(() => applyPatch(strategicMergePatchType, deployment(), '[]'), 400, 'BadRequest', 'json: cannot unmarshal array into Go value of type map[string]interface {}')
    rejects(() => applyPatch(mergePatchType, deployment(), 'nope'), 400, 'BadRequest', "error decoding patch: invalid character 'o' in literal null (expecting 'u')")
    rejects(() => applyPatch(mergePatchType, deployment(), '[1]'), 400, 'BadRequest', 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}')
    rejects(() => applyPatch(mergePatchType, deployment(), 'null'), 400, 'BadRequest', 'Invalid JSON Patch')
    rejects(() => applyPatch(jsonPatchType, deployment(), '[{"op":"add",}]'), 400, 'BadRequest', "error decoding patch: invalid character '}' looking for beginning of object key string")
  })

  it('a null strategic merge patch changes nothing', () => {
    assert.deepEqual(applyPatch(strategicMergePatchType, deployment(), 'null'), deployment())
  })

  it('a failing JSON patch is a 422 with the generic message', () => {
    rejects(() => applyPatch(jsonPatchType, deployment(), '[{"op":"test","path":"/spec/replicas","value":3}]'), 422, 'Invalid', 'the server rejected our request due to an error in our request')
  })

  it('a result that is no object is invalid', () => {
    assert.throws(() => applyPatch(jsonPatchType, deployment(), '[{"op":"replace","path":"","value":[1]}]'), { code: 422, reason: 'Invalid' })
  })

  it('an absurdly deep body is a 400, not a crash', () => {
    const body = '{"a":'.repeat(9000) + '1' + '}'.repeat(9000)
    rejects(() => applyPatch(strategicMergePatchType, { a: {} }, body), 400, 'BadRequest', 'exceeded max depth')
  })
})
