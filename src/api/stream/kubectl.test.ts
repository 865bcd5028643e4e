// The streaming subresources driven by the real kubectl (/usr/bin/kubectl, v1.32) against an
// in-process API server on plain HTTP, with a fake node: logs, exec (WebSocket v5 and SPDY),
// port-forward (WebSocket tunnel and raw SPDY), and kubectl proxy to pods and services.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, type Duplex } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { NodeError, type NodeConnection } from '../../client/node-connection.js'
import { builtInResources } from '../../registry/index.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { ApiServer } from '../server.js'
import { endpointsServiceDialer, streamingSubresources } from './index.js'

const kubectlBin = '/usr/bin/kubectl'
const podIP = `127.244.252.${2 + Math.floor(Math.random() * 200)}`
const big = Buffer.alloc(1024 * 1024, 'abcdefghij')

interface Env {
  dir: string
  apiPort: number
  api: Server
  pod: Server
  podPort: number
  store: MemoryStore
  apiServer: ApiServer
  close(): Promise<void>
}

const logLines = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']

/** A node whose containers are canned: a fixed log, a few commands, and an HTTP server as the pod's port. */
function fakeNode(podPort: () => number): NodeConnection {
  return {
    async logs(_pod, opts) {
      if (opts.container !== 'web') throw new NodeError(400, `container "${opts.container}" in pod "web" is waiting to start: ContainerCreating`)
      const lines = opts.tailLines !== undefined ? logLines.slice(Math.max(0, logLines.length - opts.tailLines)) : logLines
      if (!opts.follow) return Readable.from([lines.map((l) => l + '\n').join('')])
      return Readable.from((async function* () {
        for (const l of [...lines, 'later 1', 'later 2']) {
          yield l + '\n'
          await new Promise((r) => setTimeout(r, 30))
        }
      })())
    },
    async exec(_pod, req) {
      const write = (w: NodeJS.WritableStream | undefined, s: string) => new Promise<void>((r) => (w ? w.write(s, () => r()) : r()))
      switch (req.command.join(' ')) {
        case 'env':
          await write(req.stdout, 'HOSTNAME=web\nKUBELITE=yes\n')
          return 0
        case 'sh -c exit 3':
          return 3
        case 'warn':
          await write(req.stderr, 'oops\n')
          return 0
        case 'cat':
          if (!req.stdin) return 1
          for await (const chunk of req.stdin) await write(req.stdout, String(chunk).toUpperCase())
          return 0
        case 'size': {
          // -t: the first resize the client sends, and whether stderr was kept apart.
          let size = 'none'
          for await (const r of req.resize ?? []) {
            size = `${r.width}x${r.height}`
            break
          }
          await write(req.stdout, `tty=${req.tty} stderr=${req.stderr !== undefined} size=${size}\n`)
          return 0
        }
        case 'missing':
          throw new NodeError(404, 'container not found ("web")')
        default:
          return 127
      }
    },
    async attach(_pod, req) {
      // The main process of `web` says hello, echoes stdin upper-cased, and reports the first size.
      const write = (w: NodeJS.WritableStream | undefined, s: string) => new Promise<void>((r) => (w ? w.write(s, () => r()) : r()))
      if (req.container === 'missing') throw new NodeError(400, 'container not found ("missing")')
      await write(req.stdout, `attached tty=${req.tty} stderr=${req.stderr !== undefined}\n`)
      if (req.tty) {
        for await (const r of req.resize ?? []) {
          await write(req.stdout, `size=${r.width}x${r.height}\n`)
          break
        }
        return
      }
      if (req.stdin) for await (const chunk of req.stdin) await write(req.stdout, String(chunk).toUpperCase())
    },
    async portForward(_pod, port) {
      if (port !== 8080) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
      return new Promise<Duplex>((resolve, reject) => {
        const s = connect(podPort(), podIP, () => resolve(s))
        s.once('error', reject)
      })
    },
  }
}

