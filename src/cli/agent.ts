// `kubelite agent`: a node agent in a process of its own that joins a cluster over HTTPS, as a
// kubelet joins with kubeadm: TLS bootstrap with a bootstrap token (a CertificateSigningRequest for
// system:node:<name>, approved and signed by the cluster's controllers), then its own client
// certificate, kept in its data dir so a restart needs no token. It runs the same NodeAgent as
// `kubelite up`'s in-process nodes, serves the API server's logs/exec/port-forward on HTTPS, and
// runs the Service proxy's NodePorts on its node's own loopback address.
import { createHash, X509Certificate } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import type { Node } from 'kubernetes-types/core/v1.js'
import { pino } from 'pino'
import { stringify } from 'yaml'
import type { StoredObject } from '../apis/meta.js'
import { errorMessage, isAlreadyExists, statusCode } from '../client/errors.js'
import { gvrs } from '../client/factory.js'
import { HttpClient } from '../client/http.js'
import { builtinImages } from '../images/index.js'
import { sleepUnlessAborted } from '../lib/clock.js'
import { createCertificate, createCertificateRequest, newKeyPair, privateKeyPem } from '../lib/x509.js'
import type { NodeConnection } from '../client/node-connection.js'
import { NodeServer } from '../node/agent/node-server.js'
import { NodeAgent } from '../node/index.js'
import { createRuntime } from '../node/runtime/index.js'
import { ServiceProxy } from '../proxy/index.js'
import { ensurePrivateDataDir } from './datadir.js'

export interface AgentConfig {
  server: string
  token?: string
  caFile: string
  name: string
  dataDir: string
  /** The node's own loopback address (undefined: the first free one of 127.0.1.0/24). */
  nodeIP?: string
  kubeletPort: number
  runtime: 'process' | 'sim'
  isolation: 'auto' | 'none'
}

const csrGVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' }
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet'

interface CSRObj extends StoredObject {
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] }
}

/** The kubelet's CSR name: `node-csr-` + base64url(SHA-512/256(key, CN, O, usages)), so a retry finds its own. */
export function csrName(spkiDer: Buffer, commonName: string, organizations: string[], usages: string[]): string {
  const h = createHash('sha512-256')
  const delimiter = Buffer.from([0])
  h.update(spkiDer).update(delimiter).update(commonName).update(delimiter)
  for (const o of organizations) h.update(o).update(delimiter)
  for (const u of usages) h.update(u).update(delimiter)
  return `node-csr-${h.digest('base64url')}`
}

interface Credentials {
  certPem: string
  keyPem: string
}

const files = (dataDir: string) => ({
  kubeconfig: join(dataDir, 'kubelet.conf'),
  clientCert: join(dataDir, 'pki', 'kubelet-client.crt'),
  clientKey: join(dataDir, 'pki', 'kubelet-client.key'),
  servingCert: join(dataDir, 'pki', 'kubelet.crt'),
  servingKey: join(dataDir, 'pki', 'kubelet.key'),
})

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** The client certificate of an earlier join, while it is valid for this node and this cluster's CA. */
async function existingCredentials(cfg: AgentConfig, caPem: string): Promise<Credentials | undefined> {
  const f = files(cfg.dataDir)
  const [certPem, keyPem] = await Promise.all([readIfExists(f.clientCert), readIfExists(f.clientKey)])
  if (!certPem || !keyPem) return undefined
  const cert = new X509Certificate(certPem)
  if (new Date(cert.validTo).getTime() < Date.now() + 60_000) return undefined
  if (!cert.checkIssued(new X509Certificate(caPem))) return undefined
  if (!cert.subject.split('\n').includes(`CN=system:node:${cfg.name}`)) return undefined
  return { certPem, keyPem }
}

/**
 * TLS bootstrap (upstream: kubelet's bootstrap.LoadClientCert): a key, a CSR for
 * system:node:<name> in system:nodes signed by kubernetes.io/kube-apiserver-client-kubelet, then
 * wait for the certificate. `say` tells the person what it waits for.
 */
