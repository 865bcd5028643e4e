// Pods run and Services route: the seed's NodePort Service in front of bare pods, driven by the
// real kubectl and plain HTTP on loopback, plus logs, exec, port-forward, proxy, probes, a rolling
// replacement under load, and no process left behind.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { httpGet as get, parseTable, startCluster, until, type Cluster } from './harness.js'
import { seedService } from './seeds.js'

const pod = (name: string, labels: Record<string, string>, image: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}
spec:
  containers:
  - name: app
    image: ${image}
    ports: [{containerPort: 8080}]
${extra}`

describe('pods run and services route', () => {
  let c: Cluster
  let nodePort = 30880
  const running = (name: string) =>
    until(`${name} to be Ready`, async () => {
      const p = JSON.parse(await c.k('get', 'pod', name, '-o', 'json'))
      return p.status.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True') ? p : undefined
    })
  const version = async () => JSON.parse((await get(`http://127.0.0.1:${nodePort}/`)).body)['app version'] as string

  before(async () => {
    c = await startCluster()
    // Pull back-off takes 20-30 s to show (as upstream: 10 s back-off, then 20 s): start it early.
    await c.k('run', 'bad', '--image=gcr.io/google-samples/kubernetes-bootcamp:v10')
  })
  after(async () => {
    await c?.destroy()
  })

  test('the node is registered and Ready, as upstream shows it', async () => {
    const [node] = parseTable(await c.k('get', 'nodes', '-o', 'wide'))
    assert.equal(node.NAME, 'kubelite')
    assert.equal(node.STATUS, 'Ready')
    assert.equal(node.ROLES, 'control-plane')
    assert.match(node.VERSION, /^v1\.32\.\d+/)
    assert.equal(node['INTERNAL-IP'], '127.0.0.1')
    assert.match(node['CONTAINER-RUNTIME'], /^kubelite:\/\//)
  })

  test('the seed Service in front of two stable pods and a canary: about 2:1, Endpoints list all three', async () => {
    // If 30880 is taken on this machine by something else, the test still runs on another port.
    const busy = spawnSync('sh', ['-c', 'ss -ltnH "sport = :30880" | wc -l']).stdout.toString().trim() !== '0'
    if (busy) nodePort = 30881
    await c.k('apply', '-f', c.file('svc.yaml', seedService.replace('30880', String(nodePort))))
    await c.k('apply', '-f', c.file('s1.yaml', pod('stable-1', { app: 'myapp', version: 'stable' }, 'arisu1000/simple-container-app:v0.1')))
    await c.k('apply', '-f', c.file('s2.yaml', pod('stable-2', { app: 'myapp', version: 'stable' }, 'arisu1000/simple-container-app:v0.1')))
    await c.k('apply', '-f', c.file('c1.yaml', pod('canary-1', { app: 'myapp', version: 'canary' }, 'arisu1000/simple-container-app:v0.2')))
    const ips = (await Promise.all(['stable-1', 'stable-2', 'canary-1'].map(running))).map((p) => p.status.podIP as string)
    for (const ip of ips) assert.match(ip, /^127\.244\.\d+\.\d+$/)

    const rows = parseTable(await c.k('get', 'pods', '-o', 'wide'))
    for (const name of ['stable-1', 'stable-2', 'canary-1']) {
      const row = rows.find((r) => r.NAME === name)!
      assert.equal(row.READY, '1/1')
      assert.equal(row.STATUS, 'Running')
      assert.equal(row.NODE, 'kubelite')
      assert.ok(ips.includes(row.IP))
    }
    const described = await until('three endpoints', async () => {
      const d = await c.k('describe', 'svc', 'myapp-svc')
      return (d.match(/127\.244\.\d+\.\d+:8080/g) ?? []).length === 3 ? d : undefined
    })
    assert.match(described, /^Type:\s+NodePort$/m)
    assert.match(described, new RegExp(`^NodePort:\\s+<unset>  ${nodePort}/TCP$`, 'm'))
    assert.match(described, /^IP:\s+127\.96\.\d+\.\d+$/m)
    for (const ip of ips) assert.ok(described.includes(`${ip}:8080`), `${ip} in Endpoints`)

    const counts: Record<string, number> = {}
    for (let i = 0; i < 30; i++) {
      const v = await version()
      counts[v] = (counts[v] ?? 0) + 1
    }
    assert.deepEqual(Object.keys(counts).sort(), ['v0.1', 'v0.2'])
    assert.ok(counts['v0.1'] >= 15 && counts['v0.1'] <= 25, `about 2:1, got ${JSON.stringify(counts)}`)

    const clusterIP = JSON.parse(await c.k('get', 'svc', 'myapp-svc', '-o', 'json')).spec.clusterIP
    assert.match(JSON.parse((await get(`http://${clusterIP}:8080/`)).body)['app version'], /^v0\.[12]$/)

    await c.k('delete', 'pod', 'canary-1')
    for (let i = 0; i < 10; i++) assert.equal(await version(), 'v0.1', 'the deleted canary gets no more requests')
  })

  test('logs, exec, port-forward and proxy reach the pod', async () => {
    await c.k('run', 'boot', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1')
    const p = await running('boot')
    const logs = await c.k('logs', 'boot')
    assert.match(logs, /^Kubernetes Bootcamp App Started At: \S+ \| Running On:  boot \n/)
    const env = await c.k('exec', 'boot', '--', 'env')
    assert.match(env, new RegExp(`^POD_IP=${p.status.podIP.replace(/\./g, '\\.')}$`, 'm'))
    assert.match(env, /^HOSTNAME=boot$/m)
    const exit = await c.kubectl(['exec', 'boot', '--', 'sh', '-c', 'exit 3'])
    assert.equal(exit.code, 3)
    assert.match(exit.stderr, /command terminated with exit code 3/)

    const pf = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, '--cache-dir', `${c.dir}/kubectl-cache`, 'port-forward', 'pod/boot', ':8080'])
    try {
      let out = ''
      pf.stdout.on('data', (d) => (out += d))
      const port = await until('port-forward', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1])
      assert.equal((await get(`http://127.0.0.1:${port}/`)).body, 'Hello Kubernetes bootcamp! | Running on: boot | v=1\n')
    } finally {
      pf.kill()
    }

    const proxy = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, '--cache-dir', `${c.dir}/kubectl-cache`, 'proxy', '--port=0'])
    try {
      let out = ''
      proxy.stdout.on('data', (d) => (out += d))
      const port = await until('kubectl proxy', async () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1])
      const viaPod = await get(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods/boot:8080/proxy/`)
      assert.equal(viaPod.body, 'Hello Kubernetes bootcamp! | Running on: boot | v=1\n')
      const viaSvc = await get(`http://127.0.0.1:${port}/api/v1/namespaces/default/services/myapp-svc:8080/proxy/`)
      assert.equal(JSON.parse(viaSvc.body)['app version'], 'v0.1')
    } finally {
      proxy.kill()
    }
  })


  test('a failing readiness probe takes a pod out of rotation', async () => {
    const probed = pod('probed', { app: 'myapp', version: 'stable' }, 'arisu1000/simple-container-app:v0.2', `    readinessProbe:
      httpGet: {path: /, port: 9999}
      periodSeconds: 1
`)
    await c.k('apply', '-f', c.file('probed.yaml', probed))
    await until('probed to run', async () => JSON.parse(await c.k('get', 'pod', 'probed', '-o', 'json')).status.phase === 'Running' || undefined)
    // The probe has run and failed (its event says so): from then on the pod must stay unready.
    await until('a failed readiness probe', async () => /Readiness probe failed/.test(await c.k('get', 'events', '--field-selector', 'involvedObject.name=probed,reason=Unhealthy')))
    const p = JSON.parse(await c.k('get', 'pod', 'probed', '-o', 'json'))
    assert.equal(p.status.conditions.find((x: { type: string }) => x.type === 'Ready').status, 'False')
    for (let i = 0; i < 10; i++) assert.equal(await version(), 'v0.1', 'the unready v0.2 pod gets no traffic')
    await c.k('delete', 'pod', 'probed')
  })

  test('replacing pods one by one under constant traffic drops no request', async () => {
    let stop = false
    let ok = 0
    const failures: string[] = []
    const load = (async () => {
      while (!stop) {
        try {
          const r = await get(`http://127.0.0.1:${nodePort}/`, 3000)
          if (r.code === 200) ok++
          else failures.push(`HTTP ${r.code}`)
        } catch (err) {
          failures.push((err as Error).message)
        }
      }
    })()
    try {
      for (let round = 0; round < 2; round++) {
        for (const old of ['stable-1', 'stable-2']) {
          const fresh = `${old}-r${round}`
          await c.k('apply', '-f', c.file(`${fresh}.yaml`, pod(fresh, { app: 'myapp', version: 'stable' }, 'arisu1000/simple-container-app:v0.1')))
          await running(fresh)
          await c.k('delete', 'pod', round === 0 ? old : `${old}-r0`)
        }
      }
    } finally {
      stop = true
      await load
    }
    assert.ok(ok > 50, `enough requests were made (${ok})`)
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`)
  })

  test('an unknown image goes ErrImagePull, then ImagePullBackOff', async () => {
    const events = await c.k('get', 'events', '--field-selector', 'involvedObject.name=bad')
    assert.match(events, /Failed\s+pod\/bad\s+Failed to pull image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10": rpc error: code = NotFound/)
    assert.match(events, /Failed\s+pod\/bad\s+Error: ErrImagePull/)
    await until(
      'ImagePullBackOff',
      async () => parseTable(await c.k('get', 'pod', 'bad')).find((r) => r.NAME === 'bad')?.STATUS === 'ImagePullBackOff' || undefined,
      45_000,
    )
    assert.match(await c.k('get', 'events', '--field-selector', 'involvedObject.name=bad'), /BackOff\s+pod\/bad\s+Back-off pulling image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10"/)
  })

  test('stopping kubelite leaves no container process behind', async () => {
    const pids = spawnSync('pgrep', ['-f', `${c.dataDir}/nodes`]).stdout.toString().trim().split('\n').filter(Boolean)
    assert.ok(pids.length > 0, 'containers were running')
    assert.equal(await c.stop(), 0)
    const left = spawnSync('pgrep', ['-f', `${c.dataDir}/nodes`]).stdout.toString().trim()
    assert.equal(left, '', `processes left: ${left}`)
  })
})
