// A node agent in a process of its own joins over HTTPS, as a kubelet joins with kubeadm:
// `kubelite token create`, `kubelite agent --token`, TLS bootstrap through a CSR the controllers
// approve and sign, its Node Ready with a pod range of its own, a Deployment pinned to it answering
// through a NodePort on the agent's own loopback address, `kubectl logs` and `exec` reaching the
// remote pod, Ctrl-C stopping its pods, and a restart without the token. Bootstrap tokens that are
// wrong or expired get upstream's 401.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCertificateRequest, newKeyPair } from '../../src/lib/x509.js'
import { httpGet, kubectlBin, parseTable, startCluster, until, type Cluster } from './harness.js'

const root = new URL('../..', import.meta.url).pathname
const kubelite = join(root, 'bin/kubelite.js')

interface Agent {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
}

function runKubelite(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [kubelite, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('kubelite agent joins over the network', () => {
  let c: Cluster
  let token = ''
  let agent: Agent | undefined
  const agentName = 'worker-1'

  const startAgent = (extra: string[]): Agent => {
    const args = ['agent', '--server', c.url, '--ca-file', join(c.dataDir, 'pki', 'ca.crt'), '--name', agentName, '--data-dir', join(c.dir, 'agent'), '--kubelet-port', '0', ...extra]
    const child = spawn(process.execPath, [kubelite, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    return { child, output: () => out, exited }
  }

  const stopAgent = async (a: Agent | undefined) => {
    if (!a || a.child.exitCode !== null) return
    a.child.kill('SIGCONT') // if a test froze it
    a.child.kill('SIGINT')
    const timer = setTimeout(() => a.child.kill('SIGKILL'), 30_000)
    await a.exited
    clearTimeout(timer)
  }

  before(async () => {
    // Short node-monitor and toleration times (upstream's flags) so the last test sees a lost node's
    // pods replaced within seconds instead of 50 s + 5 min.
    c = await startCluster(['--nodes', '1', '--no-dashboard', '--node-monitor-grace-period', '10s', '--node-monitor-period', '2s', '--default-unreachable-toleration-seconds', '5', '--default-not-ready-toleration-seconds', '5'])
  })
  after(async () => {
    await stopAgent(agent)
    await c?.destroy()
  })

  test('token create prints a kubeadm-format token stored as a bootstrap token Secret; token list shows it', async () => {
    const r = await runKubelite(['token', 'create', '--kubeconfig', c.kubeconfig, '--description', 'e2e join'])
    assert.equal(r.code, 0, r.stderr)
    token = r.stdout.trim()
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/)
    const id = token.split('.')[0]
    const secret = JSON.parse(await c.k('get', 'secret', '-n', 'kube-system', `bootstrap-token-${id}`, '-o', 'json'))
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token')
    const data = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))
    assert.equal(data['token-id'], id)
    assert.equal(data['token-secret'], token.split('.')[1])
    assert.equal(data['usage-bootstrap-authentication'], 'true')
    assert.equal(data['usage-bootstrap-signing'], 'true')
    assert.equal(data['auth-extra-groups'], 'system:bootstrappers:kubeadm:default-node-token')
    assert.ok(Math.abs(Date.parse(data.expiration) - Date.now() - 24 * 3600_000) < 120_000, data.expiration)

    const list = await runKubelite(['token', 'list', '--kubeconfig', c.kubeconfig])
    const rows = parseTable(list.stdout)
    assert.deepEqual(Object.keys(rows[0]), ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'])
    assert.match(list.stdout, new RegExp(`^${token.replace('.', '\\.')}\\s+23h\\s+\\S+Z\\s+authentication,signing\\s+e2e join\\s+system:bootstrappers:kubeadm:default-node-token$`, 'm'))

    // The token authenticates as upstream's bootstrap user...
    const who = await c.kubectl(['--token', token, 'auth', 'whoami'])
    assert.match(who.stdout, new RegExp(`Username\\s+system:bootstrap:${id}`))
    assert.match(who.stdout, /Groups\s+\[system:bootstrappers system:bootstrappers:kubeadm:default-node-token system:authenticated\]/)
    // ... and a wrong one is a 401.
    const wrong = await c.kubectl(['--token', `${id}.0000000000000000`, 'get', 'nodes'])
    assert.notEqual(wrong.code, 0)
    assert.match(wrong.stderr, /error: You must be logged in to the server \(Unauthorized\)/)
  })

  test('an expired token is refused with 401, and the token cleaner deletes its Secret', async () => {
    const r = await runKubelite(['token', 'create', '--kubeconfig', c.kubeconfig, '--ttl', '2s'])
    assert.equal(r.code, 0, r.stderr)
    const short = r.stdout.trim()
    await until('the short token expired', async () => {
      const res = await c.kubectl(['--token', short, 'get', 'nodes'])
      return res.code !== 0 && /You must be logged in to the server \(Unauthorized\)/.test(res.stderr)
    }, 20_000)
    await until('its Secret deleted', async () => (await c.kubectl(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${short.split('.')[0]}`])).code !== 0, 20_000)
    const refused = await runKubelite(['agent', '--server', c.url, '--token', short, '--ca-file', join(c.dataDir, 'pki', 'ca.crt'), '--name', 'late', '--data-dir', join(c.dir, 'late')])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /the API server refused the bootstrap token: Unauthorized/)
  })

  test('the agent joins: its CSR approved and issued, its Node Ready with its own address and pod range', async () => {
    assert.ok(token, 'the first test made a token')
    agent = startAgent(['--token', token])
    const a = agent
    await until('the agent running', async () => a.output().includes('Press Ctrl-C to stop.') || a.child.exitCode !== null, 30_000)
    assert.match(a.output(), new RegExp(`kubelite agent: node ${agentName} joined ${c.url.replace(/\./g, '\\.')}`), a.output())

    const csrs = parseTable(await c.k('get', 'csr'))
    assert.equal(csrs.length, 1)
    assert.match(csrs[0].NAME, /^node-csr-[A-Za-z0-9_-]{43}$/)
    assert.equal(csrs[0].SIGNERNAME, 'kubernetes.io/kube-apiserver-client-kubelet')
    assert.equal(csrs[0].REQUESTOR, `system:bootstrap:${token.split('.')[0]}`)
    assert.equal(csrs[0].REQUESTEDDURATION, '<none>')
    assert.equal(csrs[0].CONDITION, 'Approved,Issued')
    const csr = JSON.parse(await c.k('get', 'csr', csrs[0].NAME, '-o', 'json'))
    assert.deepEqual(csr.status.conditions.map((x: { type: string; reason: string; message: string }) => [x.type, x.reason, x.message]), [
      ['Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.'],
    ])

    const node = await until('the node Ready', async () => {
      const rows = parseTable(await c.k('get', 'nodes', '-o', 'wide'))
      const n = rows.find((r) => r.NAME === agentName)
      return n?.STATUS === 'Ready' ? n : undefined
    })
    assert.equal(node.ROLES, '<none>')
    assert.match(node['INTERNAL-IP'], /^127\.0\.1\.\d+$/)
    const ips = parseTable(await c.k('get', 'nodes', '-o', 'custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDR'))
    assert.deepEqual(ips.map((r) => [r.NAME, r.CIDR]), [
      ['kubelite', '127.244.0.0/24'],
      [agentName, '127.244.1.0/24'],
    ])
    assert.match(a.output(), new RegExp(`node address: ${node['INTERNAL-IP'].replace(/\./g, '\\.')}`))
    // From now on it is system:node:worker-1 (its kubeconfig in its data dir), restricted to its own Node.
    const asNode = (args: string[]) => c.kubectl(['--kubeconfig', join(c.dir, 'agent', 'kubelet.conf'), ...args])
    const whoami = await asNode(['auth', 'whoami'])
    assert.match(whoami.stdout, new RegExp(`Username\\s+system:node:${agentName}`))
    assert.match(whoami.stdout, /Groups\s+\[system:nodes system:authenticated\]/)
    const meddling = await asNode(['label', 'node', 'kubelite', 'touched=yes'])
    assert.match(meddling.stderr, new RegExp(`Error from server \\(Forbidden\\): nodes "kubelite" is forbidden: node "${agentName}" is not allowed to modify node "kubelite"`))
    assert.equal((await asNode(['label', 'node', agentName, 'touched=yes'])).code, 0)
    // Its lease is renewed by the agent itself (as system:node:worker-1).
    assert.match(await c.k('get', 'lease', '-n', 'kube-node-lease', agentName), new RegExp(`${agentName}\\s+${agentName}`))
  })

  test('a Deployment pinned to the agent runs there, answers through a NodePort, and kubectl logs, exec, port-forward and top reach it', async () => {
    assert.ok(agent, 'the agent runs')
    const nodeIP = /node address: (127\.\d+\.\d+\.\d+)/.exec(agent.output())![1]
    await c.k('apply', '-f', c.file('remote.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: {name: remote}
spec:
  replicas: 2
  selector: {matchLabels: {app: remote}}
  template:
    metadata: {labels: {app: remote}}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${agentName}}
      containers: [{name: web, image: gcr.io/google-samples/kubernetes-bootcamp:v1}]
---
apiVersion: v1
kind: Service
metadata: {name: remote}
spec:
  type: NodePort
  selector: {app: remote}
  ports: [{port: 8080}]
`))
    await c.k('rollout', 'status', 'deployment/remote', '--timeout=60s')
    const pods = parseTable(await c.k('get', 'pods', '-l', 'app=remote', '-o', 'wide'))
    assert.equal(pods.length, 2)
    for (const p of pods) {
      assert.equal(p.NODE, agentName)
      assert.equal(p.STATUS, 'Running')
      assert.match(p.IP, /^127\.244\.1\.\d+$/)
    }
    const nodePort = await c.k('get', 'svc', 'remote', '-o', 'jsonpath={.spec.ports[0].nodePort}')
    const answer = await until('the NodePort on the agent\'s address', async () => {
      const r = await httpGet(`http://${nodeIP}:${nodePort}/`).catch(() => undefined)
      return r?.code === 200 ? r.body : undefined
    })
    assert.match(answer, /^Hello Kubernetes bootcamp! \| Running on: remote-[a-z0-9]+-[a-z0-9]{5} \| v=1\n$/)

    const pod = pods[0].NAME
    const logs = await c.k('logs', pod)
    assert.match(logs, new RegExp(`Kubernetes Bootcamp App Started At: .* \\| Running On:  ${pod}`))
    const exec = await c.kubectl(['exec', pod, '--', 'sh', '-c', 'echo hello from $(hostname); exit 3'])
    assert.equal(exec.stdout, `hello from ${pod}\n`)
    assert.equal(exec.code, 3)
    assert.match(exec.stderr, /command terminated with exit code 3/)
    const piped = await c.kubectl(['exec', '-i', pod, '--', 'cat'], { stdin: 'through stdin\n' })
    assert.equal(piped.stdout, 'through stdin\n')
    const missing = await c.kubectl(['exec', pod, '-c', 'nope', '--', 'true'])
    assert.match(missing.stderr, /container nope is not valid for pod/)

    // port-forward: the API server relays to the agent, the agent to the pod's address.
    const pf = spawn(kubectlBin, ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'kubectl-cache'), 'port-forward', `pod/${pod}`, ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let pfOut = ''
      pf.stdout!.on('data', (d) => (pfOut += d))
      const local = await until('port-forward listening', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pfOut)?.[1], 20_000)
      const forwarded = await httpGet(`http://127.0.0.1:${local}/`)
      assert.equal(forwarded.body, `Hello Kubernetes bootcamp! | Running on: ${pod} | v=1\n`)
    } finally {
      pf.kill('SIGTERM')
    }

    // kubectl top: the API server asks the agent for its pods' figures (the kubelet's resource metrics).
    const top = await until('kubectl top pod on the agent', async () => {
      const r = await c.kubectl(['top', 'pod', pod, '--no-headers'])
      return r.code === 0 ? r.stdout : undefined
    }, 60_000)
    assert.match(top, new RegExp(`^${pod}\\s+\\d+m\\s+\\d+Mi\\s*$`))
  })

  test('kubectl certificate approve and deny through the approval subresource; the signer issues what is approved', async () => {
    const csrYaml = (name: string, cn: string) => {
      const request = Buffer.from(createCertificateRequest({ subject: cn, organizations: ['developers'], keys: newKeyPair() })).toString('base64')
      return c.file(`${name}.yaml`, `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: ${name}}
spec:
  request: ${request}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: [client auth]
`)
    }
    await c.k('apply', '-f', csrYaml('alice', 'alice'))
    await c.k('apply', '-f', csrYaml('mallory', 'mallory'))
    const pending = parseTable(await c.k('get', 'csr', 'alice', 'mallory'))
    assert.deepEqual(pending.map((r) => [r.NAME, r.REQUESTOR, r.REQUESTEDDURATION, r.CONDITION]), [
      ['alice', 'kubernetes-admin', '24h', 'Pending'],
      ['mallory', 'kubernetes-admin', '24h', 'Pending'],
    ])
    assert.equal(await c.k('certificate', 'approve', 'alice'), 'certificatesigningrequest.certificates.k8s.io/alice approved\n')
    assert.equal(await c.k('certificate', 'deny', 'mallory'), 'certificatesigningrequest.certificates.k8s.io/mallory denied\n')
    await until('alice issued', async () => (await c.k('get', 'csr', 'alice')).includes('Approved,Issued'))
    const alice = JSON.parse(await c.k('get', 'csr', 'alice', '-o', 'json'))
    const cert = new X509Certificate(Buffer.from(alice.status.certificate, 'base64'))
    assert.equal(cert.subject, 'O=developers\nCN=alice')
    assert.ok(cert.checkIssued(new X509Certificate(readFileSync(join(c.dataDir, 'pki', 'ca.crt')))))
    assert.match(await c.k('get', 'csr', 'mallory'), /\sDenied\n$/)
    const bad = await c.kubectl(['apply', '-f', c.file('bad.yaml', 'apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: bad}\nspec: {request: aGk=, signerName: example.com/x, usages: [client auth]}\n')])
    assert.match(bad.stderr, /The CertificateSigningRequest "bad" is invalid: spec\.request: Invalid value: \[\]byte\{0x68, 0x69\}: PEM block type must be CERTIFICATE REQUEST/)
  })

  test('Ctrl-C stops the agent\'s pods; started again, it needs no token', async () => {
    const a = agent!
    a.child.kill('SIGINT')
    assert.equal(await a.exited, 0)
    assert.match(a.output(), /kubelite agent: SIGINT received, stopping the node's pods/)
    assert.match(a.output(), /kubelite agent: stopped\n$/)

    agent = startAgent([])
    const b = agent
    await until('the agent running again', async () => b.output().includes('Press Ctrl-C to stop.') || b.child.exitCode !== null, 30_000)
    assert.match(b.output(), /joined before; no token needed/, b.output())
    assert.equal(parseTable(await c.k('get', 'csr')).filter((r) => r.NAME.startsWith('node-csr-')).length, 1, 'no second CSR')
    await c.k('rollout', 'status', 'deployment/remote', '--timeout=60s')
    await until('remote pods Ready again on the agent', async () => {
      const pods = parseTable(await c.k('get', 'pods', '-l', 'app=remote', '-o', 'wide'))
      return pods.length === 2 && pods.every((p) => p.READY === '1/1' && p.NODE === agentName)
    }, 60_000)
  })

  test('an agent that stops answering: its Node goes NotReady and unreachable, and its pods are replaced on another node', async () => {
    const a = agent!
    // Both replicas on the agent: the control-plane node is cordoned while they are placed.
    await c.k('cordon', 'kubelite')
    await c.k('create', 'deployment', 'moving', '--image=registry.k8s.io/pause:3.9', '--replicas=2')
    await c.k('rollout', 'status', 'deployment/moving', '--timeout=60s')
    const before = parseTable(await c.k('get', 'pods', '-l', 'app=moving', '-o', 'wide'))
    assert.deepEqual(before.map((p) => p.NODE), [agentName, agentName])
    await c.k('uncordon', 'kubelite')
    a.child.kill('SIGSTOP') // the process is there but posts nothing: its Lease runs out
    try {
      await until('the agent\'s Node NotReady', async () => parseTable(await c.k('get', 'nodes')).find((n) => n.NAME === agentName)?.STATUS === 'NotReady', 60_000)
      const node = JSON.parse(await c.k('get', 'node', agentName, '-o', 'json'))
      const ready = node.status.conditions.find((x: { type: string }) => x.type === 'Ready')
      assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'])
      await until('the unreachable NoExecute taint', async () => JSON.parse(await c.k('get', 'node', agentName, '-o', 'json')).spec.taints?.some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'), 30_000)
      // After the 5 s toleration the pods are evicted and the ReplicaSet replaces them on kubelite.
      await until('two moving pods Running on kubelite', async () => {
        const pods = parseTable(await c.k('get', 'pods', '-l', 'app=moving', '-o', 'wide'))
        return pods.filter((p) => p.NODE === 'kubelite' && p.STATUS === 'Running').length === 2
      }, 60_000)
      const events = await c.k('get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}')
      assert.match(events, /Marking for deletion Pod default\/moving-/)
    } finally {
      a.child.kill('SIGCONT')
    }
    // Back: the Node is Ready again and its taints go.
    await until('the agent\'s Node Ready again', async () => parseTable(await c.k('get', 'nodes')).find((n) => n.NAME === agentName)?.STATUS === 'Ready', 60_000)
  })
})
