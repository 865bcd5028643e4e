import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NodeError } from '../../client/node-connection.js'
import { isStatusError, StatusError } from '../../apis/status.js'
import { chooseContainer, dialErrorText, isNodeError, nodeErrorStatus, nodeOf, requireNode, type PodView } from './pods.js'

const pod = (containers: string[], extra: Partial<NonNullable<PodView['spec']>> = {}, nodeName?: string): PodView => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { containers: containers.map((name) => ({ name })), nodeName, ...extra },
})

const message = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof StatusError)
    return `${err.status.code} ${err.status.reason} ${err.status.message}`
  }
  return 'no error'
}

test('chooseContainer: named, the only one, or upstream validateContainer errors', () => {
  assert.equal(chooseContainer(pod(['a']), null), 'a')
  assert.equal(chooseContainer(pod(['a', 'b']), 'b'), 'b')
  assert.equal(chooseContainer(pod(['a'], { initContainers: [{ name: 'init' }] }), 'init'), 'init')
  assert.equal(message(() => chooseContainer(pod(['a', 'b'], { initContainers: [{ name: 'i' }] }), '')), '400 BadRequest a container name must be specified for pod web, choose one of: [i a b]')
  assert.equal(message(() => chooseContainer(pod([]), undefined)), '400 BadRequest a container name must be specified for pod web')
  assert.equal(message(() => chooseContainer(pod(['a']), 'x')), '400 BadRequest container x is not valid for pod web')
})

test('nodeOf / requireNode: unbound pods, unknown nodes', () => {
  const conn = { logs: async () => { throw new Error() }, exec: async () => 0, attach: async () => undefined, portForward: async () => { throw new Error() } }
  assert.equal(nodeOf(() => conn, pod(['a'])), undefined)
  assert.equal(nodeOf(() => conn, pod(['a'], {}, 'n1')), conn)
  assert.equal(message(() => nodeOf(() => undefined, pod(['a'], {}, 'n1'))), '404 NotFound nodes "n1" not found')
  assert.equal(message(() => requireNode(() => conn, pod(['a']))), '400 BadRequest pod web does not have a host assigned')
})

test('nodeErrorStatus: as GenericHttpResponseChecker relays a kubelet answer', () => {
  const s = (err: unknown) => {
    const e = nodeErrorStatus(err, 'log', 'web')
    return `${e.status.code} ${e.status.reason ?? ''} ${e.status.message}`
  }
  assert.equal(s(new NodeError(400, 'container "a" in pod "web" is waiting to start: ContainerCreating')), '400 BadRequest container "a" in pod "web" is waiting to start: ContainerCreating')
  assert.equal(s(new NodeError(500, 'boom')), '500 InternalError Internal error occurred: boom')
  assert.equal(s(new NodeError(404, 'pod not found')), '404 NotFound the server could not find the requested resource ( pods/log web)')
  assert.equal(s(new NodeError(503, 'x')), '503 ServiceUnavailable the server is currently unable to handle the request ( pods/log web)')
  assert.equal(s(new NodeError(418, 'x')), '418  the server responded with the status code 418 but did not return more information ( pods/log web)')
  assert.equal(s(new Error('plain')), '500 InternalError Internal error occurred: plain')
  assert.ok(isStatusError(nodeErrorStatus(new NodeError(400, 'x'), 'log', 'web'), 'BadRequest'))
})

test('isNodeError: a NodeError by its name and HTTP code, not its class (api/ loads no client/ code)', () => {
  assert.ok(isNodeError(new NodeError(404, 'no pod')))
  assert.ok(isNodeError(Object.assign(new Error('from afar'), { name: 'NodeError', code: 400 })))
  assert.ok(!isNodeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))
  assert.ok(!isNodeError(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404 })))
  assert.ok(!isNodeError({ name: 'NodeError', code: 404 }))
})

test('dialErrorText: Go-style dial errors', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
  assert.equal(dialErrorText(refused, '127.244.0.5', 8080), 'dial tcp 127.244.0.5:8080: connect: connection refused')
  assert.equal(dialErrorText(new NodeError(404, 'no pod'), 'h', 1), 'no pod')
  assert.equal(dialErrorText(new Error('other'), 'h', 1), 'other')
})
