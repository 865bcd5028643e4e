// The agent against an in-process API server and the fake runtime.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Pod } from 'kubernetes-types/core/v1.js'
import type { KObject, StoredObject } from '../../apis/meta.js'
import { podBinding } from '../../api/subresources/binding.js'
import { InformerFactory } from '../../client/factory.js'
import { NodeAgent, type NodeAgentOptions } from './agent.js'
import { FakeRuntime, type FakeContainer } from './fake-runtime.js'
import type { EventSink } from './worker.js'
import { apiCluster, FakeClock, until } from '../../../test/kit/index.js'
import type { PodObj } from '../../apis/core/pod.js'

/** Fixed-name scratch dirs of the fake runtimes live here and go at the end. */
const scratch = mkdtempSync(join(tmpdir(), 'kubelite-agent-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

interface Recorded {
  pod: string
  type: string
  reason: string
  message: string
  fieldPath?: string
}

async function setup(extra: Partial<NodeAgentOptions> = {}, runtime = new FakeRuntime()) {
  const { api, store, client: asUser } = await apiCluster()
  const client = asUser('kubelet')
  const events: Recorded[] = []
  const sink: EventSink = { event: (obj, type, reason, message, fieldPath) => void events.push({ pod: obj.metadata.name!, type, reason, message, fieldPath }) }
  const logDir = mkdtempSync(join(tmpdir(), 'kubelite-agent-'))
  const agent = new NodeAgent({
    client,
    runtime,
    nodeName: 'kubelite',
    address: '127.0.0.1',
    podCIDR: '127.244.0.0/24',
    controlPlane: true,
    logDir,
    drainMarginMs: 50,
    shutdownGraceSeconds: 1,
    crashBackOff: { initialMs: 100, maxMs: 400 },
    imageBackOff: { initialMs: 300, maxMs: 600 },
    syncRetryMs: 100,
    events: sink,
    log: { info() {}, error: (obj, msg) => console.error('agent error:', msg, obj) },
    ...extra,
  })
  const ac = new AbortController()
  const running = agent.start(ac.signal)
  await agent.ready()
  const pods = api.resource('', 'pods')!
  return {
    api,
    agent,
    runtime,
    events,
    pods,
    client,
    async create(pod: KObject): Promise<PodObj> {
      const body = { apiVersion: 'v1', kind: 'Pod', ...pod, spec: { nodeName: 'kubelite', ...(pod.spec as object) } }
      return (await pods.create('default', body as KObject)) as PodObj
    },
    get: (name: string) => pods.get('default', name).then((p) => p as PodObj, () => undefined),
    async close() {
      ac.abort()
      await running
      await store.close()
      rmSync(logDir, { recursive: true, force: true })
    },
  }
}

const cond = (p: PodObj | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)

test('registers the node with status and renews its lease', async () => {
  const c = await setup()
  try {
    const node = (await c.api.resource('', 'nodes')!.get(undefined, 'kubelite')) as StoredObject & { status: { conditions: { type: string; status: string; reason: string }[]; nodeInfo: Record<string, string>; addresses: unknown[] }; spec: { podCIDR: string } }
    assert.equal(node.metadata.labels!['kubernetes.io/hostname'], 'kubelite')
    assert.equal(node.metadata.labels!['node-role.kubernetes.io/control-plane'], '')
    assert.equal(node.spec.podCIDR, '127.244.0.0/24')
    assert.deepEqual(node.status.conditions.map((x) => [x.type, x.status, x.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ])
    assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'fake://1.0')
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'kubelite' }])
    const lease = await until('lease', () => c.api.resource('coordination.k8s.io', 'leases')!.get('kube-node-lease', 'kubelite').catch(() => undefined))
    const spec = lease.spec as Record<string, unknown>
    assert.equal(spec.holderIdentity, 'kubelite')
    assert.equal(spec.leaseDurationSeconds, 40)
    assert.match(String(spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    assert.equal(lease.metadata.ownerReferences?.[0].uid, node.metadata.uid)
  } finally {
    await c.close()
  }
})

test('a pod runs: IP, Running, Ready, events, containerStatuses', async () => {
  const c = await setup()
  try {
    await c.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] } })
    const p = await until('ready', async () => {
      const p = await c.get('web')
      return cond(p, 'Ready')?.status === 'True' && p
    })
    assert.equal(p.status!.phase, 'Running')
    assert.match(p.status!.podIP!, /^127\.244\.0\.\d+$/)
    assert.equal(p.status!.hostIP, '127.0.0.1')
    assert.deepEqual(p.status!.conditions!.map((x) => x.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'])
    const cs = p.status!.containerStatuses![0]
    assert.equal(cs.ready, true)
    assert.equal(cs.started, true)
    assert.equal(cs.restartCount, 0)
    assert.match(cs.containerID!, /^fake:\/\//)
    assert.equal(cs.imageID, `nginx@sha256:${'ab'.repeat(32)}`)
    assert.ok(cs.state!.running)
    assert.equal(c.runtime.containers[0].spec.env.ME, p.status!.podIP)
    assert.deepEqual(
      c.events.map((e) => [e.reason, e.message.replace(/in \d+m?s \(\d+m?s/, "in Xms (Xms"), e.fieldPath]),
      [
        ['Pulling', 'Pulling image "nginx:1.27"', 'spec.containers{web}'],
        ['Pulled', 'Successfully pulled image "nginx:1.27" in Xms (Xms including waiting). Image size: 4242 bytes.', 'spec.containers{web}'],
        ['Created', 'Created container: web', 'spec.containers{web}'],
        ['Started', 'Started container web', 'spec.containers{web}'],
      ],
    )
  } finally {
    await c.close()
  }
})

test('ephemeral containers (kubectl debug): started in the running pod, never restarted, their own status and events', async () => {
  const runtime = new FakeRuntime()
  runtime.behaviour = (_sb, spec) => (spec.name === 'debugger' ? { exitAfterMs: 30, exitCode: 0 } : {})
  const c = await setup({}, runtime)
  try {
    await c.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } })
    const p = await until('ready', async () => {
      const p = await c.get('web')
      return cond(p, 'Ready')?.status === 'True' && p
    })
    const debugger_ = { name: 'debugger', image: 'busybox', targetContainerName: 'web', stdin: true, tty: true, terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }
    await c.pods.update('default', 'web', { ...p, spec: { ...p.spec, ephemeralContainers: [debugger_] } } as KObject, { subresource: 'ephemeralcontainers' })
    const done = await until('the debugger terminated', async () => {
      const p = await c.get('web')
      const s = p?.status?.ephemeralContainerStatuses?.[0]
      return s?.state?.terminated && p
    })
    const s = done.status!.ephemeralContainerStatuses![0]
    assert.equal(s.name, 'debugger')
    assert.equal(s.ready, false)
    assert.equal(s.restartCount, 0)
    assert.equal(s.started, undefined)
    assert.equal(s.image, 'busybox')
    assert.equal(s.imageID, `busybox@sha256:${'ab'.repeat(32)}`)
    assert.match(s.containerID!, /^fake:\/\//)
    assert.equal(s.state!.terminated!.reason, 'Completed')
    // The pod is still Running and Ready; the debugger ran with its terminal and stdin.
    assert.equal(done.status!.phase, 'Running')
    assert.equal(cond(done, 'Ready')?.status, 'True')
    const started = runtime.containers.find((x: FakeContainer) => x.spec.name === 'debugger')!
    assert.equal(started.spec.tty, true)
    assert.equal(started.spec.stdin, true)
    // One more sync after the exit was published: the pass that would restart a regular container.
    const worker = c.agent.findWorker('default', 'web')!
    await worker.idle()
    worker.kick()
    await worker.idle()
    assert.equal(runtime.containers.filter((x: FakeContainer) => x.spec.name === 'debugger').length, 1, 'never restarted')
    assert.deepEqual(
      c.events.filter((e) => e.fieldPath === 'spec.ephemeralContainers{debugger}').map((e) => [e.reason, e.message.replace(/in \d+m?s \(\d+m?s/, 'in Xms (Xms')]),
      [
        ['Pulling', 'Pulling image "busybox"'],
        ['Pulled', 'Successfully pulled image "busybox" in Xms (Xms including waiting). Image size: 4242 bytes.'],
        ['Created', 'Created container: debugger'],
        ['Started', 'Started container debugger'],
      ],
    )
  } finally {
    await c.close()
  }
})

