// Argo Rollouts' kubectl plugin through the real kubectl's plugin mechanism: with the repo's bin/ on
// PATH, `kubectl argo rollouts ...` runs bin/kubectl-argo-rollouts. A Rollout is set up in the state
// a controller would leave it mid-canary (its two ReplicaSets, run by kubelite's ReplicaSet
// controller, and its status), so what the plugin shows and changes is checked against the objects
// with `kubectl get -o json`, and the live view is watched in a terminal.
import { spawn } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { kubectlBin, startCluster, type Cluster, type RunResult } from './harness.js'

const bin = new URL('../../bin', import.meta.url).pathname

describe('kubectl argo rollouts (the plugin)', () => {
  let c: Cluster
  /** `kubectl argo rollouts ARGS`: kubectl's own flags cannot come before a plugin's name, so none are given. */
  let plugin: (...args: string[]) => Promise<RunResult>
  let uid = ''
  const stable = '6c8f9d7b5b'
  const canary = '5d4c7b9f8d'
  const images = { v1: 'gcr.io/google-samples/kubernetes-bootcamp:v1', v2: 'jocatalin/kubernetes-bootcamp:v2' }
  const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: c.kubeconfig, TERM: 'xterm' })

  before(async () => {
    // Without kubelite's Rollout controller: this Rollout's state is set by hand, mid-canary.
    c = await startCluster(['--controllers', '*,-rollout'])
    plugin = (...args) =>
      new Promise((resolve) => {
        const p = spawn(kubectlBin, ['argo', 'rollouts', ...args], { cwd: c.dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        p.stdout.on('data', (d) => (stdout += d))
        p.stderr.on('data', (d) => (stderr += d))
        const timer = setTimeout(() => p.kill('SIGKILL'), 60_000)
        p.on('close', (code) => {
          clearTimeout(timer)
          resolve({ stdout, stderr, code: code ?? -1 })
        })
      })
    await c.k('apply', '-f', c.file('demo.yaml', rollout(images.v2)))
    uid = JSON.parse(await c.k('get', 'rollout', 'demo', '-o', 'json')).metadata.uid
    for (const [hash, revision, image] of [
      [stable, '1', images.v1],
      [canary, '2', images.v2],
    ]) {
      await c.k('apply', '-f', c.file(`rs-${hash}.yaml`, replicaSet(hash, revision, image, uid)))
    }
    // What Argo's controller writes while paused at the canary's pause step.
    const status = {
      status: {
        phase: 'Paused',
        message: 'CanaryPauseStep',
        observedGeneration: '1',
        currentStepIndex: 1,
        stableRS: stable,
        currentPodHash: canary,
        controllerPause: true,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
        replicas: 2,
        updatedReplicas: 1,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    }
    await c.k('patch', 'rollout', 'demo', '--subresource=status', '--type=merge', '-p', JSON.stringify(status))
    // Both ReplicaSets' pods up and ready.
    const deadline = Date.now() + 60_000
    for (;;) {
      const pods = JSON.parse(await c.k('get', 'pods', '-l', 'app=demo', '-o', 'json')).items as { status: { conditions?: { type: string; status: string }[] } }[]
      const rss = JSON.parse(await c.k('get', 'rs', '-l', 'app=demo', '-o', 'json')).items as { status: { availableReplicas?: number } }[]
      if (pods.length === 2 && pods.every((p) => p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) && rss.every((r) => r.status.availableReplicas === 1)) break
      if (Date.now() > deadline) throw new Error(`pods not ready: ${await c.k('get', 'pods', '-l', 'app=demo')}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  })
  after(async () => {
    await c?.destroy()
  })

  const getJson = async () => JSON.parse(await c.k('get', 'rollout', 'demo', '-o', 'json'))

  test('version and the plugin found on PATH', async () => {
    const r = await plugin('version', '--short')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^kubectl-argo-rollouts: v\d+\.\d+\.\d+\+kubelite\n$/)
  })

  test('get rollout shows the header block and the tree of revisions, ReplicaSets and pods', async () => {
    const r = await plugin('get', 'rollout', 'demo', '--no-color')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const [header, tree] = r.stdout.split('\n\n')
    assert.equal(
      header,
      [
        'Name:            demo',
        'Namespace:       default',
        'Status:          ॥ Paused',
        'Message:         CanaryPauseStep',
        'Strategy:        Canary',
        '  Step:          1/2',
        '  SetWeight:     50',
        '  ActualWeight:  50',
        `Images:          ${images.v1} (stable)`,
        `                 ${images.v2} (canary)`,
        'Replicas:',
        '  Desired:       1',
        '  Current:       2',
        '  Updated:       1',
        '  Ready:         2',
        '  Available:     2',
      ].join('\n'),
    )
    const lines = tree.trimEnd().split('\n')
    // Columns aligned as Go's tabwriter aligns them: each column starts where its header does.
    const at = ['KIND', 'STATUS', 'AGE', 'INFO'].map((h) => lines[0].indexOf(h))
    const cells = lines.map((l) => {
      for (const x of at) assert.equal(l.slice(x - 2, x), '  ', `aligned: ${JSON.stringify(l)}`)
      return [0, ...at].map((x, i) => l.slice(x, i < at.length ? at[i] : undefined).trimEnd())
    })
    const age = /^\d+s$/
    assert.deepEqual(cells[0], ['NAME', 'KIND', 'STATUS', 'AGE', 'INFO'])
    assert.deepEqual(cells[1].slice(0, 3), ['⟳ demo', 'Rollout', '॥ Paused'])
    assert.match(cells[1][3], age)
    assert.deepEqual(cells[2], ['├──# revision:2', '', '', '', ''])
    assert.deepEqual([cells[3][0], cells[3][1], cells[3][2], cells[3][4]], [`│  └──⧉ demo-${canary}`, 'ReplicaSet', '✔ Healthy', 'canary'])
    assert.match(cells[4][0], new RegExp(`^│     └──□ demo-${canary}-[a-z0-9]{5}$`))
    assert.deepEqual([cells[4][1], cells[4][2], cells[4][4]], ['Pod', '✔ Running', 'ready:1/1'])
    assert.deepEqual(cells[5], ['└──# revision:1', '', '', '', ''])
    assert.deepEqual([cells[6][0], cells[6][1], cells[6][2], cells[6][4]], [`   └──⧉ demo-${stable}`, 'ReplicaSet', '✔ Healthy', 'stable'])
    assert.match(cells[7][0], new RegExp(`^      └──□ demo-${stable}-[a-z0-9]{5}$`))
    assert.equal(lines.length, 8)
    // In colour unless asked not to (Argo colours even when not on a terminal).
    assert.match((await plugin('get', 'rollout', 'demo')).stdout, /Status: {10}\x1b\[0m॥\x1b\[0m Paused/)
  })

  test('list rollouts and status print Argo’s table and line', async () => {
    const list = await plugin('list', 'rollouts')
    assert.equal(list.code, 0, list.stderr)
    assert.equal(list.stdout, 'NAME        STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\ndemo        Canary     Paused        1/2   50          2/2    1        1           2        \n')
    const st = await plugin('status', 'demo', '--watch=false')
    assert.deepEqual([st.stdout, st.code], ['Paused - CanaryPauseStep\n', 0])
    const none = await plugin('list', 'rollouts', '-n', 'kube-system')
    assert.deepEqual([none.stdout, none.stderr], ['', 'No resources found.\n'])
    // The same commands under kubelite itself.
    const k = spawn(process.execPath, [join(bin, 'kubelite.js'), 'rollouts', 'status', 'demo', '--watch=false'], { env: env() })
    let out = ''
    k.stdout.on('data', (d) => (out += d))
    const code = await new Promise((r) => k.on('close', r))
    assert.deepEqual([out, code], ['Paused - CanaryPauseStep\n', 0])
  })

  test('get rollout --watch in a terminal redraws when the Rollout changes', async () => {
    const child = spawn('script', ['-qfec', 'exec kubectl argo rollouts get rollout demo --watch', '/dev/null'], { cwd: c.dir, env: env(), stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    let out = ''
    const waiters = new Set<() => void>()
    child.stdout.on('data', (d) => {
      out += d
      for (const w of waiters) w()
    })
    const waitFor = (re: RegExp, from: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!re.test(out.slice(from))) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}:\n${JSON.stringify(out)}`)), 30_000)
        waiters.add(check)
        check()
      })
    try {
      await waitFor(/\x1b\[H\x1b\[2J\x1b\[0;0HName: +demo\r\n[\s\S]*Paused/, 0)
      const before = out.length
      await c.k('patch', 'rollout', 'demo', '--subresource=status', '--type=merge', '-p', '{"status":{"message":"a change to watch"}}')
      await waitFor(/\x1b\[H\x1b\[2J\x1b\[0;0HName: +demo\r\n[\s\S]*Message: +a change to watch\r\n/, before)
    } finally {
      process.kill(-child.pid!, 'SIGKILL')
      await c.k('patch', 'rollout', 'demo', '--subresource=status', '--type=merge', '-p', '{"status":{"message":"CanaryPauseStep"}}')
    }
  })

  test('promote, abort, retry, pause, restart and set image change what Argo’s plugin changes', async () => {
    let r = await plugin('promote', 'demo')
    assert.deepEqual([r.stdout, r.stderr, r.code], ["rollout 'demo' promoted\n", '', 0])
    let ro = await getJson()
    assert.equal(ro.status.pauseConditions, undefined, 'pause conditions cleared')
    assert.equal(ro.status.currentStepIndex, 1, 'the step is the controller’s to move')

    r = await plugin('abort', 'demo')
    assert.deepEqual([r.stdout, r.code], ["rollout 'demo' aborted\n", 0])
    assert.equal((await getJson()).status.abort, true)
    r = await plugin('retry', 'rollout', 'demo')
    assert.deepEqual([r.stdout, r.code], ["rollout 'demo' retried\n", 0])
    assert.equal((await getJson()).status.abort, false)

    r = await plugin('pause', 'demo')
    assert.deepEqual([r.stdout, r.code], ["rollout 'demo' paused\n", 0])
    assert.equal((await getJson()).spec.paused, true)
    r = await plugin('promote', 'demo')
    assert.equal(r.code, 0, r.stderr)
    ro = await getJson()
    assert.equal(ro.spec.paused, false)
    assert.equal(ro.status.currentStepIndex, 2, 'no pause condition left: promote moves to the next step')

    r = await plugin('promote', 'demo', '--full')
    assert.deepEqual([r.stdout, r.code], ["rollout 'demo' fully promoted\n", 0])
    assert.equal((await getJson()).status.promoteFull, true)

    const before = Date.now()
    r = await plugin('restart', 'demo')
    assert.deepEqual([r.stdout, r.code], ["rollout 'demo' restarts in 0s\n", 0])
    const at = Date.parse((await getJson()).spec.restartAt)
    assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= Date.now(), 'restartAt is now')

    r = await plugin('set', 'image', 'demo', 'demo=jocatalin/kubernetes-bootcamp:v1')
    assert.deepEqual([r.stdout, r.code], ['rollout "demo" image updated\n', 0])
    assert.equal((await getJson()).spec.template.spec.containers[0].image, 'jocatalin/kubernetes-bootcamp:v1')
    r = await plugin('set', 'image', 'demo', 'nope=x')
    assert.deepEqual([r.stderr, r.code], ['Error: unable to find container named "nope"\n', 1])
  })

  test('undo restores the previous revision’s template (the hash label removed)', async () => {
    const r = await plugin('undo', 'demo')
    assert.deepEqual([r.stdout, r.stderr, r.code], ["rollout 'demo' undo\n", '', 0])
    const ro = await getJson()
    assert.equal(ro.spec.template.spec.containers[0].image, images.v1)
    assert.deepEqual(ro.spec.template.metadata.labels, { app: 'demo' })
    const again = await plugin('undo', 'demo', '--to-revision=1')
    assert.deepEqual([again.stdout, again.code], ['skipped rollback (current template already matches revision 1)', 0])
    const missing = await plugin('undo', 'demo', '--to-revision=7')
    assert.deepEqual([missing.stderr, missing.code], ['Error: unable to find specified revision 7 in history\n', 1])
    // The spec changed (generation 1 → more) and no controller has observed it yet: Argo's phase says so.
    const st = await plugin('status', 'demo', '--watch=false')
    assert.deepEqual([st.stdout, st.code], ['Progressing - waiting for rollout spec update to be observed\n', 0])
  })

  test('errors as Argo prints them: not found, usage, unknown command', async () => {
    let r = await plugin('get', 'rollout', 'nope')
    assert.deepEqual([r.stdout, r.stderr, r.code], ['', 'Error: rollout.argoproj.io "nope" not found\n', 1])
    r = await plugin('promote', 'nope')
    assert.deepEqual([r.stdout, r.stderr, r.code], ['', 'Error: rollouts.argoproj.io "nope" not found\n', 1])
    r = await plugin('promote')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^Usage:\n  kubectl-argo-rollouts promote ROLLOUT_NAME \[flags\]\n/)
    r = await plugin('frobnicate')
    assert.deepEqual([r.stderr, r.code], ['Error: unknown command "frobnicate" for "kubectl-argo-rollouts"\nRun \'kubectl-argo-rollouts --help\' for usage.\n', 1])
  })
})

function rollout(image: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: demo
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
      - name: demo
        image: ${image}
`
}

function replicaSet(hash: string, revision: string, image: string, uid: string): string {
  return `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: demo-${hash}
  labels:
    app: demo
    rollouts-pod-template-hash: ${hash}
  annotations:
    rollout.argoproj.io/revision: "${revision}"
  ownerReferences:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    name: demo
    uid: ${uid}
    controller: true
    blockOwnerDeletion: true
spec:
  replicas: 1
  selector:
    matchLabels:
      app: demo
      rollouts-pod-template-hash: ${hash}
  template:
    metadata:
      labels:
        app: demo
        rollouts-pod-template-hash: ${hash}
    spec:
      containers:
      - name: demo
        image: ${image}
`
}

describe('kubectl argo rollouts with kubelite’s Rollout controller: a canary promoted step by step', () => {
  let c: Cluster
  let plugin: (...args: string[]) => Promise<RunResult>
  const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: c.kubeconfig })

  before(async () => {
    c = await startCluster()
    plugin = (...args) =>
      new Promise((resolve) => {
        const p = spawn(kubectlBin, ['argo', 'rollouts', ...args], { cwd: c.dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        p.stdout.on('data', (d) => (stdout += d))
        p.stderr.on('data', (d) => (stderr += d))
        p.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }))
      })
  })
  after(async () => {
    await c?.destroy()
  })

  /** Waits until the Rollout's status satisfies `ok` (the controller's work), up to 60 s. */
  async function until(what: string, ok: (status: Record<string, any>) => boolean): Promise<Record<string, any>> {
    const deadline = Date.now() + 60_000
    for (;;) {
      const ro = JSON.parse(await c.k('get', 'rollout', 'canary', '-o', 'json'))
      if (ro.status && ro.metadata.generation === Number(ro.status.observedGeneration) && ok(ro.status)) return ro.status
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(ro.status)}\n${(await plugin('get', 'rollout', 'canary', '--no-color')).stdout}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  const header = (out: string) => out.split('\n\n')[0]

  test('status waits for Healthy; set image starts the canary; promote walks its steps; abort, retry, promote --full and undo', async () => {
    await c.k('apply', '-f', c.file('canary.yaml', canaryRollout('gcr.io/google-samples/kubernetes-bootcamp:v1')))
    let r = await plugin('status', 'canary', '--timeout', '60s')
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'Healthy')

    r = await plugin('set', 'image', 'canary', 'canary=jocatalin/kubernetes-bootcamp:v2')
    assert.deepEqual([r.stdout, r.code], ['rollout "canary" image updated\n', 0])
    await until('the first pause', (s) => s.phase === 'Paused' && s.currentStepIndex === 1)
    r = await plugin('get', 'rollout', 'canary', '--no-color')
    assert.equal(r.code, 0, r.stderr)
    assert.match(header(r.stdout), /^Status: {10}॥ Paused\nMessage: {9}CanaryPauseStep\nStrategy: {8}Canary\n {2}Step: {10}1\/4\n {2}SetWeight: {5}50\n/m)
    assert.match(header(r.stdout), /^Images: {10}gcr\.io\/google-samples\/kubernetes-bootcamp:v1 \(stable\)\n {17}jocatalin\/kubernetes-bootcamp:v2 \(canary\)\n/m)
    assert.match(r.stdout, /├──# revision:2 *\n│  └──⧉ canary-[a-z0-9]+ +ReplicaSet +✔ Healthy +\S+ +canary\n/)
    assert.match(r.stdout, /└──# revision:1 *\n {3}└──⧉ canary-[a-z0-9]+ +ReplicaSet +✔ Healthy +\S+ +stable\n/)
    r = await plugin('status', 'canary', '--watch=false')
    assert.deepEqual([r.stdout, r.code], ['Paused - CanaryPauseStep\n', 0])

    r = await plugin('promote', 'canary')
    assert.deepEqual([r.stdout, r.code], ["rollout 'canary' promoted\n", 0])
    await until('the second pause', (s) => s.phase === 'Paused' && s.currentStepIndex === 3)
    assert.match(header((await plugin('get', 'rollout', 'canary', '--no-color')).stdout), /\n {2}Step: {10}3\/4\n {2}SetWeight: {5}75\n/)

    r = await plugin('abort', 'canary')
    assert.deepEqual([r.stdout, r.code], ["rollout 'canary' aborted\n", 0])
    await until('the abort', (s) => s.phase === 'Degraded')
    r = await plugin('status', 'canary', '--watch=false')
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^Degraded\n$/)
    assert.match(r.stderr, /^Error: The rollout is in a degraded state with message: RolloutAborted: /)
    assert.match(header((await plugin('get', 'rollout', 'canary', '--no-color')).stdout), /\n {2}SetWeight: {5}0\n/)

    r = await plugin('retry', 'rollout', 'canary')
    assert.deepEqual([r.stdout, r.code], ["rollout 'canary' retried\n", 0])
    await until('the retry back at the first pause', (s) => s.phase === 'Paused' && s.currentStepIndex === 1 && !s.abort)

    r = await plugin('promote', 'canary', '--full')
    assert.deepEqual([r.stdout, r.code], ["rollout 'canary' fully promoted\n", 0])
    r = await plugin('status', 'canary', '--timeout', '60s')
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'Healthy')
    r = await plugin('get', 'rollout', 'canary', '--no-color')
    assert.match(header(r.stdout), /^Status: {10}✔ Healthy\nStrategy: {8}Canary\n {2}Step: {10}4\/4\n {2}SetWeight: {5}100\n {2}ActualWeight: {2}100\nImages: {10}jocatalin\/kubernetes-bootcamp:v2 \(stable\)\n/m)

    // undo: revision 1's template comes back; the controller gives its ReplicaSet revision 3.
    r = await plugin('undo', 'canary')
    assert.deepEqual([r.stdout, r.stderr, r.code], ["rollout 'canary' undo\n", '', 0])
    assert.equal(JSON.parse(await c.k('get', 'rollout', 'canary', '-o', 'json')).spec.template.spec.containers[0].image, 'gcr.io/google-samples/kubernetes-bootcamp:v1')
    await until('the rollback’s first pause', (s) => s.phase === 'Paused' && s.currentStepIndex === 1)
    r = await plugin('get', 'rollout', 'canary', '--no-color')
    assert.match(r.stdout, /├──# revision:3 *\n│  └──⧉ canary-[a-z0-9]+ +ReplicaSet +✔ Healthy +\S+ +canary\n/)
    assert.match(header(r.stdout), /^Images: {10}gcr\.io\/google-samples\/kubernetes-bootcamp:v1 \(canary\)\n {17}jocatalin\/kubernetes-bootcamp:v2 \(stable\)\n/m)
  })
})

function canaryRollout(image: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
spec:
  replicas: 2
  selector:
    matchLabels:
      app: canary
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
      - setWeight: 75
      - pause: {}
  template:
    metadata:
      labels:
        app: canary
    spec:
      containers:
      - name: canary
        image: ${image}
`
}
