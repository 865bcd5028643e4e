// Cluster DNS through the real kubectl: the kube-dns Service as upstream clusters show it, and its
// ClusterIP (127.96.0.10:53, UDP and TCP) answering Services, headless endpoints, ExternalNames and
// deletions; names outside the cluster forwarded to a fake host resolver on loopback (never the
// machine's own); a pod's process resolving a Service by name and calling it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { promises as dns } from 'node:dns'
import { connect } from 'node:net'
import { Class, encodeQuery, encodeResponse, parseAnswers, parseQuery, responseHeader, Type } from '../../src/dns/wire.js'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

const dnsIP = '127.96.0.10'

function resolver(): dns.Resolver {
  const r = new dns.Resolver({ timeout: 1000, tries: 2 })
  r.setServers([dnsIP])
  return r
}

/** resolve4, or the error code (ENOTFOUND is NXDOMAIN, ENODATA is NODATA). */
async function a(name: string): Promise<string[] | string> {
  try {
    return (await resolver().resolve4(name)).sort()
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err)
  }
}

/** One question over TCP to the ClusterIP: the rcode and the A/CNAME records. */
function overTcp(name: string): Promise<{ rcode: number; answers: string[] }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: dnsIP, port: 53 })
    const q = encodeQuery(4242, { name, type: Type.A, class: Class.IN })
    let buf = Buffer.alloc(0)
    s.on('error', reject)
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q])))
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0))
      s.end()
      const h = responseHeader(msg)
      if (!h || h.id !== 4242) return reject(new Error('bad answer'))
      resolve({ rcode: h.rcode, answers: (parseAnswers(msg) ?? []).map((r) => (r.data.type === 'A' ? r.data.address : r.data.type === 'CNAME' ? `CNAME ${r.data.target}` : '')) })
    })
  })
}

/** A stand-in for the host's resolver: every A question gets 127.0.0.99. */
async function fakeHostResolver(): Promise<{ port: number; asked: string[]; socket: UdpSocket }> {
  const socket = createSocket('udp4')
  const asked: string[] = []
  socket.on('message', (m, r) => {
    const p = parseQuery(m)
    if (p.kind !== 'query') return
    asked.push(p.query.question.name)
    const answers = p.query.question.type === Type.A ? [{ name: p.query.question.name, ttl: 60, data: { type: 'A' as const, address: '127.0.0.99' } }] : []
    socket.send(encodeResponse({ id: p.query.id, opcode: 0, aa: false, rd: true, ra: true, rcode: 0, question: p.query.question, answers, authorities: [], additionals: [] }), r.port, r.address)
  })
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()))
  return { port: socket.address().port, asked, socket }
}

