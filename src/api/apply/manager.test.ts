import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aggregateMessage } from '../../apis/validation.js'
import { managerFromUserAgent, managerOrUserAgent, validateFieldManager, validateForce } from './manager.js'

describe('managerFromUserAgent', () => {
  const cases: [string | undefined, string][] = [
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    ['kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9/system:serviceaccount:kube-system:deployment-controller', 'kube-controller-manager'],
    ['curl', 'curl'],
    ['', ''],
    [undefined, ''],
    ['tab\there/1', 'tabhere'],
    ['x'.repeat(200), 'x'.repeat(128)],
    ['é'.repeat(100), 'é'.repeat(64)],
  ]
  for (const [ua, want] of cases) it(`${JSON.stringify(ua)?.slice(0, 40)} → ${JSON.stringify(want).slice(0, 20)}`, () => assert.equal(managerFromUserAgent(ua), want))

  it('prefers the fieldManager parameter', () => {
    assert.equal(managerOrUserAgent('kubectl-edit', 'kubectl/v1.32.0'), 'kubectl-edit')
    assert.equal(managerOrUserAgent('', 'kubectl/v1.32.0'), 'kubectl')
  })
})

describe('validateFieldManager', () => {
  it('accepts ordinary names', () => assert.deepEqual(validateFieldManager('kubectl-client-side-apply', { apply: true }), []))

  it('requires a name for apply', () =>
    assert.equal(aggregateMessage(validateFieldManager('', { apply: true })), 'fieldManager: Required value: is required for apply patch'))

  it('limits the length to 128 bytes', () =>
    assert.equal(aggregateMessage(validateFieldManager('m'.repeat(129))), 'fieldManager: Too long: may not be more than 128 bytes'))

  it('rejects unprintable characters with their byte position', () => {
    const errs = validateFieldManager('é\u0007')
    assert.equal(errs.length, 1)
    assert.equal(errs[0].detail, 'invalid character U+0007 (at position 2)')
  })

  it('forbids force outside apply', () => {
    assert.equal(aggregateMessage(validateForce(true, false)), 'force: Forbidden: may not be specified for non-apply patch')
    assert.deepEqual(validateForce(true, true), [])
  })
})
