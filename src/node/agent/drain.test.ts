import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import { offeredAsReady } from './drain.js'

const slice = (endpoints: EndpointSlice['endpoints'], namespace = 'default'): EndpointSlice => ({ addressType: 'IPv4', metadata: { name: 's', namespace }, endpoints })
const pod = { namespace: 'default', name: 'web-1', uid: 'u1', ip: '127.244.0.5' }
const ref = (name: string, uid?: string) => ({ kind: 'Pod', namespace: 'default', name, ...(uid ? { uid } : {}) })

test('offeredAsReady: ready and not terminating, by targetRef or by address', () => {
  const cases: [string, EndpointSlice[], boolean][] = [
    ['in no slice', [], false],
    ['ready', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: true }, targetRef: ref('web-1', 'u1') }])], true],
    ['readiness unknown counts as ready', [slice([{ addresses: ['127.244.0.5'], targetRef: ref('web-1') }])], true],
    ['not ready', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: false }, targetRef: ref('web-1') }])], false],
    ['terminating', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: true, terminating: true }, targetRef: ref('web-1') }])], false],
    ['another pod', [slice([{ addresses: ['127.244.0.6'], conditions: { ready: true }, targetRef: ref('web-2') }])], false],
    ['same name, another uid (a recreated pod)', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: true }, targetRef: ref('web-1', 'u2') }])], false],
    ['another namespace', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: true }, targetRef: ref('web-1') }], 'other')], false],
    ['no targetRef, same address', [slice([{ addresses: ['127.244.0.5'], conditions: { ready: true } }])], true],
    [
      'one slice still says ready, another not yet updated',
      [slice([{ addresses: ['127.244.0.5'], conditions: { ready: false }, targetRef: ref('web-1') }]), slice([{ addresses: ['127.244.0.5'], conditions: { ready: true }, targetRef: ref('web-1') }])],
      true,
    ],
  ]
  for (const [name, slices, want] of cases) assert.equal(offeredAsReady(slices, pod), want, name)
})