describe('cluster DNS', () => {
  let c: Cluster
  let upstream: Awaited<ReturnType<typeof fakeHostResolver>>

  before(async () => {
    upstream = await fakeHostResolver()
    c = await startCluster(['--dns-upstream', `127.0.0.1:${upstream.port}`])
    await c.k('create', 'deployment', 'backend', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
  })
  after(async () => {
    await c?.destroy()
    upstream?.socket.close()
  })

  test('kubectl get svc -n kube-system kube-dns prints as upstream', async () => {
    const out = await c.k('get', 'svc', '-n', 'kube-system', 'kube-dns')
    const [svc] = parseTable(out)
    assert.deepEqual({ ...svc, AGE: undefined }, { NAME: 'kube-dns', TYPE: 'ClusterIP', 'CLUSTER-IP': dnsIP, 'EXTERNAL-IP': '<none>', 'PORT(S)': '53/UDP,53/TCP,9153/TCP', AGE: undefined })
    assert.match(out.split('\n')[0], /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/)
    const labels = JSON.parse(await c.k('get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.metadata.labels}'))
    assert.equal(labels['k8s-app'], 'kube-dns')
    assert.equal(labels['kubernetes.io/name'], 'CoreDNS')
    assert.match(c.output(), new RegExp(`cluster DNS: ${dnsIP.replaceAll('.', '\\.')}:53 \\(kube-dns\\), served at 127\\.0\\.0\\.1:\\d+`))
  })

  test('a Service by name answers its ClusterIP, over UDP and TCP', async () => {
    await c.k('expose', 'deployment', 'backend', '--port=8080')
    const ip = (await c.k('get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    assert.match(ip, /^127\.96\.\d+\.\d+$/)
    await until('backend in DNS', async () => JSON.stringify(await a('backend.default.svc.cluster.local')) === JSON.stringify([ip]))
    assert.deepEqual(await a('kubernetes.default.svc.cluster.local'), ['127.96.0.1'])
    assert.deepEqual(await overTcp('backend.default.svc.cluster.local'), { rcode: 0, answers: [ip] })
    const srv = await resolver().resolveSrv('backend.default.svc.cluster.local')
    assert.deepEqual(srv, [{ name: 'backend.default.svc.cluster.local', port: 8080, priority: 0, weight: 100 }])
    assert.deepEqual(await resolver().reverse(ip), ['backend.default.svc.cluster.local'])
  })

  test("a headless Service answers its ready pods' IPs", async () => {
    await c.k('rollout', 'status', 'deployment/backend', '--timeout=60s')
    await c.k('create', 'service', 'clusterip', 'backend-pods', '--clusterip=None', '--tcp=8080:8080')
    // kubectl create service names its selector app=<name>: point it at the Deployment's pods.
    await c.k('set', 'selector', 'service', 'backend-pods', 'app=backend')
    const podIPs = (await c.k('get', 'pods', '-l', 'app=backend', '-o', 'jsonpath={.items[*].status.podIP}')).trim().split(' ').sort()
    assert.equal(podIPs.length, 2)
    await until('pod IPs in DNS', async () => JSON.stringify(await a('backend-pods.default.svc.cluster.local')) === JSON.stringify(podIPs))
    const dashed = podIPs[0].replaceAll('.', '-')
    assert.deepEqual(await a(`${dashed}.backend-pods.default.svc.cluster.local`), [podIPs[0]])
    assert.deepEqual(await a(`${dashed}.default.pod.cluster.local`), [podIPs[0]])
  })

  test('an ExternalName is a CNAME, followed inside the cluster', async () => {
    await c.k('create', 'service', 'externalname', 'alias', '--external-name=backend.default.svc.cluster.local')
    await until('alias in DNS', async () => Array.isArray(await a('alias.default.svc.cluster.local')))
    assert.deepEqual(await resolver().resolveCname('alias.default.svc.cluster.local'), ['backend.default.svc.cluster.local'])
    const ip = (await c.k('get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    assert.deepEqual(await a('alias.default.svc.cluster.local'), [ip])
    assert.deepEqual((await overTcp('alias.default.svc.cluster.local')).answers, ['CNAME backend.default.svc.cluster.local', ip])
  })

  test('a deleted Service is NXDOMAIN; a name outside the cluster goes to the host resolver', async () => {
    await c.k('create', 'service', 'clusterip', 'short-lived', '--tcp=80:8080')
    await until('short-lived in DNS', async () => Array.isArray(await a('short-lived.default.svc.cluster.local')))
    await c.k('delete', 'service', 'short-lived')
    await until('short-lived gone', async () => (await a('short-lived.default.svc.cluster.local')) === 'ENOTFOUND')
    assert.equal((await overTcp('short-lived.default.svc.cluster.local')).rcode, 3)
    assert.deepEqual(await a('www.example.test'), ['127.0.0.99'])
    assert.ok(upstream.asked.includes('www.example.test'))
    assert.ok(!upstream.asked.some((n) => n.endsWith('cluster.local')), 'cluster names are never forwarded')
  })

  test("a pod's process resolves a Service by name at the cluster DNS and calls it", async () => {
    // The busybox image runs host programs: node stands in for nslookup + wget, asking 127.96.0.10 as
    // a pod's resolv.conf would (the per-pod resolv.conf is the pod sandbox's work).
    const script = [
      "const {Resolver}=require('node:dns').promises;",
      `const r=new Resolver();r.setServers(['${dnsIP}']);`,
      "r.resolve4('backend.default.svc.cluster.local').then(async([ip])=>{",
      "const res=await fetch('http://'+ip+':8080/');console.log('resolved '+ip+': '+(await res.text()).trim())",
      '}).catch((e)=>{console.log(String(e));process.exit(1)})',
    ].join('')
    await c.k('run', 'client', '--image=busybox', '--restart=Never', '--command', '--', process.execPath, '-e', script)
    const logs = await until('the client pod to finish', async () => {
      const phase = (await c.k('get', 'pod', 'client', '-o', 'jsonpath={.status.phase}')).trim()
      return phase === 'Succeeded' || phase === 'Failed' ? (await c.kubectl(['logs', 'client'])).stdout : undefined
    })
    const ip = (await c.k('get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    assert.match(logs, new RegExp(`^resolved ${ip.replaceAll('.', '\\.')}: Hello Kubernetes bootcamp! \\| Running on: backend-`, 'm'))
  })
})