async function bootstrap(cfg: AgentConfig, caPem: string, signal: AbortSignal, say: (line: string) => void): Promise<Credentials> {
  if (!cfg.token) throw new Error(`no client certificate in ${cfg.dataDir} yet: pass --token (kubelite token create) to join`)
  const client = await HttpClient.connect({ server: cfg.server, caCertPem: caPem, token: cfg.token, userAgent: 'kubelet' }).catch((err) => {
    if (statusCode(err) === 401) throw new Error('the API server refused the bootstrap token: Unauthorized (expired, deleted or mistyped? kubelite token list)')
    throw err
  })
  try {
    const f = files(cfg.dataDir)
    const keys = newKeyPair()
    const keyPem = privateKeyPem(keys.privateKey)
    const commonName = `system:node:${cfg.name}`
    const organizations = ['system:nodes']
    const usages = ['digital signature', 'client auth']
    const request = createCertificateRequest({ subject: commonName, organizations, keys })
    const name = csrName(keys.publicKey.export({ type: 'spki', format: 'der' }), commonName, organizations, usages)
    const csrs = client.resource<CSRObj>(csrGVR)
    try {
      await csrs.create(undefined, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name },
        spec: { request: Buffer.from(request).toString('base64'), signerName: kubeletClientSigner, usages },
      })
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
    say(`certificate signing request ${name} sent; waiting for it to be approved and signed`)
    let told = false
    for (let i = 0; !signal.aborted; i++) {
      const csr = await csrs.get(undefined, name)
      const denied = csr.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed')
      if (denied) throw new Error(`certificate signing request ${name} was ${denied.type === 'Denied' ? 'denied' : 'not signed'}: ${denied.reason ?? ''} ${denied.message ?? ''}`.trim())
      if (csr.status?.certificate) {
        const certPem = Buffer.from(csr.status.certificate, 'base64').toString('utf8')
        await mkdir(join(cfg.dataDir, 'pki'), { recursive: true, mode: 0o700 })
        await writeFile(f.clientKey, keyPem, { mode: 0o600 })
        await writeFile(f.clientCert, certPem, { mode: 0o644 })
        return { certPem, keyPem }
      }
      if (!told && i === 20) {
        told = true
        say(`still pending: approve it with kubectl certificate approve ${name}`)
      }
      await sleepUnlessAborted(250, signal)
    }
    throw new Error('stopped before the certificate was issued')
  } finally {
    await client.close()
  }
}

/** The kubeconfig the agent uses from now on (kubelet's kubelet.conf): the server, the CA and its certificate files. */
async function writeAgentKubeconfig(cfg: AgentConfig, caPem: string): Promise<void> {
  const f = files(cfg.dataDir)
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { server: cfg.server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'default-auth', user: { 'client-certificate': f.clientCert, 'client-key': f.clientKey } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth', namespace: 'default' } }],
    'current-context': 'default-context',
    preferences: {},
  }
  const tmp = `${f.kubeconfig}.${process.pid}.tmp`
  await writeFile(tmp, stringify(doc), { mode: 0o600 })
  await rename(tmp, f.kubeconfig)
}

/** A self-signed serving certificate for the node's address (the kubelet's kubelet.crt), kept across restarts. */
async function servingCertificate(cfg: AgentConfig, nodeIP: string): Promise<Credentials> {
  const f = files(cfg.dataDir)
  const [certPem, keyPem] = await Promise.all([readIfExists(f.servingCert), readIfExists(f.servingKey)])
  if (certPem && keyPem && new X509Certificate(certPem).checkIP(nodeIP)) return { certPem, keyPem }
  const keys = newKeyPair()
  const now = Date.now()
  const pem = createCertificate({ subject: `${cfg.name}@${Math.floor(now / 1000)}`, keys, notBefore: new Date(now - 60_000), notAfter: new Date(now + 365 * 864e5), ca: false, altNames: [cfg.name, nodeIP] })
  await mkdir(join(cfg.dataDir, 'pki'), { recursive: true, mode: 0o700 })
  await writeFile(f.servingKey, privateKeyPem(keys.privateKey), { mode: 0o600 })
  await writeFile(f.servingCert, pem, { mode: 0o644 })
  return { certPem: pem, keyPem: privateKeyPem(keys.privateKey) }
}

/**
 * The node's loopback address: its Node's InternalIP from an earlier run, else the first of
 * 127.0.1.1–127.0.1.254 no other Node has (outside the pods' 127.244/16 and the Services' 127.96/16).
 */