test('crash loop: restarts with back-off, CrashLoopBackOff and BackOff events', async () => {
  const runtime = new FakeRuntime()
  runtime.behaviour = () => ({ exitAfterMs: 5, exitCode: 1 })
  const c = await setup({}, runtime)
  try {
    await c.create({ metadata: { name: 'crash' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } })
    const p = await until('crash loop', async () => {
      const p = await c.get('crash')
      const cs = p?.status?.containerStatuses?.[0]
      return cs && cs.restartCount >= 2 && cs.state?.waiting?.reason === 'CrashLoopBackOff' && p
    })
    const cs = p.status!.containerStatuses![0]
    assert.equal(cs.lastState!.terminated!.exitCode, 1)
    assert.equal(cs.lastState!.terminated!.reason, 'Error')
    assert.match(cs.state!.waiting!.message!, /^back-off \d+ms restarting failed container=app pod=crash_default\(.+\)$/)
    assert.equal(p.status!.phase, 'Running')
    const backOff = c.events.find((e) => e.reason === 'BackOff')!
    assert.equal(backOff.type, 'Warning')
    assert.match(backOff.message, /^Back-off restarting failed container app in pod crash_default\(.+\)$/)
    // Image present after the first pull: later starts say so.
    assert.ok(c.events.some((e) => e.reason === 'Pulled' && e.message === 'Container image "busybox:1.36" already present on machine'))
  } finally {
    await c.close()
  }
})

