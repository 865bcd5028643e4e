import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { createCertificateRequest, newKeyPair } from '../../lib/x509.js'
import { certificateSigningRequests, csrCondition, csrRequester, type CSRObj } from './csr.js'

const request = Buffer.from(createCertificateRequest({ subject: 'system:node:w', organizations: ['system:nodes'], keys: newKeyPair() })).toString('base64')
const good = (): CSRObj => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'r', uid: 'u', creationTimestamp: '2026-12-01T00:00:00Z' },
  spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
})
const messages = (csr: CSRObj) => certificateSigningRequests.validate!(csr).map(fieldErrorMessage)

test('validation as upstream: a parsable, self-signed request, a signer, known usages, no short durations', () => {
  assert.deepEqual(messages(good()), [])
  const bad = good()
  bad.spec = { request: Buffer.from('hi').toString('base64'), usages: ['client auth', 'client auth', 'flying'], expirationSeconds: 60 }
  assert.deepEqual(messages(bad), [
    'spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST',
    'spec.signerName: Required value',
    'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
    'spec.usages[1]: Duplicate value: "client auth"',
    `spec.usages[2]: Unsupported value: "flying": supported values: ${'"signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"'}`,
  ])
  const both = good()
  both.status = { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] }
  assert.deepEqual(messages(both), ['status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'])
})

test('approval changes only the Approved/Denied conditions (timestamps from the server); the CONDITION column', () => {
  const current = good()
  current.status = { conditions: [{ type: 'Failed', status: 'True', reason: 'X' }], certificate: 'Y2VydA==' }
  const body = good()
  body.spec = { ...body.spec, username: 'mallory' }
  body.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] }
  const next = certificateSigningRequests.specSubresources!.approval.compose(current, body)
  assert.equal(next.spec?.username, undefined, 'the spec is untouched')
  assert.equal(next.status?.certificate, 'Y2VydA==')
  assert.deepEqual(next.status?.conditions?.map((c) => [c.type, c.reason]), [['Failed', 'X'], ['Approved', 'KubectlApprove']])
  assert.match(next.status!.conditions![1].lastUpdateTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  assert.equal(csrCondition(next), 'Approved,Failed,Issued')
  assert.equal(csrCondition(good()), 'Pending')
  const row = certificateSigningRequests.table.cells({ ...good(), spec: { ...good().spec, username: 'system:bootstrap:abcdef', expirationSeconds: 3600 } }, new Date('2026-12-01T00:05:00Z'))
  assert.deepEqual(row, ['r', '5m', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '60m', 'Pending'])
})

test('the requester is who sent the request, not what the spec claims', async () => {
  const obj = good()
  obj.spec!.username = 'system:node:someone-else'
  obj.spec!.groups = ['system:masters']
  await csrRequester.admit({ operation: 'CREATE', def: certificateSigningRequests as never, namespace: undefined, name: 'r', object: obj, dryRun: false, user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] } })
  assert.equal(obj.spec!.username, 'system:bootstrap:abcdef')
  assert.deepEqual(obj.spec!.groups, ['system:bootstrappers', 'system:authenticated'])
})
