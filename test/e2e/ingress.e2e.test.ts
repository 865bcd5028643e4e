// Ingress through the real kubectl: kubelite's IngressClass, `kubectl create ingress`, two
// Deployments behind one Ingress routing two hosts and a path, TLS from a `kubectl create secret
// tls` Secret chosen by SNI, the 404 default answer, a bad Ingress rejected with upstream's words,
// and `kubectl get ingress` showing the address kubelite writes. Loopback only.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { freePort, parseTable, startCluster, until, type Cluster } from './harness.js'

/** One request to the Ingress port with a Host header (and, over TLS, that name as SNI). */
function get(port: number, host: string, path: string, tls?: { ca?: string; noSni?: boolean }): Promise<{ code: number; body: string; subject?: string }> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port, path, headers: { host }, agent: false as const, timeout: 5000 }
    const done = (res: import('node:http').IncomingMessage) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => {
        const peer = tls ? (res.socket as TLSSocket).getPeerCertificate?.() : undefined
        resolve({ code: res.statusCode ?? 0, body, ...(peer?.subject ? { subject: String(peer.subject.CN) } : {}) })
      })
    }
    const req = tls ? httpsRequest({ ...opts, ...(tls.noSni ? { rejectUnauthorized: false, servername: '' } : { servername: host, ca: tls.ca }) }, done) : httpRequest(opts, done)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

const ingressYaml = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: hosts
spec:
  tls:
  - hosts: [one.example.com]
    secretName: one-tls
  rules:
  - host: one.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: one, port: {number: 18481}}
  - host: two.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: two, port: {name: web}}
      - path: /one
        pathType: Exact
        backend:
          service: {name: one, port: {number: 18481}}
`

const badIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
spec:
  rules:
  - host: one.example.com
    http:
      paths:
      - path: /
        backend:
          service: {name: one, port: {number: 18481}}
`