test('unknown image: ErrImagePull, then ImagePullBackOff', async () => {
  const runtime = new FakeRuntime()
  runtime.missing.add('nginx:v10')
  const c = await setup({}, runtime)
  try {
    await c.create({ metadata: { name: 'bad' }, spec: { containers: [{ name: 'web', image: 'nginx:v10' }] } })
    await until('ErrImagePull', async () => (await c.get('bad'))?.status?.containerStatuses?.[0].state?.waiting?.reason === 'ErrImagePull')
    const p = await until('ImagePullBackOff', async () => {
      const p = await c.get('bad')
      return p?.status?.containerStatuses?.[0].state?.waiting?.reason === 'ImagePullBackOff' && p
    })
    assert.equal(p.status!.containerStatuses![0].state!.waiting!.message, 'Back-off pulling image "nginx:v10"')
    assert.equal(p.status!.phase, 'Pending')
    const texts = c.events.map((e) => `${e.type} ${e.reason} ${e.message}`)
    assert.ok(texts.includes('Warning Failed Failed to pull image "nginx:v10": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:v10": not found'))
    assert.ok(texts.includes('Warning Failed Error: ErrImagePull'))
    assert.ok(texts.includes('Normal BackOff Back-off pulling image "nginx:v10"'))
    assert.ok(texts.includes('Warning Failed Error: ImagePullBackOff'))
    await assert.rejects(c.agent.connection.logs({ namespace: 'default', name: 'bad' }, { container: 'web' }), /is waiting to start: (image can't be pulled|trying and failing to pull image)/)
  } finally {
    await c.close()
  }
})

test('the pod worker waits on the injected clock: the retry after a failed pull comes when that clock says so', async () => {
  const clock = new FakeClock(Date.now())
  const runtime = new FakeRuntime()
  runtime.missing.add('nginx:v10')
  const c = await setup({ timers: clock, syncRetryMs: 1000 }, runtime)
  try {
    await c.create({ metadata: { name: 'bad' }, spec: { containers: [{ name: 'web', image: 'nginx:v10' }] } })
    const reason = async () => (await c.get('bad'))?.status?.containerStatuses?.[0].state?.waiting?.reason
    // Time moves only when the test says: 10 ms a look (a status write lost to a conflict waits 10 ms before its retry).
    const tick = async () => {
      clock.step(10)
      return reason()
    }
    await until('ErrImagePull', async () => (await tick()) === 'ErrImagePull')
    await c.agent.findWorker('default', 'bad')!.idle()
    assert.equal(c.runtime.calls.filter((x) => x.op === 'pull').length, 1)
    assert.ok(clock.waiters >= 1, 'the retry is a timer on the injected clock')
    assert.equal(await reason(), 'ErrImagePull', 'no retry while the injected clock stands still')
    clock.step(1500) // past syncRetryMs plus its most jitter (50%)
    await until('the retry: ImagePullBackOff', async () => (await tick()) === 'ImagePullBackOff')
    // The next retry is pending; once the pod is deleted and its worker gone, no timer of it is left.
    await c.agent.findWorker('default', 'bad')!.idle()
    assert.ok(clock.waiters >= 1)
    await c.pods.delete('default', 'bad', {})
    await until('worker gone', async () => {
      clock.step(10)
      return !c.agent.findWorker('default', 'bad')
    })
    assert.equal(clock.waiters, 0, 'the pending retry went with the worker')
  } finally {
    await c.close()
  }
})

test('graceful deletion: Ready=False is published before the container is stopped, then the agent deletes the pod', async () => {
  const c = await setup()
  try {
    await c.create({ metadata: { name: 'web' }, spec: { terminationGracePeriodSeconds: 7, containers: [{ name: 'web', image: 'nginx' }] } })
    const running = await until('ready', async () => {
      const p = await c.get('web')
      return cond(p, 'Ready')?.status === 'True' && p
    })
    const ip = running.status!.podIP!
    let readyFalseAt = 0
    const watchAc = new AbortController()
    const watching = (async () => {
      for await (const ev of c.pods.watch('default', { resourceVersion: running.metadata.resourceVersion }, watchAc.signal)) {
        const p = ev.object as unknown as PodObj
        if (!readyFalseAt && cond(p, 'Ready')?.status === 'False') readyFalseAt = Date.now()
      }
    })()
    await c.pods.delete('default', 'web', {})
    await until('pod gone', async () => !(await c.get('web')))
    watchAc.abort()
    await watching.catch(() => undefined)
    const stop = c.runtime.calls.find((x) => x.op === 'stop')!
    assert.ok(readyFalseAt > 0, 'Ready=False was published')
    assert.ok(readyFalseAt <= stop.at, 'Ready=False before SIGTERM')
    assert.ok(stop.at - readyFalseAt >= 40, 'the drain margin passed first')
    assert.equal(stop.grace, 7)
    assert.ok(c.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container web'))
    // The address is free again (after the rest of the range).
    await until('worker gone', () => !c.agent.findWorker('default', 'web'))
    assert.equal(c.runtime.running().length, 0)
    void ip
  } finally {
    await c.close()
  }
})

test('graceful deletion waits for the pod to leave the ready set of every EndpointSlice before signalling it', async () => {
  // The worker's time is a FakeClock: the wait is shown to hold however long it lasts, not for a window of real time.
  const clock = new FakeClock(Date.now())
  const c = await setup({ drainMarginMs: 1, timers: clock })
  // Every poll moves the clock a little: a status write that lost a race backs off on it.
  const ticking = <T>(fn: () => Promise<T>) => async () => {
    clock.step(1)
    return fn()
  }
  try {
    await c.create({ metadata: { name: 'svc-pod' }, spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'web', image: 'nginx' }] } })
    const running = await until(
      'ready',
      ticking(async () => {
        const p = await c.get('svc-pod')
        return cond(p, 'Ready')?.status === 'True' && p
      }),
    )
    const slices = c.api.resource('discovery.k8s.io', 'endpointslices')!
    const slice = (conditions: Record<string, boolean>) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: [running.status!.podIP!], conditions, targetRef: { kind: 'Pod', namespace: 'default', name: 'svc-pod', uid: running.metadata.uid } }],
    })
    // No endpoints controller runs here: the slice keeps offering the pod until the test says otherwise.
    const created = await slices.create('default', slice({ ready: true }) as KObject)
    const agentSlices = (c.agent as unknown as { slices: { list(): unknown[] } }).slices
    await until("the slice in the agent's cache", () => agentSlices.list().length === 1)
    const deletedAt = clock.now()
    await c.pods.delete('default', 'svc-pod', {})
    await until('Ready=False published', ticking(async () => cond(await c.get('svc-pod'), 'Ready')?.status === 'False'))
    // The worker has reached the drain once it says it stops the container (the Killing event comes first).
    await until('Killing event', () => c.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container web'))
    // Two thirds of the grace period pass (a fixed delay after Ready=False, the old behaviour, would signal now).
    clock.step(20_000)
    await new Promise((r) => setImmediate(r)) // whatever the timers set going runs to its end first
    assert.equal(c.runtime.calls.filter((x) => x.op === 'stop').length, 0, 'not signalled while a slice offers the pod as ready')
    const releasedAt = Date.now()
    await slices.update('default', 'web-abcde', { ...slice({ ready: false, serving: true, terminating: true }), metadata: created.metadata } as KObject)
    await until('pod gone', ticking(async () => !(await c.get('svc-pod'))))
    const stop = c.runtime.calls.find((x) => x.op === 'stop')!
    assert.ok(stop.at >= releasedAt, 'signalled after the endpoint left the ready set')
    // The clock moved 20 s and a few ms of polls since the deletion: SIGKILL comes at the end of the 30 s.
    assert.ok(clock.now() - deletedAt < 21_000)
    assert.equal(stop.grace, 10, "the rest of the grace period is the container's")
  } finally {
    await c.close()
  }
})

