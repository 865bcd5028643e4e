// The pure parsers of the streaming subresources: log options, proxy ids and paths, port headers,
// exec status messages, resize messages.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { StatusError } from '../../apis/status.js'
import { ResizeQueue, statusMessage } from './channels.js'
import { execFailure } from './exec.js'
import { parseLogOptions } from './logs.js'
import { parsePortHeader } from './portforward.js'
import { endpointsServiceDialer, proxySubpath, reachError, rewriteLocation, splitSchemeNamePort } from './proxy.js'
import { NodeError } from '../../client/node-connection.js'

const statusOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof StatusError)
    return `${err.status.code} ${err.status.message}`
  }
  return 'ok'
}

test('parseLogOptions: flags and numbers; upstream validation messages', () => {
  const q = (s: string) => new URLSearchParams(s)
  assert.deepEqual(parseLogOptions(q('follow=true&tailLines=10&timestamps=1&limitBytes=5'), 'web'), { follow: true, previous: false, timestamps: true, tailLines: 10, limitBytes: 5 })
  assert.deepEqual(parseLogOptions(q('sinceTime=2025-01-02T03:04:05Z'), 'web').sinceTime, '2025-01-02T03:04:05Z')
  assert.equal(statusOf(() => parseLogOptions(q('tailLines=-1'), 'web')), '422 PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0')
  assert.equal(statusOf(() => parseLogOptions(q('limitBytes=0'), 'web')), '422 PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0')
  assert.equal(statusOf(() => parseLogOptions(q('sinceSeconds=0'), 'web')), '422 PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0')
  assert.match(statusOf(() => parseLogOptions(q('sinceSeconds=5&sinceTime=2025-01-02T03:04:05Z'), 'web')), /^422 .*at most one of `sinceTime` or `sinceSeconds` may be specified/)
  assert.equal(statusOf(() => parseLogOptions(q('tailLines=x'), 'web')), '400 strconv.ParseInt: parsing "x": invalid syntax')
  assert.match(statusOf(() => parseLogOptions(q('sinceTime=yesterday'), 'web')), /^400 parsing time "yesterday"/)
})

test('splitSchemeNamePort: upstream forms', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' })
  assert.deepEqual(splitSchemeNamePort('web:8080'), { scheme: '', name: 'web', port: '8080' })
  assert.deepEqual(splitSchemeNamePort('https:web:'), { scheme: 'https', name: 'web', port: '' })
  assert.deepEqual(splitSchemeNamePort('http:web:http'), { scheme: 'http', name: 'web', port: 'http' })
  assert.equal(splitSchemeNamePort('ftp:web:1'), undefined)
  assert.equal(splitSchemeNamePort(':1'), undefined)
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined)
})

test('proxySubpath: the raw remainder after /proxy, trailing slash and encoding kept', () => {
  assert.equal(proxySubpath('/api/v1/namespaces/default/pods/web/proxy', '', true), '')
  assert.equal(proxySubpath('/api/v1/namespaces/default/pods/web/proxy/', '', true), '/')
  assert.equal(proxySubpath('/api/v1/namespaces/default/pods/web:80/proxy/a/b%20c/?x=1', '', true), '/a/b%20c/')
  assert.equal(proxySubpath('/api/v1/namespaces/default/pods/web/log', '', true), undefined)
})

test('rewriteLocation: redirects to the backend stay behind the proxy path', () => {
  const t = { scheme: 'http', host: '127.244.0.5:8080' }
  const prefix = '/api/v1/namespaces/default/pods/web/proxy'
  assert.equal(rewriteLocation('/login?next=1', t, prefix), `${prefix}/login?next=1`)
  assert.equal(rewriteLocation('http://127.244.0.5:8080/x', t, prefix), `${prefix}/x`)
  assert.equal(rewriteLocation('https://example.com/x', t, prefix), 'https://example.com/x')
})

test('parsePortHeader: kubelet checks', () => {
  assert.equal(parsePortHeader('8080'), 8080)
  assert.equal(parsePortHeader(undefined), 'port header is required')
  assert.match(String(parsePortHeader('http')), /unable to parse "http" as a port/)
  assert.equal(parsePortHeader('0'), 'port "0" must be > 0')
})

test('statusMessage: remotecommand v4 status JSON', () => {
  assert.equal(statusMessage({ exitCode: 0, command: ['env'] }), '{"metadata":{},"status":"Success"}')
  assert.deepEqual(JSON.parse(statusMessage({ exitCode: 3, command: ['sh', '-c', 'exit 3'] })), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  })
  assert.equal(JSON.parse(statusMessage({ error: 'x' })).message, 'x')
})

test('execFailure: shaped per transport', () => {
  const nf = new NodeError(404, 'container not found ("web")')
  assert.equal(execFailure(nf, 'websocket'), 'Internal error occurred: unable to upgrade connection: container not found ("web")')
  assert.equal(execFailure(nf, 'spdy'), 'unable to upgrade connection: container not found ("web")')
  assert.equal(execFailure(new Error('boom'), 'spdy'), 'Internal error occurred: error executing command in container: boom')
})

test('ResizeQueue: JSON values in, sizes out, ends on close', async () => {
  const q = new ResizeQueue()
  q.pushJSON('{"Width":80,"Height":24}\n{"Width":100,"Height":40}')
  q.pushJSON('garbage')
  q.close()
  const got = []
  for await (const s of q) got.push(s)
  assert.deepEqual(got, [{ width: 80, height: 24 }, { width: 100, height: 40 }])
})

test('endpointsServiceDialer: port numbers map to names; upstream 503s', async () => {
  const svc = { spec: { ports: [{ name: 'http', port: 80 }] } }
  const eps = { subsets: [{ addresses: [{ ip: '127.244.0.9' }], ports: [{ name: 'http', port: 8080 }] }] }
  const dialled: string[] = []
  const connect = async (host: string, port: number) => {
    dialled.push(`${host}:${port}`)
    return new PassThrough()
  }
  const dial = endpointsServiceDialer({ getService: async () => svc, getEndpoints: async () => eps, connect })
  await dial({ namespace: 'default', name: 'web', port: '80' })
  await dial({ namespace: 'default', name: 'web', port: 'http' })
  assert.deepEqual(dialled, ['127.244.0.9:8080', '127.244.0.9:8080'])
  await assert.rejects(dial({ namespace: 'default', name: 'web', port: '81' }), (e: StatusError) => e.status.code === 503 && e.status.message === 'no service port 81 found for service "web"')
  await assert.rejects(dial({ namespace: 'default', name: 'web', port: '' }), (e: StatusError) => e.status.message === 'no endpoints available for service "web"')
  const empty = endpointsServiceDialer({ getService: async () => svc, getEndpoints: async () => ({ subsets: [] }) })
  await assert.rejects(empty({ namespace: 'default', name: 'web', port: 'http' }), (e: StatusError) => e.status.reason === 'ServiceUnavailable')
})

test('reachError: coded errors pass through, socket errors read like Go', () => {
  const coded = Object.assign(new Error('no endpoints available for service "web"'), { code: 503, reason: 'ServiceUnavailable' })
  assert.deepEqual([reachError(coded).status.code, reachError(coded).status.reason, reachError(coded).status.message], [503, 'ServiceUnavailable', 'no endpoints available for service "web"'])
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', address: '127.244.0.9', port: 8080 })
  const s = reachError(refused).status
  assert.deepEqual([s.code, s.reason, s.message], [500, undefined, 'error trying to reach service: dial tcp 127.244.0.9:8080: connect: connection refused'])
})
