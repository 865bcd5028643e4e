import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'node:https'
import { createServer } from 'node:net'
import { PassThrough, Readable, Writable } from 'node:stream'
import { NodeError, type NodeConnection } from '../../client/node-connection.js'
import { RemoteNodeConnection } from '../../client/node-wire.js'
import { createCertificate, newKeyPair, privateKeyPem } from '../../lib/x509.js'
import { NodeServer } from './node-server.js'

const now = Date.now()
const period = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000) }
const caKeys = newKeyPair()
const ca = createCertificate({ subject: 'test-ca', keys: caKeys, ca: true, ...period })
const issue = (cn: string, o: string[], usages: ('serverAuth' | 'clientAuth')[], altNames?: string[]) => {
  const keys = newKeyPair()
  return { cert: createCertificate({ subject: cn, organizations: o, issuer: { subject: 'test-ca', ...caKeys }, keys, ca: false, usages, altNames, ...period }), key: privateKeyPem(keys.privateKey) }
}

const collect = () => {
  const chunks: Buffer[] = []
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c)
      cb()
    },
  })
  return { w, text: () => Buffer.concat(chunks).toString() }
}

test('the API server reaches a node agent in another process: logs, exec with stdin and exit code, port-forward, errors; only its own certificate gets in', async () => {
  const echo = createServer((s) => s.pipe(s))
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
  const fake: NodeConnection = {
    async logs(pod, o) {
      if (o.container !== 'web') throw new NodeError(400, `container "${o.container}" in pod "${pod.name}" is waiting to start: ContainerCreating`)
      return Readable.from([`line of ${pod.namespace}/${pod.name} tail=${o.tailLines}\n`])
    },
    async exec(_pod, req) {
      let input = ''
      if (req.stdin) for await (const c of req.stdin) input += String(c)
      req.stdout?.write(`ran ${req.command.join(' ')} with ${input}`)
      req.stderr?.write('to stderr')
      return 7
    },
    async attach() {
      throw new NodeError(400, 'container not found ("web")')
    },
    async portForward(_pod, port) {
      if (port !== 8080) throw new NodeError(500, `error forwarding port ${port}`)
      const { connect } = await import('node:net')
      return connect((echo.address() as { port: number }).port, '127.0.0.1')
    },
    async resourceUsage() {
      return { pods: [] }
    },
  }
  const serving = issue('node', [], ['serverAuth'], ['127.0.0.1'])
  const server = new NodeServer({ connection: fake, cert: serving.cert, key: serving.key, ca })
  const { port } = await server.listen(0, '127.0.0.1')
  const apiClient = issue('kube-apiserver-kubelet-client', ['system:masters'], ['clientAuth'])
  const agent = new Agent({ cert: apiClient.cert, key: apiClient.key, rejectUnauthorized: false })
  const conn = new RemoteNodeConnection(async () => ({ host: '127.0.0.1', port, agent }))
  try {
    const pod = { namespace: 'default', name: 'p', uid: 'u1' }
    let text = ''
    for await (const c of await conn.logs(pod, { container: 'web', tailLines: 3 })) text += String(c)
    assert.equal(text, 'line of default/p tail=3\n')
    await assert.rejects(conn.logs(pod, { container: 'db' }), (err: NodeError) => err.code === 400 && err.message === 'container "db" in pod "p" is waiting to start: ContainerCreating')

    const stdin = new PassThrough()
    stdin.end('some input')
    const out = collect()
    const errOut = collect()
    assert.equal(await conn.exec(pod, { container: 'web', command: ['cat', '-'], stdin, stdout: out.w, stderr: errOut.w }), 7)
    assert.equal(out.text(), 'ran cat - with some input')
    assert.equal(errOut.text(), 'to stderr')
    await assert.rejects(conn.attach(pod, { container: 'web', stdout: collect().w }), (err: NodeError) => err.code === 400 && err.message === 'container not found ("web")')

    const tunnel = await conn.portForward(pod, 8080)
    tunnel.write('ping')
    const [echoed] = (await Promise.race([new Promise((r) => tunnel.once('data', (d) => r([String(d)])))])) as string[]
    assert.equal(echoed, 'ping')
    tunnel.destroy()
    await assert.rejects(conn.portForward(pod, 9), (err: NodeError) => err.code === 500 && err.message === 'error forwarding port 9')
    assert.deepEqual(await conn.resourceUsage(), { pods: [] })

    // A node's own certificate (system:nodes), or none at all, is not the API server.
    const nodeCert = issue('system:node:other', ['system:nodes'], ['clientAuth'])
    const asNode = new RemoteNodeConnection(async () => ({ host: '127.0.0.1', port, agent: new Agent({ cert: nodeCert.cert, key: nodeCert.key, rejectUnauthorized: false }) }))
    await assert.rejects(asNode.resourceUsage(), (err: NodeError) => err.code === 403)
    const anonymous = new RemoteNodeConnection(async () => ({ host: '127.0.0.1', port, agent: new Agent({ rejectUnauthorized: false }) }))
    await assert.rejects(anonymous.resourceUsage(), (err: NodeError) => err.code === 401)
  } finally {
    agent.destroy()
    await server.close()
    echo.close()
  }
})