export function chooseNodeIP(nodes: Node[], name: string): string | undefined {
  const ipOf = (n: Node) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
  const mine = nodes.find((n) => n.metadata?.name === name)
  const own = mine ? ipOf(mine) : undefined
  if (own && own.startsWith('127.0.1.')) return own
  const taken = new Set(nodes.filter((n) => n.metadata?.name !== name).map(ipOf))
  for (let i = 1; i < 255; i++) if (!taken.has(`127.0.1.${i}`)) return `127.0.1.${i}`
  return undefined
}

export async function runAgent(cfg: AgentConfig, signal: AbortSignal, say: (line: string) => void): Promise<void> {
  const log = pino({ level: process.env.KUBELITE_LOG_LEVEL ?? 'warn' }, pino.destination(2))
  await ensurePrivateDataDir(cfg.dataDir)
  const caPem = await readFile(cfg.caFile, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read --ca-file ${cfg.caFile}: ${err.message}`)
  })
  let creds = await existingCredentials(cfg, caPem)
  if (creds) say(`using the client certificate in ${files(cfg.dataDir).clientCert} (joined before; no token needed)`)
  else creds = await bootstrap(cfg, caPem, signal, say)
  if (signal.aborted) return
  await writeAgentKubeconfig(cfg, caPem)
  const client = await HttpClient.connect({ server: cfg.server, caCertPem: caPem, clientCertPem: creds.certPem, clientKeyPem: creds.keyPem, userAgent: 'kubelet' })
  const closers: (() => Promise<unknown>)[] = [() => client.close()]
  try {
    const nodes = (await client.resource<StoredObject & Node>(gvrs.nodes).list(undefined)).items
    const nodeIP = cfg.nodeIP ?? chooseNodeIP(nodes, cfg.name)
    if (!nodeIP) throw new Error('no free node address in 127.0.1.0/24: pass --node-ip')
    const serving = await servingCertificate(cfg, nodeIP)
    const runtime = createRuntime(cfg.runtime === 'sim' ? { kind: 'sim' } : { kind: 'process', stateDir: join(cfg.dataDir, 'runtime'), isolation: cfg.isolation, hiddenPaths: [cfg.dataDir] }, builtinImages)
    // The server listens first (its port goes into the Node's status); it answers through the agent made next.
    let agent: NodeAgent | undefined
    const connection: NodeConnection = {
      logs: (pod, o) => agent!.connection.logs(pod, o),
      exec: (pod, r) => agent!.connection.exec(pod, r),
      attach: (pod, r) => agent!.connection.attach(pod, r),
      portForward: (pod, port) => agent!.connection.portForward(pod, port),
      resourceUsage: async () => (await agent!.connection.resourceUsage?.()) ?? { pods: [] },
    }
    const server = new NodeServer({ connection, cert: serving.certPem, key: serving.keyPem, ca: caPem })
    const { port } = await server.listen(cfg.kubeletPort, nodeIP).catch((err: NodeJS.ErrnoException) => {
      throw new Error(err.code === 'EADDRINUSE' ? `${nodeIP}:${cfg.kubeletPort} is in use: pass another --kubelet-port (or --node-ip)` : `cannot listen on ${nodeIP}:${cfg.kubeletPort}: ${err.message}`)
    })
    closers.push(() => server.close())
    agent = new NodeAgent({
      client,
      runtime,
      nodeName: cfg.name,
      address: nodeIP,
      podCIDR: '',
      kubeletPort: port,
      logDir: join(cfg.dataDir, 'pods'),
      maxPods: cfg.runtime === 'sim' ? 20_000 : 110,
      log,
    })
    // The NodePorts of this node on its own address; the ClusterIPs stay with the control plane's proxy.
    const proxy = new ServiceProxy(client, { nodePortAddress: nodeIP, clusterIPs: false, log })
    const agentAbort = new AbortController()
    const proxyAbort = new AbortController()
    const agentRun = agent.start(agentAbort.signal)
    const proxyRun = proxy.start(proxyAbort.signal)
    const aborted = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })))
    await Promise.race([agent.ready(), aborted])
    if (!signal.aborted) {
      const node = await client.resource<StoredObject & Node>(gvrs.nodes).get(undefined, cfg.name)
      say(
        [
          `kubelite agent: node ${cfg.name} joined ${cfg.server}`,
          `  node address: ${nodeIP} (NodePorts of Services listen here)`,
          `  pod CIDR:     ${node.spec?.podCIDR ?? ''}`,
          `  node server:  https://${nodeIP}:${port} (logs, exec, port-forward for the API server)`,
          `  kubeconfig:   ${files(cfg.dataDir).kubeconfig} (user system:node:${cfg.name})`,
          ...(agent.isolation ? [`  ${agent.isolation}`] : []),
          'Press Ctrl-C to stop.',
        ].join('\n'),
      )
    }
    await aborted
    // Pods stop first, leaving their Services while the proxy still runs; then the proxy.
    const waiting = setInterval(() => {
      const pods = agent.stoppingPods()
      if (pods.length) say(`waiting for ${pods.length} pod${pods.length === 1 ? '' : 's'} to stop: ${pods.slice(0, 5).join(', ')}`)
    }, 2000)
    agentAbort.abort()
    await agentRun.catch((err) => log.error({ err }, 'node agent'))
    clearInterval(waiting)
    proxyAbort.abort()
    await proxyRun.catch((err) => log.error({ err }, 'service proxy'))
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined)
  }
}

