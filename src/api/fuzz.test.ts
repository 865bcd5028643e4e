// Zero 5xx, whatever a client sends: a property-based fuzzer over every served kind and verb —
// methods, paths (collections, objects, subresources, junk), query parameters, content types,
// Accept headers and bodies (valid objects with fields broken at random, random JSON, YAML, bytes,
// deep nesting). Every answer must be a metav1.Status-shaped 4xx or a success; a 503/504 only with
// their own reasons; and the server must still answer afterwards. The API is built exactly as
// `kubelite up` builds it (cli/wiring.ts), over plain HTTP on loopback, on an in-memory store.
//
// Bounded in time for CI (KUBELITE_FUZZ_SECONDS, default 25 s); KUBELITE_FUZZ_SEED replays a run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import { ServiceAccountTokens } from './authn/serviceaccount.js'
import { streamingSubresources } from './stream/index.js'
import { podBinding } from './subresources/binding.js'
import { podEviction } from './subresources/eviction.js'
import { serviceAccountTokenRequest } from './subresources/token.js'
import type { ApiServer, SubresourceHandler } from './server.js'

const seconds = Number(process.env.KUBELITE_FUZZ_SECONDS ?? 25)
const seed = process.env.KUBELITE_FUZZ_SEED ? Number(process.env.KUBELITE_FUZZ_SEED) : undefined