async function startEnv(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-stream-'))
  const pod = createServer((req, res) => {
    if (req.url === '/big') return res.end(big)
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: '/landing' })
      return res.end()
    }
    res.setHeader('Content-Type', 'text/plain')
    res.end(`hello from pod ${req.method} ${req.url} auth=${req.headers.authorization ?? 'none'}\n`)
  })
  const podWs = new WebSocketServer({ server: pod, path: '/ws' })
  podWs.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo ${req.url} ${String(m)}`)))
  await new Promise<void>((r) => pod.listen(0, podIP, r))
  const podPort = (pod.address() as AddressInfo).port
  const store = new MemoryStore()
  let apiServer: ApiServer
  const streaming = streamingSubresources(() => fakeNode(() => podPort), {
    serviceDialer: endpointsServiceDialer({
      getService: (ns, n) => apiServer.resource('', 'services')!.get(ns, n),
      getEndpoints: (ns, n) => apiServer.resource('', 'endpoints')!.get(ns, n),
    }),
  })
  apiServer = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:0', subresources: streaming.subresources, upgrades: streaming.upgrades })
  const api = createServer(apiServer.handle)
  api.on('upgrade', apiServer.handleUpgrade)
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
  const apiPort = (api.address() as AddressInfo).port
  await apiServer.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
  const pods = apiServer.resource('', 'pods')!
  const container = { name: 'web', image: 'busybox', ports: [{ containerPort: 8080 }] }
  const created = await pods.create('default', { metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [container] } })
  await pods.update('default', 'web', { ...created, status: { phase: 'Running', podIP, podIPs: [{ ip: podIP }] } }, { subresource: 'status' })
  const done = await pods.create('default', { metadata: { name: 'done' }, spec: { nodeName: 'node-1', restartPolicy: 'Never', containers: [container] } })
  await pods.update('default', 'done', { ...done, status: { phase: 'Succeeded', podIP } }, { subresource: 'status' })
  await apiServer.resource('', 'services')!.create('default', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } })
  await apiServer.resource('', 'endpoints')!.create('default', { metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: podIP }], ports: [{ port: podPort }] }] })
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: http://127.0.0.1:${apiPort}\nusers:\n- name: t\n  user: {}\ncontexts:\n- name: t\n  context: {cluster: t, user: t, namespace: default}\ncurrent-context: t\n`,
  )
  return {
    dir,
    apiPort,
    api,
    pod,
    podPort,
    store,
    apiServer,
    async close() {
      streaming.close()
      api.closeAllConnections()
      pod.closeAllConnections()
      await Promise.all([new Promise((r) => api.close(r)), new Promise((r) => pod.close(r))])
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let env: Env
const children = new Set<ChildProcess>()

function spawnKubectl(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(kubectlBin, ['--kubeconfig', join(env.dir, 'kubeconfig'), '--cache-dir', join(env.dir, 'cache'), ...args], {
    env: { ...process.env, HOME: env.dir, KUBECONFIG: '', ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

/** Runs kubectl to completion (bounded), optionally feeding stdin. */
function kubectl(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnKubectl(args, opts.env)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  if (opts.input !== undefined) child.stdin!.end(opts.input)
  else child.stdin!.end()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Starts a long-running kubectl and waits for a line matching `re` on stdout. */
async function kubectlUntil(args: string[], re: RegExp, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawnKubectl(args, extraEnv)
  let out = ''
  let err = ''
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${out} ${err}`)), 20_000)
    child.stderr!.on('data', (d) => (err += d))
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(re)
      if (m) {
        clearTimeout(timer)
        resolve(m)
      }
    })
    child.on('exit', () => reject(new Error(`kubectl exited: ${out} ${err}`)))
  })
  return { child, match }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(t)
}

describe('streaming subresources with the real kubectl', { timeout: 120_000 }, () => {
  before(async () => {
    env = await startEnv()
  })
  after(async () => {
    for (const c of children) c.kill('SIGKILL')
    await env.close()
  })

  it('kubectl logs, --tail, -f (ends with the stream), a waiting container', async () => {
    const all = await kubectl(['logs', 'web'])
    assert.equal(all.stdout, logLines.join('\n') + '\n', all.stderr)
    const tail = await kubectl(['logs', 'web', '--tail=2'])
    assert.equal(tail.stdout, 'line 4\nline 5\n')
    const follow = await kubectl(['logs', '-f', 'web'])
    assert.equal(follow.code, 0)
    assert.equal(follow.stdout, [...logLines, 'later 1', 'later 2'].join('\n') + '\n')
    const bad = await kubectl(['logs', 'web', '-c', 'nope'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /container nope is not valid for pod web/)
  })

  for (const [transport, extra] of [
    ['WebSocket v5', {}],
    ['SPDY', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`kubectl exec over ${transport}: output, exit codes, stdin, stderr, node errors`, async () => {
      const envOut = await kubectl(['exec', 'web', '--', 'env'], { env: extra })
      assert.equal(envOut.code, 0, envOut.stderr)
      assert.equal(envOut.stdout, 'HOSTNAME=web\nKUBELITE=yes\n')
      const three = await kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3'], { env: extra })
      assert.equal(three.code, 3)
      assert.match(three.stderr, /command terminated with exit code 3/)
      const cat = await kubectl(['exec', '-i', 'web', '--', 'cat'], { input: 'hello\nworld\n', env: extra })
      assert.equal(cat.code, 0, cat.stderr)
      assert.equal(cat.stdout, 'HELLO\nWORLD\n')
      const warn = await kubectl(['exec', 'web', '--', 'warn'], { env: extra })
      assert.equal(warn.stderr, 'oops\n')
      const missing = await kubectl(['exec', 'web', '--', 'missing'], { env: extra })
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /unable to upgrade connection: container not found \("web"\)/)
    })
  }

  for (const [transport, extra] of [
    ['WebSocket v5', ''],
    ['SPDY', 'KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false '],
  ] as const) {
    it(`kubectl exec -it under a terminal over ${transport}: tty=true, no stderr stream, the size on the resize stream`, async () => {
      const cmd = [kubectlBin, '--kubeconfig', join(env.dir, 'kubeconfig'), '--cache-dir', join(env.dir, 'cache'), 'exec', '-it', 'web', '--', 'size'].join(' ')
      const child = spawn('script', ['-qec', `stty cols 91 rows 33; ${extra}${cmd}`, '/dev/null'], { env: { ...process.env, HOME: env.dir }, stdio: ['pipe', 'pipe', 'pipe'] })
      children.add(child)
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
        child.on('close', (c) => {
          clearTimeout(t)
          resolve(c)
        })
      })
      children.delete(child)
      assert.equal(code, 0, out)
      assert.match(out, /tty=true stderr=false size=91x33/)
    })
  }

  for (const [transport, extra] of [
    ['WebSocket v5', {}],
    ['SPDY', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`kubectl attach over ${transport}: output, stdin until EOF, node errors`, async () => {
      const out = await kubectl(['attach', '-i', 'web'], { input: 'hello\nworld\n', env: extra })
      assert.equal(out.code, 0, out.stderr)
      assert.equal(out.stdout, 'attached tty=false stderr=true\nHELLO\nWORLD\n')
      assert.match(out.stderr, /If you don't see a command prompt, try pressing enter\./)
      const tty = await kubectl(['attach', '-it', 'web'], { env: extra })
      assert.match(tty.stderr, /Unable to use a TTY - container web did not allocate one/)
      const done = await kubectl(['attach', 'done'], { env: extra })
      assert.equal(done.code, 1)
      assert.match(done.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/)
      const notThere = await kubectl(['attach', 'web', '-c', 'nope'], { env: extra })
      assert.match(notThere.stderr, /cannot attach to the container: container nope not found in pod web/)
    })
  }

  it('pods/attach straight from a client: an unknown container is upstream\'s 400, a plain GET needs an upgrade', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${env.apiPort}/api/v1/namespaces/default/pods/web/attach?container=nope&stdout=true`, ['v5.channel.k8s.io'])
    const refused = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      ws.on('open', () => resolve({ status: 101, body: '' }))
      ws.on('error', () => undefined)
    })
    ws.terminate()
    assert.equal(refused.status, 400)
    assert.match(refused.body, /container nope is not valid for pod web/)
    const plain = await fetch(`http://127.0.0.1:${env.apiPort}/api/v1/namespaces/default/pods/web/attach?stdout=true`)
    assert.equal(plain.status, 400)
    assert.match(await plain.text(), /Upgrade request required/)
  })

  it('pods/NAME/proxy passes WebSocket upgrades through to the pod', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${env.apiPort}/api/v1/namespaces/default/pods/web:8080/proxy/ws?k=v`)
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('ping'))
      ws.on('message', (m) => resolve(String(m)))
      ws.on('error', reject)
    })
    ws.close()
    assert.equal(reply, 'echo /ws?k=v ping')
  })

  it('pods/log of a pod not yet bound is empty; exec needs a host; exec without an upgrade is a 400', async () => {
    const pods = env.apiServer.resource('', 'pods')!
    await pods.create('default', { metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })
    const logs = await fetch(`http://127.0.0.1:${env.apiPort}/api/v1/namespaces/default/pods/pending/log`)
    assert.equal(logs.status, 200)
    assert.equal(await logs.text(), '')
    const exec = await kubectl(['exec', 'pending', '--', 'env'])
    assert.match(exec.stderr, /pod pending does not have a host assigned/)
    const spdy = await fetch(`http://127.0.0.1:${env.apiPort}/api/v1/namespaces/default/pods/web/exec?command=env&stdout=true`)
    assert.equal(spdy.status, 400)
    assert.equal(((await spdy.json()) as { message: string }).message, 'Upgrade request required')
  })

  it('kubectl exec: a completed pod is refused by kubectl itself; a wrong container by the server', async () => {
    const done = await kubectl(['exec', 'done', '--', 'env'])
    assert.match(done.stderr, /cannot exec into a container in a completed pod; current phase is Succeeded/)
    const wrong = await kubectl(['exec', 'web', '-c', 'nope', '--', 'env'])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /container nope is not valid for pod web/)
  })

  for (const [transport, extra] of [
    ['a WebSocket tunnel', {}],
    ['raw SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`kubectl port-forward over ${transport}: requests and a 1 MiB body go through`, async () => {
      const { child, match } = await kubectlUntil(['port-forward', 'pod/web', '0:8080'], /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, extra)
      try {
        const base = `http://127.0.0.1:${match[1]}`
        assert.equal(await (await fetch(`${base}/x?y=1`)).text(), 'hello from pod GET /x?y=1 auth=none\n')
        const body = Buffer.from(await (await fetch(`${base}/big`)).arrayBuffer())
        assert.equal(body.length, big.length)
        assert.ok(body.equals(big))
        const parallel = await Promise.all([1, 2, 3].map(async (i) => (await fetch(`${base}/p${i}`, { headers: { connection: 'close' } })).text()))
        assert.deepEqual(parallel, [1, 2, 3].map((i) => `hello from pod GET /p${i} auth=none\n`))
      } finally {
        await stop(child)
      }
    })
  }

  it('kubectl port-forward to a closed port reports the kubelet-style error', async () => {
    const { child, match } = await kubectlUntil(['port-forward', 'pod/web', '0:9999'], /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/)
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    try {
      await fetch(`http://127.0.0.1:${match[1]}/`).catch(() => undefined)
      const deadline = Date.now() + 5000
      while (!/error forwarding port 9999/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.match(stderr, /an error occurred forwarding \d+ -> 9999: error forwarding port 9999 to pod [\w-]+, uid : dial tcp 127\.0\.0\.1:9999: connect: connection refused/)
    } finally {
      await stop(child)
    }
  })

  it('kubectl proxy: pods/NAME/proxy/ and services/NAME/proxy/ relay path, query and method', async () => {
    const { child, match } = await kubectlUntil(['proxy', '--port=0'], /Starting to serve on 127\.0\.0\.1:(\d+)/)
    try {
      const base = `http://127.0.0.1:${match[1]}/api/v1/namespaces/default`
      assert.equal(await (await fetch(`${base}/pods/web/proxy/`)).text(), 'hello from pod GET / auth=none\n')
      assert.equal(await (await fetch(`${base}/pods/web:8080/proxy/a/b/?q=1`)).text(), 'hello from pod GET /a/b/?q=1 auth=none\n')
      assert.equal(await (await fetch(`${base}/pods/web/proxy/form`, { method: 'POST', body: 'x=1' })).text(), 'hello from pod POST /form auth=none\n')
      const redirect = await fetch(`${base}/pods/web/proxy?z=2`, { redirect: 'manual' })
      assert.equal(redirect.status, 301)
      assert.equal(redirect.headers.get('location'), '/api/v1/namespaces/default/pods/web/proxy/?z=2')
      const moved = await fetch(`${base}/pods/web/proxy/redirect`, { redirect: 'manual' })
      assert.equal(moved.headers.get('location'), '/api/v1/namespaces/default/pods/web/proxy/landing')
      assert.equal(await (await fetch(`${base}/services/web/proxy/s?v=1`)).text(), 'hello from pod GET /s?v=1 auth=none\n')
      assert.equal(await (await fetch(`${base}/services/web:80/proxy/`)).text(), 'hello from pod GET / auth=none\n')
      const noPort = await fetch(`${base}/services/web:81/proxy/`)
      assert.equal(noPort.status, 503)
      assert.equal(((await noPort.json()) as { message: string }).message, 'no service port 81 found for service "web"')
      const refused = await fetch(`${base}/pods/web:9999/proxy/`)
      assert.equal(refused.status, 500)
      assert.match(((await refused.json()) as { message: string }).message, /^error trying to reach service: dial tcp 127\.244\.252\.\d+:9999: connect: connection refused$/)
    } finally {
      await stop(child)
    }
  })
})