describe('Ingress', { timeout: 180_000 }, () => {
  let c: Cluster
  let port: number
  before(async () => {
    port = await freePort()
    c = await startCluster(['--ingress-port', String(port), '--no-dashboard'])
  })
  after(async () => {
    await c?.destroy()
  })

  test('start-up prints the Ingress port; the kubelite IngressClass is the default', async () => {
    assert.match(c.output(), new RegExp(`ingress: +http://127\\.0\\.0\\.1:${port} and https://127\\.0\\.0\\.1:${port}`))
    const classes = await until('the kubelite IngressClass', async () => {
      const out = await c.k('get', 'ingressclass')
      return out.includes('kubelite') && out
    })
    assert.deepEqual(parseTable(classes).map((r) => [r.NAME, r.CONTROLLER, r.PARAMETERS]), [['kubelite', 'kubelite.io/ingress-controller', '<none>']])
    const resources = await c.k('api-resources', '--api-group=networking.k8s.io')
    assert.match(resources, /^ingresses +ing +networking\.k8s\.io\/v1 +true +Ingress$/m)
    assert.match(resources, /^networkpolicies +netpol +networking\.k8s\.io\/v1 +true +NetworkPolicy$/m)
  })

  test('a bad Ingress is rejected with upstream’s message', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: badIngress })
    assert.notEqual(r.code, 0)
    assert.equal(r.stderr.trim(), 'The Ingress "bad" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified')
  })

  test('two hosts and a path reach the right Deployment; TLS answers by SNI', async () => {
    await c.k('create', 'deployment', 'one', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1')
    await c.k('create', 'deployment', 'two', '--image=jocatalin/kubernetes-bootcamp:v2')
    // Unusual ports: other clusters on this machine may hold the same ClusterIPs.
    await c.k('expose', 'deployment', 'one', '--port=18481', '--target-port=8080')
    await c.k('expose', 'deployment', 'two', '--port=18482', '--target-port=8080', '--name=two')
    await c.k('patch', 'service', 'two', '--type=json', '-p', '[{"op":"add","path":"/spec/ports/0/name","value":"web"}]')
    const key = join(c.dir, 'tls.key')
    const crt = join(c.dir, 'tls.crt')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=one.example.com', '-addext', 'subjectAltName=DNS:one.example.com', '-keyout', key, '-out', crt], { stdio: 'ignore' })
    assert.equal((await c.k('create', 'secret', 'tls', 'one-tls', `--cert=${crt}`, `--key=${key}`)).trim(), 'secret/one-tls created')
    assert.equal((await c.k('apply', '-f', c.file('ingress.yaml', ingressYaml))).trim(), 'ingress.networking.k8s.io/hosts created')

    const one = await until('one.example.com to answer from the v1 Deployment', async () => {
      const r = await get(port, 'one.example.com', '/')
      return r.code === 200 && r.body
    }, 90_000)
    assert.match(one, /^Hello Kubernetes bootcamp! \| Running on: one-[a-z0-9]+-[a-z0-9]+ \| v=1\n$/)
    const two = await until('two.example.com to answer from the v2 Deployment', async () => {
      const r = await get(port, 'two.example.com:80', '/anything')
      return r.code === 200 && r.body
    }, 90_000)
    assert.match(two, /Running on: two-[a-z0-9]+-[a-z0-9]+ \| v=2/)
    assert.match((await get(port, 'two.example.com', '/one')).body, /Running on: one-.* \| v=1/) // Exact path wins over the host's `/`
    assert.match((await get(port, 'two.example.com', '/one/more')).body, /v=2/) // Exact does not match a subpath

    const miss = await get(port, 'three.example.com', '/')
    assert.equal(miss.code, 404)
    assert.match(miss.body, /<title>404 Not Found<\/title>/)

    const ca = readFileSync(crt, 'utf8')
    const secure = await until('the Secret’s certificate by SNI', () => get(port, 'one.example.com', '/', { ca }))
    assert.equal(secure.code, 200)
    assert.equal(secure.subject, 'one.example.com')
    assert.match(secure.body, /v=1/)
    // No server name (an address): ingress-nginx's fallback certificate, then routing by Host.
    const fallback = await get(port, 'one.example.com', '/', { noSni: true })
    assert.equal(fallback.subject, 'Kubernetes Ingress Controller Fake Certificate')
    assert.match(fallback.body, /v=1/)

    const rows = await until('the Ingress ADDRESS', async () => {
      const t = parseTable(await c.k('get', 'ingress'))
      return t[0]?.ADDRESS === '127.0.0.1' && t
    })
    assert.deepEqual(
      rows.map((r) => [r.NAME, r.CLASS, r.HOSTS, r.ADDRESS, r.PORTS]),
      [['hosts', 'kubelite', 'one.example.com,two.example.com', '127.0.0.1', '80, 443']],
    )
  })

  test('kubectl create ingress gets the default class; NetworkPolicy is stored', async () => {
    assert.equal((await c.k('create', 'ingress', 'made', '--rule=made.example.com/api*=one:18481')).trim(), 'ingress.networking.k8s.io/made created')
    assert.equal(await c.k('get', 'ingress', 'made', '-o', 'jsonpath={.spec.ingressClassName} {.spec.rules[0].http.paths[0].pathType}'), 'kubelite Prefix')
    const r = await until('made.example.com/api/x to answer', async () => {
      const res = await get(port, 'made.example.com', '/api/x')
      return res.code === 200 && res.body
    })
    assert.match(r, /v=1/)
    await c.k('apply', '-f', c.file('np.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec:\n  podSelector: {matchLabels: {app: one}}\n'))
    const np = parseTable(await c.k('get', 'netpol'))
    assert.deepEqual(np.map((x) => [x.NAME, x['POD-SELECTOR']]), [['deny', 'app=one']])
    assert.equal(await c.k('get', 'netpol', 'deny', '-o', 'jsonpath={.spec.policyTypes}'), '["Ingress"]')
  })

  test('the backend Service’s kubelite.io/traffic weights apply to Ingress traffic', async () => {
    // A second Service on one's port over two's pods, and one's annotation sending it everything.
    await c.k('apply', '-f', c.file('alt.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: two-alt}\nspec:\n  selector: {app: two}\n  ports: [{port: 18481, targetPort: 8080}]\n'))
    const policy = { backends: [{ name: 'v1', weight: 0 }, { name: 'v2', service: 'two-alt', weight: 100 }] }
    await c.k('annotate', 'service', 'one', `kubelite.io/traffic=${JSON.stringify(policy)}`)
    await until('one.example.com to follow the weights', async () => {
      for (let i = 0; i < 5; i++) if (!/v=2/.test((await get(port, 'one.example.com', '/')).body)) return false
      return true
    }, 30_000)
    await c.k('annotate', 'service', 'one', 'kubelite.io/traffic-')
    await until('one.example.com back on v1', async () => /v=1/.test((await get(port, 'one.example.com', '/')).body))
  })
})