function loopbackIP(value: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(value)) throw new InvalidArgumentError('must be a loopback address (127.x.y.z)')
  if (value.startsWith('127.244.') || value.startsWith('127.96.')) throw new InvalidArgumentError('must be outside the pod (127.244.0.0/16) and Service (127.96.0.0/16) ranges')
  return value
}

function portOrZero(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number between 0 and 65535 (0: a free one)')
  return n
}

export function agentCommand(): Command {
  return new Command('agent')
    .description('run a node agent that joins a cluster over HTTPS (like a kubelet joining with kubeadm); Ctrl-C stops it and its pods')
    .requiredOption('--server <url>', 'the API server, https://HOST:PORT')
    .option('--token <token>', 'a bootstrap token (kubelite token create); not needed once the agent has its certificate')
    .requiredOption('--ca-file <file>', "the cluster CA certificate (the data dir's pki/ca.crt)")
    .requiredOption('--name <name>', 'the Node name')
    .option('--data-dir <dir>', "where the agent keeps its certificate, kubeconfig, pods' logs and state (default ~/.kubelite-agent-NAME)")
    .option('--node-ip <addr>', "the node's own loopback address (default: the first free one of 127.0.1.0/24)", loopbackIP)
    .option('--kubelet-port <n>', 'port of the node server the API server calls for logs, exec and port-forward (0: a free one)', portOrZero, 10250)
    .option('--runtime <kind>', 'container runtime: process | sim', 'process')
    .option('--isolation <mode>', "pods' isolation from the host: auto | none", 'auto')
    .action(async (opts, cmd: Command) => {
      if (!/^https:\/\/[^/]+$/.test(opts.server)) cmd.error(`error: option '--server <url>' argument '${opts.server}' is invalid. must be https://HOST:PORT`)
      if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(opts.name)) cmd.error(`error: option '--name <name>' argument '${opts.name}' is invalid. must be a lowercase DNS name`)
      if (opts.runtime !== 'process' && opts.runtime !== 'sim') cmd.error(`error: option '--runtime <kind>' argument '${opts.runtime}' is invalid. must be "process" or "sim"`)
      if (opts.isolation !== 'auto' && opts.isolation !== 'none') cmd.error(`error: option '--isolation <mode>' argument '${opts.isolation}' is invalid. must be "auto" or "none"`)
      const cfg: AgentConfig = {
        server: opts.server,
        token: opts.token,
        caFile: resolvePath(opts.caFile),
        name: opts.name,
        dataDir: resolvePath(opts.dataDir ?? join(homedir(), `.kubelite-agent-${opts.name}`)),
        nodeIP: opts.nodeIp,
        kubeletPort: opts.kubeletPort,
        runtime: opts.runtime,
        isolation: opts.isolation,
      }
      const ac = new AbortController()
      const stop = (sig: string) => {
        process.stdout.write(`\nkubelite agent: ${sig} received, stopping the node's pods (again to exit at once)\n`)
        process.once('SIGINT', () => process.exit(1))
        process.once('SIGTERM', () => process.exit(1))
        ac.abort()
      }
      process.once('SIGINT', () => stop('SIGINT'))
      process.once('SIGTERM', () => stop('SIGTERM'))
      try {
        await runAgent(cfg, ac.signal, (line) => process.stdout.write(line + '\n'))
        process.stdout.write('kubelite agent: stopped\n')
      } catch (err) {
        console.error(`kubelite agent: ${errorMessage(err)}`)
        process.exitCode = 1
      }
    })
}
