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

  test('a ConfigMap mounted as files is read by the container and an update reaches it; subPath stays', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await c.k('create', 'configmap', 'game', '--from-literal=lives=3', '--from-literal=color=red')
    await c.k('apply', '-f', c.file('cm-pod.yaml', `apiVersion: v1
kind: Pod
metadata: {name: cm-reader}
spec:
  containers:
  - name: c
    image: busybox
    command: [sleep, '3600']
    volumeMounts:
    - {name: config, mountPath: /etc/game}
    - {name: config, mountPath: /etc/lives-pinned, subPath: lives}
  volumes:
  - {name: config, configMap: {name: game}}
`))
    await ready('cm-reader')
    assert.equal((await exec('cm-reader', 'cat', '/etc/game/lives')).stdout, '3')
    assert.match((await exec('cm-reader', 'ls', '-a', '/etc/game')).stdout, /\.\.data\n/)
    await c.k('patch', 'configmap', 'game', '-p', '{"data":{"lives":"5"}}')
    await until('the update in the file', async () => ((await exec('cm-reader', 'cat', '/etc/game/lives')).stdout === '5' ? true : undefined), 60_000)
    assert.equal((await exec('cm-reader', 'cat', '/etc/lives-pinned')).stdout, '3')
    assert.notEqual((await exec('cm-reader', 'touch', '/etc/game/x')).code, 0)
  })

  test('a pod whose ConfigMap is missing stays ContainerCreating with FailedMount, then starts once it exists', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await c.k('apply', '-f', c.file('missing.yaml', `apiVersion: v1
kind: Pod
metadata: {name: waits}
spec:
  containers: [{name: c, image: busybox, command: [sleep, '3600'], volumeMounts: [{name: config-vol, mountPath: /etc/config}]}]
  volumes: [{name: config-vol, configMap: {name: not-yet}}]
`))
    await until('the FailedMount event', async () => {
      const ev = await c.k('get', 'events', '--field-selector', 'involvedObject.name=waits,reason=FailedMount', '-o', 'jsonpath={.items[*].message}')
      return ev.includes('MountVolume.SetUp failed for volume "config-vol" : configmap "not-yet" not found') ? true : undefined
    })
    const p = JSON.parse(await c.k('get', 'pod', 'waits', '-o', 'json'))
    assert.equal(p.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating')
    await c.k('create', 'configmap', 'not-yet', '--from-literal=k=v')
    await ready('waits')
    assert.equal((await exec('waits', 'cat', '/etc/config/k')).stdout, 'v')
  })

  test("a Secret's files have defaultMode 0400 and belong to the container's user", async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await c.k('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret')
    await c.k('apply', '-f', c.file('secret-pod.yaml', `apiVersion: v1
kind: Pod
metadata: {name: secret-reader}
spec:
  containers: [{name: c, image: busybox, command: [sleep, '3600'], volumeMounts: [{name: s, mountPath: /etc/creds, readOnly: true}]}]
  volumes: [{name: s, secret: {secretName: creds, defaultMode: 0400}}]
`))
    await ready('secret-reader')
    assert.equal((await exec('secret-reader', 'stat', '-L', '-c', '%a', '/etc/creds/password')).stdout, '400\n')
    assert.equal((await exec('secret-reader', 'cat', '/etc/creds/password')).stdout, 's3cret')
  })

  test('an emptyDir is shared by the containers of a pod (memory-backed too)', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await c.k('apply', '-f', c.file('empty.yaml', `apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: writer, image: busybox, command: [sh, -c, 'echo hello > /out/msg; echo fast > /mem/msg; sleep 3600'], volumeMounts: [{name: shared, mountPath: /out}, {name: mem, mountPath: /mem}]}
  - {name: reader, image: busybox, command: [sleep, '3600'], volumeMounts: [{name: shared, mountPath: /in}, {name: mem, mountPath: /mem}]}
  volumes: [{name: shared, emptyDir: {}}, {name: mem, emptyDir: {medium: Memory}}]
`))
    await ready('two')
    await until('the writer wrote', async () => ((await c.kubectl(['exec', 'two', '-c', 'reader', '--', 'cat', '/in/msg'])).stdout === 'hello\n' ? true : undefined))
    assert.equal((await c.kubectl(['exec', 'two', '-c', 'reader', '--', 'cat', '/mem/msg'])).stdout, 'fast\n')
  })

  test('the service-account token volume: injected as upstream (describe shows it), and its token authenticates from inside the pod', async (t) => {
    const pod = JSON.parse(await c.k('get', 'pod', 'shell', '-o', 'json'))
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'))
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    })
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }])
    assert.equal(pod.spec.serviceAccountName, 'default')
    const describe = await c.k('describe', 'pod', 'shell')
    assert.match(describe, new RegExp(`${vol.name}:\\n\\s+Type:\\s+Projected \\(a volume that contains injected data from multiple sources\\)\\n\\s+TokenExpirationSeconds:\\s+3607\\n\\s+ConfigMapName:\\s+kube-root-ca.crt`))
    assert.match(describe, /\/var\/run\/secrets\/kubernetes.io\/serviceaccount from kube-api-access-\w{5} \(ro\)/)
    const cm = JSON.parse(await c.k('get', 'configmap', 'kube-root-ca.crt', '-o', 'json'))
    assert.match(cm.data['ca.crt'], /^-----BEGIN CERTIFICATE-----/)
    if (!isolated) return t.skip('no namespaces on this host: the files are not at the mountPath')
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount'
    assert.equal((await exec('shell', 'cat', `${dir}/namespace`)).stdout, 'default')
    assert.equal((await exec('shell', 'cat', `${dir}/ca.crt`)).stdout, cm.data['ca.crt'])
    const r = await exec('shell', 'sh', '-c', `curl -sS --cacert ${dir}/ca.crt -H "Authorization: Bearer $(cat ${dir}/token)" ${c.url}/api`)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).kind, 'APIVersions')
    // Without the token: 401.
    const anon = await exec('shell', 'sh', '-c', `curl -sS -o /dev/null -w '%{http_code}' --cacert ${dir}/ca.crt ${c.url}/api`)
    assert.equal(anon.stdout, '401')
  })

  test('the sandbox survives kill -9 of kubelite: exec still enters it; deleting the pod ends it', async (t) => {
    if (!isolated) return t.skip('no namespaces on this host')
    await ready('shell')
    await c.kill9()
    await c.restart()
    await until('exec after the restart', async () => ((await exec('shell', 'hostname')).stdout === 'shell\n' ? true : undefined), 30_000)
    const pid1 = (await exec('shell', 'cat', '/proc/1/comm')).stdout.trim()
    assert.equal(pid1, 'sh')
    await c.k('delete', 'pods', '--all', '--grace-period=1')
    const sandboxes = join(c.dataDir, 'nodes', 'kubelite', 'runtime', 'sandboxes')
    await until(
      'no pod and no sandbox left',
      async () => ((await c.kubectl(['get', 'pods', '-o', 'name'])).stdout.trim() === '' && readdirSync(sandboxes).length === 0 ? true : undefined),
      30_000,
    )
  })
})