test('restartPolicy Never: Succeeded; init containers run first', async () => {
  const runtime = new FakeRuntime()
  runtime.behaviour = () => ({ exitAfterMs: 20, exitCode: 0 })
  const c = await setup({}, runtime)
  try {
    await c.create({ metadata: { name: 'job' }, spec: { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }] } })
    // The sandbox goes (PodReadyToStartContainers=False) in a status write after the one that
    // reports Succeeded: wait for both.
    const p = await until('succeeded', async () => {
      const p = await c.get('job')
      return p?.status?.phase === 'Succeeded' && cond(p, 'PodReadyToStartContainers')?.status === 'False' && p
    })
    assert.deepEqual(c.runtime.calls.filter((x) => x.op === 'start').map((x) => x.container), ['init', 'main'])
    assert.equal(p.status!.initContainerStatuses![0].state!.terminated!.reason, 'Completed')
    assert.equal(cond(p, 'Ready')!.reason, 'PodCompleted')
    assert.equal(cond(p, 'PodReadyToStartContainers')!.status, 'False')
  } finally {
    await c.close()
  }
})

test('agent restart: adopts containers of its pods, stops the rest, and stops everything on shutdown', async () => {
  const runtime = new FakeRuntime()
  const first = await setup({ closeRuntime: false }, runtime)
  let uid = ''
  try {
    const p = await first.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } })
    uid = p.metadata.uid!
    await until('ready', async () => cond(await first.get('web'), 'Ready')?.status === 'True')
  } finally {
    // Keep the API and store: simulate only the agent going away.
  }
  // The old agent's container "survives" in the runtime; hand it to a new agent on the same API.
  const survivor = runtime.containers[0]
  const orphan = (await runtime.startContainer({ podUid: 'gone-uid', podName: 'old', namespace: 'default', podIP: '127.244.0.9', logDir: join(scratch, 'orphan') }, { name: 'x', image: 'nginx', env: {}, restartCount: 0 })) as FakeContainer
  const runtime2 = new FakeRuntime()
  runtime2.leftovers = [
    { podUid: uid, container: 'web', handle: survivor },
    { podUid: 'gone-uid', container: 'x', handle: orphan },
  ]
  // Stop the first agent without stopping containers: abort its loops only.
  const startsBefore = runtime.calls.filter((x) => x.op === 'start').length
  assert.equal(startsBefore, 2)
  const agent2 = new NodeAgent({
    client: first.client,
    runtime: runtime2,
    nodeName: 'kubelite-2',
    address: '127.0.0.1',
    podCIDR: '127.244.1.0/24',
    logDir: join(scratch, 'agent2'),
    shutdownGraceSeconds: 1,
  })
  // The pod is bound to `kubelite`, not `kubelite-2`: its container is not this agent's, so it is stopped.
  const ac = new AbortController()
  const run2 = agent2.start(ac.signal)
  await agent2.ready()
  await until('orphans stopped', () => !orphan.running && !survivor.running)
  ac.abort()
  await run2
  await first.close()
})

