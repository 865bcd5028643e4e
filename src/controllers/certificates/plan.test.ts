import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Attributes } from '../../apis/rbac/rules.js'
import { kubeletClientProblem, planApproval, planSigning, type CSRView } from './plan.js'

const subject = { commonName: 'system:node:worker-1', organizations: ['system:nodes'] }
const csr = (over: Partial<CSRView['spec']> = {}, status: CSRView['status'] = {}): CSRView => ({
  metadata: { name: 'node-csr-x' },
  spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'], ...over },
  status,
})
const allow = (sub: string) => (a: Attributes) => ({ allowed: a.subresource === sub && a.verb === 'create' && a.resource === 'certificatesigningrequests', reason: '' })
const deny = () => ({ allowed: false, reason: '' })

test('kubelet client requests: O system:nodes, CN system:node:*, client usages only', () => {
  assert.equal(kubeletClientProblem(['digital signature', 'client auth'], subject), undefined)
  assert.equal(kubeletClientProblem(['digital signature', 'key encipherment', 'client auth'], subject), undefined)
  assert.equal(kubeletClientProblem(['client auth'], subject), 'usages did not match [client auth digital signature key encipherment]')
  assert.equal(kubeletClientProblem(['digital signature', 'client auth', 'server auth'], subject), 'usages did not match [client auth digital signature key encipherment]')
  assert.equal(kubeletClientProblem(['digital signature', 'client auth'], { ...subject, organizations: ['system:masters'] }), 'subject organization is not system:nodes')
  assert.equal(kubeletClientProblem(['digital signature', 'client auth'], { ...subject, commonName: 'admin' }), 'subject common name does not begin with system:node:')
})

test('approval: a bootstrapper with nodeclient, a node renewing its own with selfnodeclient; nothing else', () => {
  assert.deepEqual(planApproval(csr(), subject, allow('nodeclient')), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' })
  const renewal = csr({ username: 'system:node:worker-1', groups: ['system:nodes'] })
  assert.equal(planApproval(renewal, subject, allow('selfnodeclient'))?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.')
  assert.equal(planApproval(csr(), subject, allow('selfnodeclient')), undefined, 'selfnodeclient needs the same name')
  assert.equal(planApproval(csr(), subject, deny), undefined, 'RBAC says no: left for a person')
  assert.equal(planApproval(csr({ signerName: 'example.com/other' }), subject, allow('nodeclient')), undefined)
  assert.equal(planApproval(csr(), { ...subject, organizations: [] }, allow('nodeclient')), undefined)
  assert.equal(planApproval(csr({}, { conditions: [{ type: 'Denied', status: 'True' }] }), subject, allow('nodeclient')), undefined)
  assert.equal(planApproval(csr({}, { conditions: [{ type: 'Approved', status: 'True' }] }), subject, allow('nodeclient')), undefined)
})

test('signing: approved client CSRs only, a year at most, Failed when the request does not fit the signer', () => {
  const approved = { conditions: [{ type: 'Approved', status: 'True' }] }
  assert.equal(planSigning(csr(), subject), undefined, 'not approved yet')
  assert.deepEqual(planSigning(csr({}, approved), subject), { sign: { usages: ['digital signature', 'client auth'], durationSeconds: 365 * 24 * 3600 } })
  assert.deepEqual(planSigning(csr({ expirationSeconds: 3600 }, approved), subject), { sign: { usages: ['digital signature', 'client auth'], durationSeconds: 3600 } })
  assert.equal(planSigning(csr({}, { ...approved, certificate: 'x' }), subject), undefined, 'issued already')
  assert.equal(planSigning(csr({ signerName: 'example.com/other' }, approved), subject), undefined, 'another signer\'s')
  const failed = planSigning(csr({}, approved), { ...subject, commonName: 'root' })
  assert.deepEqual(failed, { fail: { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'subject common name does not begin with system:node:' } })
})