interface Answer {
  status: number
  body: string
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      // A watch (or a follow) would stream: its status line is the answer.
      if (res.headers['transfer-encoding'] === 'chunked' && res.statusCode === 200) {
        res.destroy()
        resolve({ status: 200, body: '' })
        return
      }
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer in 20 s: ${method} ${path}`)))
    req.on('error', reject)
    req.end(body)
  })
}

async function fixture(): Promise<{ api: ApiServer; server: Server; port: number }> {
  const store = new MemoryStore()
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  let api: ApiServer | undefined
  const lookup = async (resource: string, namespace: string | undefined, name: string) => {
    try {
      return await api!.resource('', resource)!.get(namespace, name)
    } catch {
      return undefined
    }
  }
  const tokens = new ServiceAccountTokens(privateKey, lookup)
  const streaming = streamingSubresources(() => undefined)
  api = buildApiServer({
    store,
    serverAddress: '127.0.0.1:6443',
    subresources: new Map<string, SubresourceHandler>([
      ['pods/binding', podBinding({ store })],
      ['pods/eviction', podEviction()],
      ['serviceaccounts/token', serviceAccountTokenRequest({ tokens, lookup })],
      ...streaming.subresources,
    ]),
    upgrades: streaming.upgrades,
  })
  const server = createServer(api.handle)
  server.on('upgrade', api.handleUpgrade)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { api, server, port: (server.address() as AddressInfo).port }
}

const queryNames = [
  'watch', 'limit', 'continue', 'labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'timeoutSeconds',
  'dryRun', 'fieldManager', 'fieldValidation', 'propagationPolicy', 'gracePeriodSeconds', 'orphanDependents', 'force', 'pretty',
  'allowWatchBookmarks', 'sendInitialEvents', 'timeout', 'container', 'follow', 'tailLines', 'sinceSeconds', 'sinceTime',
  'limitBytes', 'previous', 'timestamps', 'includeObject', 'command', 'stdin', 'stdout', 'tty', 'ports', 'as',
]
const queryValue = fc.oneof(
  fc.constantFrom('', 'true', 'false', '0', '1', '-1', '5', '99999999999999999999', '9223372036854775807', '1e3', 'NaN', 'All', 'Strict',
    'Ignore', 'Warn', 'Foreground', 'Background', 'Orphan', 'NotOlderThan', 'Exact', 'garbage', 'a=b', 'a!=b', 'a in (b,c)', '!a',
    'metadata.name=x', 'spec.nodeName=', 'status.phase!=Running', '=', ',', '%', '%zz', '\u0000', 'Object', 'None', '1s', '-5s', '10m'),
  fc.string({ maxLength: 20 }),
)
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...queryNames), fc.string({ maxLength: 8 })), queryValue), { maxLength: 4 })
  .map((kv) => (kv.length ? '?' + kv.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&') : ''))

const contentTypes = [
  'application/json', 'application/yaml', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  'application/json-patch+json', 'application/apply-patch+yaml', 'application/vnd.kubernetes.protobuf', 'text/plain', '', 'application/json; charset=utf-8',
]
const accepts = [
  'application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf,application/json', '*/*', 'text/html', '',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v9;g=meta.k8s.io',
]

/** Leaf values that break typed fields in interesting ways. */
const nasty = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', ' ', 'x', '-1', '1Gi', '100m', '25%', '150%', 'a'.repeat(300), '{}', [], {}, [null], { '': 1 }),
  fc.jsonValue({ maxDepth: 2 }),
)

/** A plausible object of the kind, with a few fields set to nasty values (paths chosen among realistic ones and random ones). */
function objectFor(kind: string, apiVersion: string) {
  const base = (): Record<string, unknown> => ({
    apiVersion,
    kind,
    metadata: { name: 'fz', namespace: 'default', labels: { app: 'fz' }, annotations: { a: 'b' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'fz' } },
      template: { metadata: { labels: { app: 'fz' } }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] } },
      containers: [{ name: 'c', image: 'busybox' }],
      ports: [{ port: 80, targetPort: 8080 }],
      type: 'ClusterIP',
    },
    data: { k: 'v' },
    subsets: [{ addresses: [{ ip: '127.244.0.9' }], ports: [{ port: 80 }] }],
    endpoints: [{ addresses: ['127.244.0.9'] }],
    addressType: 'IPv4',
  })
  const paths = fc.oneof(
    fc.constantFrom(
      ['metadata'], ['metadata', 'name'], ['metadata', 'labels'], ['metadata', 'ownerReferences'], ['metadata', 'finalizers'], ['metadata', 'managedFields'],
      ['metadata', 'resourceVersion'], ['metadata', 'generateName'], ['metadata', 'namespace'], ['metadata', 'deletionTimestamp'],
      ['spec'], ['spec', 'replicas'], ['spec', 'selector'], ['spec', 'selector', 'matchExpressions'], ['spec', 'template'],
      ['spec', 'template', 'spec', 'containers'], ['spec', 'template', 'spec', 'containers', 0, 'ports'], ['spec', 'template', 'spec', 'volumes'],
      ['spec', 'strategy'], ['spec', 'strategy', 'rollingUpdate', 'maxSurge'], ['spec', 'containers', 0, 'resources'], ['spec', 'containers', 0, 'env'],
      ['spec', 'ports', 0, 'targetPort'], ['spec', 'ports', 0, 'nodePort'], ['spec', 'clusterIP'], ['spec', 'clusterIPs'], ['spec', 'type'],
      ['status'], ['status', 'conditions'], ['data'], ['subsets'], ['endpoints'], ['endpoints', 0, 'addresses'], ['apiVersion'], ['kind'],
    ),
    fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat(3)), { minLength: 1, maxLength: 4 }),
  )
  return fc.array(fc.tuple(paths, nasty), { maxLength: 3 }).map((edits) => {
    const o = base()
    for (const [path, value] of edits) {
      // An array's `length` (and a prototype) are not fields a client could send.
      if (path.some((k) => k === 'length' || k === '__proto__')) continue
      let at: Record<string | number, unknown> = o
      for (const key of path.slice(0, -1)) {
        const next = at[key]
        if (next === null || typeof next !== 'object') at[key] = typeof key === 'number' ? [] : {}
        at = at[key] as Record<string | number, unknown>
      }
      at[path[path.length - 1]] = structuredClone(value) // constants are shared between runs: never edit them in place
    }
    return o
  })
}

const deep = fc.integer({ min: 1, max: 12_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n))

test('fuzz: no request gets a 500, and the server keeps answering', { timeout: (seconds + 120) * 1000 }, async (t) => {
  const { api, server, port } = await fixture()
  t.after(() => server.close())
  const resources = api.resourceInfos()
  // Some objects to hit by name.
  for (const ns of ['default', 'fz', 'kube-system']) await send(port, 'POST', '/api/v1/namespaces', { 'content-type': 'application/json' }, Buffer.from(`{"metadata":{"name":"${ns}"}}`))
  await send(port, 'POST', '/api/v1/namespaces/default/configmaps', { 'content-type': 'application/json' }, Buffer.from('{"metadata":{"name":"fz"},"data":{"k":"v"}}'))

  const resource = fc.constantFrom(...resources)
  const subresource = fc.constantFrom(undefined, 'status', 'scale', 'log', 'exec', 'attach', 'portforward', 'proxy', 'binding', 'eviction', 'token', 'ephemeralcontainers', 'bogus')
  const pathArb = fc.oneof(
    { weight: 8, arbitrary: fc.record({ r: resource, ns: fc.constantFrom('default', 'fz', 'nope', 'Bad_NS', ''), name: fc.constantFrom(undefined, 'fz', 'x', '..', 'a%2Fb', 'A'), sub: subresource, watchPrefix: fc.boolean() }).map(({ r, ns, name, sub, watchPrefix }) => {
      const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
      const nsPart = r.namespaced && ns !== '' ? `/namespaces/${ns}` : ''
      const namePart = name !== undefined ? `/${name}${sub ? `/${sub}` : ''}` : ''
      return `${root}${watchPrefix && name === undefined ? '/watch' : ''}${nsPart}/${r.resource}${namePart}`
    }) },
    { weight: 1, arbitrary: fc.constantFrom('/', '/api', '/apis', '/api/v1', '/apis/apps', '/apis/apps/v1', '/openapi/v2', '/openapi/v3', '/openapi/v3/api/v1', '/openapi/v3/apis/apps/v1', '/version', '/healthz', '/readyz?verbose', '/livez/ping', '/metrics', '/apis/nope/v1/things', '/api/v2/pods', '//', '/api/v1/namespaces/default/pods/x/y/z/w', '/.well-known/openid-configuration', '/openid/v1/jwks') },
    { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }).map((parts) => '/' + parts.map(encodeURIComponent).join('/')) },
  )
  const bodyArb = fc.oneof(
    { weight: 5, arbitrary: resource.chain((r) => objectFor(r.kind, r.group ? `${r.group}/${r.version}` : r.version)).map((o) => Buffer.from(JSON.stringify(o))) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.constantFrom('[{"op":"add","path":"/metadata/labels/x","value":"y"}]', '[{"op":"remove","path":"/spec"}]', '[{"op":"move","from":"/a","path":"/a/b"}]', '{"$patch":"delete"}', '{"spec":{"$setElementOrder/containers":[{"name":"c"}]}}', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fz}\n', 'a: &a [*a]', '- - -', '{', 'null', '""').map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: deep.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  // Mostly coherent requests (a kind's collection or its object `fz` in `default`, with a body of that
  // kind whose fields are broken at random), so creates, updates and patches go deep; the rest junk.
  const coherent = fc.record({
    r: resource,
    method: fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'PATCH', 'PATCH', 'DELETE'),
    named: fc.boolean(),
    sub: fc.constantFrom(undefined, undefined, undefined, 'status', 'scale', 'eviction', 'binding', 'ephemeralcontainers', 'token'),
    query,
    contentType: fc.constantFrom(...contentTypes),
    accept: fc.constantFrom(...accepts),
  }).chain(({ r, method, named, sub, query, contentType, accept }) => {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version
    const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
    const byName = named || method === 'PUT' || method === 'PATCH'
    const path = `${root}${r.namespaced ? '/namespaces/default' : ''}/${r.resource}${byName ? `/fz${sub ? `/${sub}` : ''}` : ''}`
    return objectFor(r.kind, apiVersion).map((o) => {
      if (!r.namespaced && o.metadata && typeof o.metadata === 'object') delete (o.metadata as Record<string, unknown>).namespace
      return { method, path, query, contentType, accept, body: Buffer.from(JSON.stringify(o)) as Buffer | undefined }
    })
  })
  const junk = fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'),
    path: pathArb,
    query,
    contentType: fc.constantFrom(...contentTypes),
    accept: fc.constantFrom(...accepts),
    body: bodyArb,
  })
  const requestArb = fc.oneof({ weight: 3, arbitrary: coherent }, { weight: 2, arbitrary: junk })

  const seen = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(requestArb, async ({ method, path, query, contentType, accept, body }) => {
      // Watches end by themselves quickly; everything else as sent.
      const q = /[?&]watch=/.test(query) || path.includes('/watch/') ? `${query}${query ? '&' : '?'}timeoutSeconds=1` : query
      const headers: Record<string, string> = { accept }
      if (contentType) headers['content-type'] = contentType
      const a = await send(port, method, path + q, headers, method === 'GET' || method === 'HEAD' ? undefined : body)
      seen.set(a.status, (seen.get(a.status) ?? 0) + 1)
      const reason = /"reason":"(\w+)"/.exec(a.body)?.[1]
      assert.ok(a.status >= 100 && a.status < 600, `${method} ${path}${q}: status ${a.status}`)
      assert.ok(a.status < 500 || (a.status === 503 && reason === 'ServiceUnavailable') || (a.status === 504 && reason === 'Timeout'), `${method} ${path}${q} [${contentType}] → ${a.status}: ${a.body.slice(0, 300)}`)
    }),
    { numRuns: 1_000_000, interruptAfterTimeLimit: seconds * 1000, seed, verbose: 0 },
  )
  // Still alive, still right.
  const created = await send(port, 'POST', '/api/v1/namespaces/kube-system/configmaps', { 'content-type': 'application/json' }, Buffer.from('{"metadata":{"name":"after-fuzz"},"data":{"k":"v"}}'))
  assert.equal(created.status, 201, created.body)
  const read = await send(port, 'GET', '/api/v1/namespaces/kube-system/configmaps/after-fuzz', { accept: 'application/json' }, undefined)
  assert.equal(JSON.parse(read.body).data.k, 'v')
  t.diagnostic(`answers by status: ${[...seen].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
})