test('on a shared pod informer the agent runs its node\'s pods only, a pod bound later too, and stops listening when it stops', async () => {
  const { api, store, client: asUser } = await apiCluster()
  const client = asUser('kubelet')
  const pods = api.resource('', 'pods')!
  const pod = (name: string, nodeName?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'nginx' }] } })
  await pods.create('default', pod('early', 'kubelite'))
  await pods.create('default', pod('elsewhere', 'kubelite-m02'))
  await pods.create('default', pod('unbound'))
  // The informers run before the agent joins them, as in `kubelite up`.
  const informers = new InformerFactory(client)
  const shared = new AbortController()
  informers.start(shared.signal)
  await informers.informer({ group: '', version: 'v1', resource: 'pods' }).waitForSync()
  const runtime = new FakeRuntime()
  const logDir = mkdtempSync(join(tmpdir(), 'kubelite-agent-shared-'))
  const agent = new NodeAgent({ client, runtime, nodeName: 'kubelite', address: '127.0.0.1', podCIDR: '127.244.0.0/24', logDir, shutdownGraceSeconds: 1, closeRuntime: false, informers })
  const ac = new AbortController()
  const running = agent.start(ac.signal)
  try {
    await agent.ready()
    const ready = (name: string) => until(`${name} ready`, async () => cond((await pods.get('default', name)) as PodObj, 'Ready')?.status === 'True')
    await ready('early')
    await podBinding({ store }).bind(pods, 'default', 'unbound', { metadata: { name: 'unbound' }, target: { kind: 'Node', name: 'kubelite' } })
    await ready('unbound')
    assert.deepEqual(runtime.containers.map((c) => c.sandbox.podName).sort(), ['early', 'unbound'])
    assert.equal(agent.findWorker('default', 'elsewhere'), undefined)
  } finally {
    ac.abort()
    await running
  }
  // The informers outlive the agent: a pod bound here now reaches no worker.
  await pods.create('default', pod('late', 'kubelite'))
  // The informer calls its handlers as it caches: once it holds the pod, the agent would have heard.
  await until('the shared informer holds late', () => informers.informer({ group: '', version: 'v1', resource: 'pods' }).get('default', 'late'))
  assert.equal(agent.findWorker('default', 'late'), undefined)
  assert.deepEqual(runtime.calls.filter((x) => x.op === 'start').map((x) => x.pod).sort(), ['early', 'unbound'])
  shared.abort()
  await informers.stopped()
  await store.close()
  rmSync(logDir, { recursive: true, force: true })
})

