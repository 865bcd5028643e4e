// Pods behave like pods, through the real kubectl: their own hostname and /etc/hosts, not host
// root, blind to kubelite's data dir and processes (where the host allows namespaces; elsewhere
// the start-up banner says so and the isolation checks are skipped).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster, until, type Cluster } from './harness.js'

describe('pod sandbox', () => {
  let c: Cluster
  let isolated = false

  const ready = (name: string, ns = 'default') =>
    until(
      `${name} to be Ready`,
      async () => {
        const p = JSON.parse(await c.k('-n', ns, 'get', 'pod', name, '-o', 'json'))
        return p.status.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True') ? p : undefined
      },
      30_000,
    )
  const exec = async (pod: string, ...cmd: string[]) => c.kubectl(['exec', pod, '--', ...cmd])

  before(async () => {
    c = await startCluster()
    isolated = /pod isolation: namespaces/.test(c.output())
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubelite up says which isolation is active', () => {
    assert.match(c.output(), /pod isolation: (namespaces|none)/)
  })

  test('hostname is the pod name (or spec.hostname); /etc/hosts is the kubelet-managed one', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await c.k('run', 'shell', '--image=busybox', '--', 'sleep', '3600')
    const p = await ready('shell')
    assert.equal((await exec('shell', 'hostname')).stdout, 'shell\n')
    const hosts = (await exec('shell', 'cat', '/etc/hosts')).stdout
    assert.equal(
      hosts,
      `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${p.status.podIP}\tshell\n`,
    )
    assert.equal(
      (await exec('shell', 'cat', '/etc/resolv.conf')).stdout,
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.96.0.10\noptions ndots:5\n',
    )
    const named = c.file(
      'named.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: named}
spec:
  hostname: db-0
  subdomain: db
  hostAliases: [{ip: 127.0.0.1, hostnames: [foo.local, bar.local]}]
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
`,
    )
    await c.k('apply', '-f', named)
    const q = await ready('named')
    assert.equal((await exec('named', 'hostname')).stdout, 'db-0\n')
    const namedHosts = (await exec('named', 'cat', '/etc/hosts')).stdout
    assert.ok(namedHosts.includes(`${q.status.podIP}\tdb-0.db.default.svc.cluster.local\tdb-0\n`), namedHosts)
    assert.ok(namedHosts.endsWith('\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n'), namedHosts)
  })

  test('a pod is not host root and cannot read the data dir (admin token, CA key, database) nor see kubelite', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await ready('shell')
    assert.notEqual((await exec('shell', 'id', '-u')).stdout.trim(), '0')
    for (const f of [join(c.dataDir, 'pki', 'admin.token'), join(c.dataDir, 'pki', 'ca.key'), join(c.dataDir, 'state.db'), c.kubeconfig]) {
      const r = await exec('shell', 'cat', f)
      assert.notEqual(r.code, 0, `${f} is readable from the pod`)
      assert.doesNotMatch(r.stdout, new RegExp(c.token()))
    }
    // Its own PID namespace: only its processes; PID 1 is the sandbox.
    const ps = (await exec('shell', 'sh', '-c', 'for p in /proc/[0-9]*; do cat $p/comm; done')).stdout
    assert.doesNotMatch(ps, /node|kubelite/)
    assert.match(ps, /sleep/)
    // runAsUser: 0 is root inside, with no power to undo the pod's mounts.
    await c.k('apply', '-f', c.file('root.yaml', `apiVersion: v1
kind: Pod
metadata: {name: rooted}
spec:
  securityContext: {runAsUser: 0}
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
`))
    await ready('rooted')
    assert.equal((await exec('rooted', 'id', '-u')).stdout.trim(), '0')
    assert.notEqual((await exec('rooted', 'umount', c.dir)).code, 0)
    assert.notEqual((await exec('rooted', 'cat', join(c.dataDir, 'pki', 'ca.key'))).code, 0)
  })

  test('the sandbox survives kill -9 of kubelite: exec still enters it; deleting the pod ends it', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await ready('shell')
    await c.kill9()
    await c.restart()
    await until('exec after the restart', async () => ((await exec('shell', 'hostname')).stdout === 'shell\n' ? true : undefined), 30_000)
    const pid1 = (await exec('shell', 'cat', '/proc/1/comm')).stdout.trim()
    assert.equal(pid1, 'sh')
    await c.k('delete', 'pod', 'shell', 'named', 'rooted', '--grace-period=1')
    const sandboxes = join(c.dataDir, 'nodes', 'kubelite', 'runtime', 'sandboxes')
    await until(
      'no pod and no sandbox left',
      async () => ((await c.kubectl(['get', 'pods', '-o', 'name'])).stdout.trim() === '' && readdirSync(sandboxes).length === 0 ? true : undefined),
      30_000,
    )
  })
})
