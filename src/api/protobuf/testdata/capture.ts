// Captures the protobuf request bodies the real kubectl sends for `kubectl create <generator>`,
// saving them as fixtures for the decoder tests. Run by hand:
//
//   node --import tsx src/api/protobuf/testdata/capture.ts [path/to/kubectl]
//
// A throwaway plain-HTTP server on 127.0.0.1 answers GET /version, saves every POST body as
// <fixture>.bin beside this file, and replies 201 with a minimal JSON object. kubectl runs with a
// temporary kubeconfig (`user: {}`) and a fresh --cache-dir, so no discovery cache leaks in.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'

/** fixture name → kubectl arguments. */
export const captures: Record<string, string[]> = {
  'deployment-bootcamp': ['create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=4', '--port=8080'],
  'deployment-zero-replicas': ['create', 'deployment', 'web', '--image=nginx', '--replicas=0', '--', 'sleep', '10'],
  'service-nodeport': ['create', 'service', 'nodeport', 'myapp-svc', '--tcp=8080:8080', '--node-port=30880'],
  'service-clusterip': ['create', 'service', 'clusterip', 'x', '--tcp=80:8080'],
  'namespace': ['create', 'namespace', 'dev'],
  'configmap': ['create', 'configmap', 'cfg', '--from-literal=a=b'],
  'secret-generic': ['create', 'secret', 'generic', 's', '--from-literal=k=v'],
  'serviceaccount': ['create', 'serviceaccount', 'sa1'],
  'deployment-two-images': ['create', 'deployment', 'two', '--image=busybox', '--image=nginx:1.27'],
  'service-externalname': ['create', 'service', 'externalname', 'ext', '--external-name=example.test'],
  'secret-docker-registry': ['create', 'secret', 'docker-registry', 'reg', '--docker-server=127.0.0.1:5000', '--docker-username=u', '--docker-password=p'],
}

const here = fileURLToPath(new URL('.', import.meta.url))

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function run(kubectl: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(kubectl, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ stdout, stderr, code })
    })
  })
}

async function main(): Promise<void> {
  const kubectl = process.argv[2] ?? '/usr/bin/kubectl'
  let current = ''
  const saved = new Map<string, Buffer>()

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req)
      res.setHeader('Content-Type', 'application/json')
      if (req.method === 'GET' && req.url === '/version') {
        res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.4' }))
        return
      }
      if (req.method === 'POST') {
        console.error(`${current}: POST ${req.url} (${req.headers['content-type']}, ${body.length} bytes)`)
        saved.set(current, body)
        res.statusCode = 201
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }))
        return
      }
      res.statusCode = 404
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 }))
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const dir = await mkdtemp(join(tmpdir(), 'kubelite-capture-'))
  try {
    const kubeconfig = join(dir, 'kubeconfig')
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: capture',
        `  cluster: {server: "http://127.0.0.1:${port}"}`,
        'users:',
        '- name: capture',
        '  user: {}',
        'contexts:',
        '- name: capture',
        '  context: {cluster: capture, user: capture, namespace: default}',
        'current-context: capture',
        '',
      ].join('\n'),
    )
    const common = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`]
    for (const [name, args] of Object.entries(captures)) {
      current = name
      const dashdash = args.indexOf('--')
      const full = dashdash < 0 ? [...args, ...common] : [...args.slice(0, dashdash), ...common, ...args.slice(dashdash)]
      const r = await run(kubectl, full)
      if (r.code !== 0) console.error(`${name}: kubectl exited ${r.code}: ${r.stderr.trim()}`)
      const body = saved.get(name)
      if (!body) throw new Error(`${name}: kubectl sent no POST`)
      await writeFile(join(here, `${name}.bin`), body)
    }
  } finally {
    server.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
