// The official Kubernetes Basics tutorial (kubernetes.io/docs/tutorials/kubernetes-basics/), modules
// 2 to 6, as written, with the bootcamp image: kubectl proxy to a pod, logs, exec, expose as a
// NodePort, labels, scale, a rolling update with the `:v10` ImagePullBackOff and its undo.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort, httpGet, kubectlBin, startCluster, until, type Cluster } from './harness.js'

describe('the Kubernetes Basics tutorial, as written', () => {
  let c: Cluster
  let proxy: ChildProcess | undefined
  let pod = ''
  const podNames = async () => (await c.k('get', 'pods', '-o', 'go-template', '--template', '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}')).split('\n').filter(Boolean)

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    proxy?.kill()
    await c?.destroy()
  })

  test('module 2: create a Deployment, reach its pod through kubectl proxy', async () => {
    assert.equal(await c.k('create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1'), 'deployment.apps/kubernetes-bootcamp created\n')
    await c.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s')
    assert.match(await c.k('get', 'deployments'), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nkubernetes-bootcamp\s+1\/1\s+1\s+1\s+\S+\n$/)
    const port = await freePort()
    proxy = spawn(kubectlBin, ['--kubeconfig', c.kubeconfig, 'proxy', `--port=${port}`], { stdio: 'ignore' })
    const version = await until('kubectl proxy', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/version`).catch(() => undefined)
      return r?.code === 200 ? JSON.parse(r.body) : undefined
    })
    assert.equal(version.major, '1')
    ;[pod] = await podNames()
    const r = await httpGet(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods/${pod}:8080/proxy/`)
    assert.equal(r.body, `Hello Kubernetes bootcamp! | Running on: ${pod} | v=1\n`)
  })

  test('module 3: pods, describe, logs, exec', async () => {
    assert.match(await c.k('get', 'pods'), new RegExp(`${pod}\\s+1/1\\s+Running\\s+0`))
    assert.match(await c.k('describe', 'pods'), /Image:\s+gcr\.io\/google-samples\/kubernetes-bootcamp:v1/)
    assert.match(await c.k('logs', pod), new RegExp(`^Kubernetes Bootcamp App Started At: \\S+ \\| Running On:  ${pod} \\n`))
    const env = await c.k('exec', pod, '--', 'env')
    assert.match(env, new RegExp(`^HOSTNAME=${pod}$`, 'm'))
    assert.match(env, /^KUBERNETES_SERVICE_HOST=127\.96\.0\.1$/m)
    // The tutorial's `curl http://localhost:8080` inside the container: pods share the host's network
    // namespace (each on its own 127.244.x.y), so localhost is not the pod's own (docs/images.md says
    // so); the pod's own name reaches it, as /etc/hosts maps it to the pod's IP.
    const local = await c.kubectl(['exec', pod, '--', 'curl', '-s', 'http://localhost:8080'])
    assert.notEqual(local.code, 0)
    assert.match(local.stderr, /^kubelite: inside a pod, localhost is the host's loopback, not the pod's own .*http:\/\/\$\(hostname\):8080/m) // said, not silent
    assert.equal(await c.k('exec', pod, '--', 'sh', '-c', 'curl -s http://$(hostname):8080'), `Hello Kubernetes bootcamp! | Running on: ${pod} | v=1\n`)
  })

  test('module 4: expose as a NodePort, labels, delete the Service', async () => {
    assert.equal(await c.k('expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080'), 'service/kubernetes-bootcamp exposed\n')
    const nodePort = (await c.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}')).trim()
    const r = await until('NodePort', async () => {
      const x = await httpGet(`http://127.0.0.1:${nodePort}`).catch(() => undefined)
      return x?.code === 200 ? x : undefined
    })
    assert.match(r.body, /^Hello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-\w+-\w+ \| v=1\n$/)
    assert.match(await c.k('describe', 'deployment'), /^Labels:\s+app=kubernetes-bootcamp$/m)
    assert.match(await c.k('get', 'pods', '-l', 'app=kubernetes-bootcamp'), new RegExp(pod))
    assert.match(await c.k('get', 'services', '-l', 'app=kubernetes-bootcamp'), /^kubernetes-bootcamp\s+NodePort\s+127\.96\.\d+\.\d+\s+<none>\s+8080:\d+\/TCP/m)
    assert.equal(await c.k('label', 'pods', pod, 'version=v1'), `pod/${pod} labeled\n`)
    assert.match(await c.k('describe', 'pods', pod), /^Labels:\s+app=kubernetes-bootcamp\n\s+pod-template-hash=\w+\n\s+version=v1$/m)
    assert.match(await c.k('get', 'pods', '-l', 'version=v1'), new RegExp(pod))
    assert.equal(await c.k('delete', 'service', '-l', 'app=kubernetes-bootcamp'), 'service "kubernetes-bootcamp" deleted\n')
    await until('NodePort closed', async () => ((await httpGet(`http://127.0.0.1:${nodePort}`).catch(() => undefined)) === undefined ? true : undefined))
    assert.match(await c.k('exec', '-ti', pod, '--', 'sh', '-c', 'curl -s http://$(hostname):8080'), /v=1/)
  })

  test('module 5: scale to 4 and back to 2, the Service balancing over the pods', async () => {
    assert.equal(await c.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=4'), 'deployment.apps/kubernetes-bootcamp scaled\n')
    await c.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=60s')
    assert.match(await c.k('get', 'deployments'), /kubernetes-bootcamp\s+4\/4\s+4\s+4/)
    const wide = await c.k('get', 'pods', '-o', 'wide')
    assert.equal([...wide.matchAll(/127\.244\.\d+\.\d+/g)].length, 4)
    assert.match(await c.k('describe', 'deployments/kubernetes-bootcamp'), /Scaled up replica set kubernetes-bootcamp-\w+ from 1 to 4/)
    await c.k('expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080')
    const nodePort = (await c.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}')).trim()
    const seen = new Set<string>()
    await until('answers from all 4 pods', async () => {
      const r = await httpGet(`http://127.0.0.1:${nodePort}`).catch(() => undefined)
      const m = r && /Running on: (\S+)/.exec(r.body)
      if (m) seen.add(m[1])
      return seen.size === 4 ? true : undefined
    })
    assert.equal(await c.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=2'), 'deployment.apps/kubernetes-bootcamp scaled\n')
    await until('2 pods', async () => ((await podNames()).length === 2 ? true : undefined), 60_000)
  })

  test('module 6: update to v2, a broken v10 stuck in ImagePullBackOff, undo', async () => {
    await c.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2')
    assert.match(await c.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=90s'), /deployment "kubernetes-bootcamp" successfully rolled out\n$/)
    const nodePort = (await c.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}')).trim()
    assert.match((await httpGet(`http://127.0.0.1:${nodePort}`)).body, /v=2\n$/)
    await c.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=gcr.io/google-samples/kubernetes-bootcamp:v10')
    await until('ImagePullBackOff', async () => (/ImagePullBackOff|ErrImagePull/.test(await c.k('get', 'pods')) ? true : undefined), 60_000)
    assert.match(await c.k('describe', 'pods'), /Failed to pull image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10"/)
    assert.match((await httpGet(`http://127.0.0.1:${nodePort}`)).body, /v=2\n$/) // the old pods still serve
    assert.equal(await c.k('rollout', 'undo', 'deployments/kubernetes-bootcamp'), 'deployment.apps/kubernetes-bootcamp rolled back\n')
    await c.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=90s')
    assert.match(await c.k('describe', 'pods'), /Image:\s+docker\.io\/jocatalin\/kubernetes-bootcamp:v2/)
    assert.doesNotMatch(await c.k('get', 'pods'), /ImagePullBackOff|ErrImagePull/)
    assert.equal(await c.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=0'), 'deployment.apps/kubernetes-bootcamp scaled\n')
  })
})