test('adoption by the same node keeps the running container and its IP', async () => {
  const runtime = new FakeRuntime()
  const c = await setup({ closeRuntime: false }, runtime)
  const p = await c.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } })
  const ready = await until('ready', async () => {
    const x = await c.get('web')
    return cond(x, 'Ready')?.status === 'True' && x
  })
  const survivor = runtime.containers[0]
  // A second agent object for the same node and API: it must adopt, not restart.
  const runtime2 = new FakeRuntime()
  runtime2.leftovers = [{ podUid: p.metadata.uid!, container: 'web', handle: survivor }]
  const agent2 = new NodeAgent({ client: c.client, runtime: runtime2, nodeName: 'kubelite', address: '127.0.0.1', podCIDR: '127.244.0.0/24', logDir: join(scratch, 'agent3'), shutdownGraceSeconds: 1, closeRuntime: false })
  const ac = new AbortController()
  const run2 = agent2.start(ac.signal)
  await agent2.ready()
  // The adopting worker's first sync is the one that would start a container.
  await (await until('agent2 has a worker for web', () => agent2.findWorker('default', 'web'))).idle()
  assert.equal(runtime2.calls.filter((x) => x.op === 'start').length, 0, 'no new container')
  assert.equal(survivor.running, true)
  const w = agent2.findWorker('default', 'web')!
  assert.equal(w.ip, ready.status!.podIP)
  ac.abort()
  await run2
  assert.equal(survivor.running, false, 'shutdown stops adopted containers')
  await c.close()
})

test('logs: tail, timestamps, previous', async () => {
  const runtime = new FakeRuntime()
  let n = 0
  runtime.behaviour = () => (n++ === 0 ? { logs: ['one', 'two', 'three'], exitAfterMs: 30, exitCode: 2 } : { logs: ['again'] })
  const c = await setup({}, runtime)
  try {
    await c.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } })
    await until('restarted', async () => (await c.get('web'))?.status?.containerStatuses?.[0].restartCount === 1)
    const read = async (opts: Parameters<typeof c.agent.connection.logs>[1]) => {
      const s = await c.agent.connection.logs({ namespace: 'default', name: 'web' }, opts)
      let out = ''
      for await (const chunk of s) out += chunk.toString()
      return out
    }
    assert.equal(await read({ container: 'web' }), 'again\n')
    assert.equal(await read({ container: 'web', previous: true }), 'one\ntwo\nthree\n')
    assert.equal(await read({ container: 'web', previous: true, tailLines: 2 }), 'two\nthree\n')
    assert.equal(await read({ container: 'web', previous: true, tailLines: 1, timestamps: true }), '2026-01-01T00:00:02.000000001Z three\n')
    assert.equal(await read({ container: 'web', previous: true, limitBytes: 6 }), 'one\ntw')
    assert.equal(await read({ container: '', previous: true, sinceTime: '2026-01-01T00:00:01.5Z' }), 'three\n')
    await assert.rejects(c.agent.connection.logs({ namespace: 'default', name: 'nope' }, { container: 'web' }), { code: 404 })
    await assert.rejects(c.agent.connection.logs({ namespace: 'default', name: 'web' }, { container: 'nope' }), { code: 404 })
    assert.equal(await c.agent.connection.exec({ namespace: 'default', name: 'web' }, { container: 'web', command: ['true'] }), 0)
  } finally {
    await c.close()
  }
})

test('probes: failing readiness keeps the pod unready with Unhealthy events; failing liveness restarts the container', async () => {
  const runtime = new FakeRuntime()
  runtime.execExitCode = (cmd) => (cmd[0] === 'ready' ? 1 : cmd[0] === 'live' ? 1 : 0)
  const c = await setup({}, runtime)
  try {
    await c.create({
      metadata: { name: 'probed' },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } },
          { name: 'b', image: 'nginx', livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 } },
        ],
      },
    })
    const p = await until('liveness restart', async () => {
      const p = await c.get('probed')
      return (p?.status?.containerStatuses?.find((s) => s.name === 'b')?.restartCount ?? 0) >= 1 && p
    })
    const a = p.status!.containerStatuses!.find((s) => s.name === 'a')!
    assert.equal(a.ready, false)
    assert.equal(a.started, true)
    // b may still be restarting (back-off) when its restart count is first seen.
    assert.match(cond(p, 'Ready')!.message!, /^containers with unready status: \[a( b)?\]$/)
    const texts = c.events.map((e) => `${e.type} ${e.reason} ${e.fieldPath} ${e.message}`)
    assert.ok(texts.includes('Warning Unhealthy spec.containers{a} Readiness probe failed: ran ready\n'), texts.join('\n'))
    assert.ok(texts.includes('Warning Unhealthy spec.containers{b} Liveness probe failed: ran live\n'))
    assert.ok(texts.includes('Normal Killing spec.containers{b} Container b failed liveness probe, will be restarted'))
    assert.equal(p.status!.containerStatuses!.find((s) => s.name === 'b')!.lastState!.terminated!.exitCode, 143)
  } finally {
    await c.close()
  }
})

test('a failed command that named localhost gets a line saying why, others none', async () => {
  const { localhostHint } = await import('./connection.js')
  assert.match(localhostHint(['curl', 'http://localhost:8080']) ?? '', /^kubelite: inside a pod, localhost is the host's loopback/)
  assert.match(localhostHint(['sh', '-c', 'wget -qO- 127.0.0.1:80']) ?? '', /use the pod's name/)
  assert.equal(localhostHint(['curl', 'http://backend:8080']), undefined)
  assert.equal(localhostHint(['echo', 'mylocalhostname']), undefined)
})
