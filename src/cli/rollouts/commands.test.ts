// The commands as a user runs them, over HTTP: a small stand-in API server serves Argo's own plugin
// fixtures (discovery, get, list, watch, patch), and each test compares stdout, stderr and the exit
// code with what Argo's cmd tests expect (get_test.go, status_test.go, list_test.go, promote_test.go).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Writable } from 'node:stream'
import { CommanderError } from 'commander'
import { rolloutsCommand } from './commands.js'
import { allObjects, expected, loadFixture } from './testdata/fixtures.js'

type Obj = { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string; resourceVersion?: string }; [k: string]: unknown }

const resources: Record<string, { kind: string; gv: string }> = {
  pods: { kind: 'Pod', gv: 'v1' },
  replicasets: { kind: 'ReplicaSet', gv: 'apps/v1' },
  deployments: { kind: 'Deployment', gv: 'apps/v1' },
  rollouts: { kind: 'Rollout', gv: 'argoproj.io/v1alpha1' },
  experiments: { kind: 'Experiment', gv: 'argoproj.io/v1alpha1' },
  analysisruns: { kind: 'AnalysisRun', gv: 'argoproj.io/v1alpha1' },
}

/** A stand-in API server: discovery for the six resources, get/list/watch of `objects`, patches recorded. */
function fakeApi(objects: Obj[]) {
  const patches: { path: string; type: string; body: string }[] = []
  const watchers = new Set<{ resource: string; res: ServerResponse }>()
  let rv = 100
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/apis') return json(200, { groups: ['apps/v1', 'argoproj.io/v1alpha1'].map((gv) => ({ preferredVersion: { groupVersion: gv } })) })
    for (const gv of ['v1', 'apps/v1', 'argoproj.io/v1alpha1']) {
      if (url.pathname === (gv === 'v1' ? '/api/v1' : `/apis/${gv}`)) {
        const list = Object.entries(resources).filter(([, r]) => r.gv === gv)
        return json(200, { groupVersion: gv, resources: [...list.map(([name, r]) => ({ name, kind: r.kind, namespaced: true, verbs: ['get', 'list', 'watch', 'patch', 'update'] })), ...(gv.startsWith('argoproj') ? [{ name: 'rollouts/status', kind: 'Rollout', namespaced: true, verbs: ['patch'] }] : [])] })
      }
    }
    const m = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(url.pathname)
    if (!m) return json(404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' })
    const [, ns, resource, name, sub] = m
    const group = resources[resource].gv.includes('/') ? resources[resource].gv.split('/')[0] : ''
    const mine = objects.filter((o) => o.kind === resources[resource].kind && (!ns || o.metadata?.namespace === ns))
    if (req.method === 'GET' && name === undefined && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.flushHeaders()
      const w = { resource, res }
      watchers.add(w)
      res.on('close', () => watchers.delete(w))
      return
    }
    if (req.method === 'GET' && name === undefined) {
      const field = url.searchParams.get('fieldSelector')
      const items = field ? mine.filter((o) => `metadata.name=${o.metadata?.name}` === field) : mine
      return json(200, { kind: 'List', metadata: { resourceVersion: String(rv) }, items })
    }
    const obj = mine.find((o) => o.metadata?.name === name)
    if (!obj) return json(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `${resource}${group ? '.' + group : ''} "${name}" not found` })
    if (req.method === 'GET') return json(200, obj)
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      patches.push({ path: `${resource}/${name}${sub ? '/' + sub : ''}`, type: String(req.headers['content-type']), body })
      json(200, obj)
    })
  })
  return {
    patches,
    async start(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    },
    /** Sends a watch event to the watchers of that resource. */
    emit(type: string, obj: Obj) {
      const resource = Object.entries(resources).find(([, r]) => r.kind === obj.kind)![0]
      obj.metadata!.resourceVersion = String(++rv)
      for (const w of watchers) if (w.resource === resource) w.res.write(JSON.stringify({ type, object: obj }) + '\n')
    },
    close: () =>
      new Promise<void>((r) => {
        for (const w of watchers) w.res.destroy()
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelite-rollouts-cli-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

class Capture extends Writable {
  text = ''
  onWrite?: (text: string) => void
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString()
    this.onWrite?.(this.text)
    cb()
  }
}

/** Runs the plugin with `args` against the server; kubeconfig context namespace `ns`. */
async function plugin(server: string, ns: string, args: string[], opts: { signal?: AbortSignal; out?: Capture } = {}) {
  const kubeconfig = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`)
  writeFileSync(
    kubeconfig,
    JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: ns } }], 'current-context': 'x' }),
  )
  const out = opts.out ?? new Capture()
  const err = new Capture()
  process.exitCode = 0
  let code: number | string | undefined
  try {
    await rolloutsCommand('kubectl-argo-rollouts', { out, err, env: { TERM: 'xterm' }, signal: opts.signal, exitOverride: true }).parseAsync(['node', 'kubectl-argo-rollouts', ...args, '--kubeconfig', kubeconfig])
    code = process.exitCode
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    code = e.exitCode
  }
  process.exitCode = 0
  return { stdout: out.text, stderr: err.text, code }
}

const stripTrailing = (s: string) => s.split('\n').map((l) => l.replace(/ +$/, '')).join('\n')

test('get rollout NAME --no-color over HTTP prints what Argo prints (TestGetCanaryRollout); not found as its lister says it', async () => {
  const api = fakeApi(allObjects(loadFixture('canary', new Date())))
  const url = await api.start()
  try {
    const r = await plugin(url, 'jesse-test', ['get', 'rollout', 'canary-demo', '--no-color'])
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    assert.equal(stripTrailing(r.stdout), stripTrailing(expected('TestGetCanaryRollout')))
    // The aliases, and -n.
    const ro = await plugin(url, 'default', ['get', 'ro', 'canary-demo', '--no-color', '-n', 'jesse-test'])
    assert.equal(ro.stdout, r.stdout)
    const missing = await plugin(url, 'jesse-test', ['get', 'rollout', 'does-not-exist'])
    assert.deepEqual([missing.stdout, missing.stderr, missing.code], ['', 'Error: rollout.argoproj.io "does-not-exist" not found\n', 1])
    const watchMissing = await plugin(url, 'jesse-test', ['get', 'rollout', 'does-not-exist', '-w'])
    assert.deepEqual([watchMissing.stdout, watchMissing.stderr, watchMissing.code], ['', 'Error: rollout.argoproj.io "does-not-exist" not found\n', 1])
    const usage = await plugin(url, 'jesse-test', ['get', 'rollout'])
    assert.equal(usage.code, 1)
    assert.match(usage.stderr, /^Usage:\n  kubectl-argo-rollouts get rollout ROLLOUT_NAME \[flags\]\n\nAliases:\n  rollout, ro, rollouts\n\nExamples:\n/)
    assert.equal(usage.stdout, '')
    // cobra's usage of a command with subcommands (Argo's TestListCmdUsage), and -h on stdout.
    const list = await plugin(url, 'jesse-test', ['list'])
    assert.match(list.stderr, /^Usage:\n  kubectl-argo-rollouts list <rollout\|experiment> \[flags\]\n  kubectl-argo-rollouts list \[command\]\n/)
    assert.match(list.stderr, /\nAvailable Commands:\n  experiments List experiments\n  rollouts    List rollouts\n\nFlags:\n  -h, --help   help for list\n\nGlobal Flags:\n/)
    assert.match(list.stderr, /\nUse "kubectl-argo-rollouts list \[command\] --help" for more information about a command\.\n$/)
    const help = await plugin(url, 'jesse-test', ['promote', '--help'])
    assert.match(help.stdout, /^Promote a rollout\n\nPromotes a rollout paused at a canary step, or a paused blue-green pre-promotion\.\n/)
    assert.match(help.stdout, /\nFlags:\n {6}--full   Perform a full promotion, skipping analysis, pauses, and steps\n  -h, --help   help for promote\n\nGlobal Flags:\n {6}--as string {22}Username to impersonate/)
  } finally {
    await api.close()
  }
})

test('get rollout --watch redraws (clear screen, then the tree) when a watched object changes, and stops at --timeout-seconds', async () => {
  const f = loadFixture('blue-green', new Date())
  const api = fakeApi(allObjects(f))
  const url = await api.start()
  try {
    const out = new Capture()
    let changed = false
    out.onWrite = (text) => {
      // After the first draw: the controller promotes (the preview becomes active, the phase Healthy).
      if (!changed && text.includes('bluegreen-demo')) {
        changed = true
        const ro = structuredClone(f.rollouts[0]) as unknown as Obj & { status: Record<string, unknown> }
        ro.status.phase = 'Healthy'
        ro.status.message = ''
        setTimeout(() => api.emit('MODIFIED', ro), 50)
      }
    }
    const started = Date.now()
    const r = await plugin(url, 'jesse-test', ['get', 'rollout', 'bluegreen-demo', '--no-color', '-w', '--timeout-seconds', '2'], { out })
    assert.equal(r.code, 0)
    assert.ok(Date.now() - started >= 1900, 'ran until the timeout')
    const frames = r.stdout.split('\x1b[H\x1b[2J\x1b[0;0H').slice(1)
    assert.ok(frames.length >= 2, `redrew: ${frames.length} frames`)
    assert.equal(stripTrailing(frames[0]), stripTrailing(expected('TestGetBlueGreenRollout')))
    assert.match(frames.at(-1)!, /^Status: {10}✔ Healthy\n/m)
    assert.doesNotMatch(frames.at(-1)!, /Message:/)
  } finally {
    await api.close()
  }
})

test("status: Argo's lines and errors (TestStatusBlueGreenRollout, InvalidRollout, AbortedRollout, timeout)", async () => {
  for (const [fixture, name, args, stdout, stderr, code] of [
    ['blue-green', 'bluegreen-demo', ['--watch=false'], 'Paused - BlueGreenPause\n', '', 0],
    [
      'rollout-invalid',
      'rollout-invalid',
      ['--watch=false'],
      'Degraded\n',
      'Error: The rollout is in a degraded state with message: InvalidSpec: The Rollout "rollout-invalid" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"doesnt-match"}: `selector` does not match template `labels`\n',
      1,
    ],
    ['rollout-aborted', 'rollout-background-analysis', ['--watch=false'], 'Degraded\n', 'Error: The rollout is in a degraded state with message: RolloutAborted: metric "web" assessed Failed due to failed (1) > failureLimit (0)\n', 1],
    ['rollout-aborted', 'rollout-background-analysis', [], 'Degraded - RolloutAborted: metric "web" assessed Failed due to failed (1) > failureLimit (0)\n', 'Error: The rollout is in a degraded state with message: RolloutAborted: metric "web" assessed Failed due to failed (1) > failureLimit (0)\n', 1],
    ['blue-green', 'bluegreen-demo', ['--timeout=1s'], 'Paused - BlueGreenPause\n', 'Error: Rollout status watch exceeded timeout\n', 1],
    ['blue-green', 'does-not-exist', ['--watch=false'], '', 'Error: rollout.argoproj.io "does-not-exist" not found\n', 1],
  ] as const) {
    const f = loadFixture(fixture, new Date())
    const api = fakeApi(allObjects(f))
    const url = await api.start()
    try {
      const r = await plugin(url, f.rollouts[0].metadata.namespace!, ['status', name, ...args])
      assert.deepEqual([r.stdout, r.stderr, r.code], [stdout, stderr, code], `${fixture} ${args.join(' ')}`)
    } finally {
      await api.close()
    }
  }
})

test('status --watch prints each new status line and returns once the rollout is Healthy', async () => {
  const f = loadFixture('blue-green', new Date())
  const api = fakeApi(allObjects(f))
  const url = await api.start()
  try {
    const out = new Capture()
    out.onWrite = (text) => {
      if (text === 'Paused - BlueGreenPause\n') {
        const ro = structuredClone(f.rollouts[0]) as unknown as Obj & { status: Record<string, unknown> }
        Object.assign(ro.status, { phase: 'Progressing', message: 'active service cutover pending' })
        api.emit('MODIFIED', structuredClone(ro))
        Object.assign(ro.status, { phase: 'Healthy', message: '' })
        setTimeout(() => api.emit('MODIFIED', ro), 300)
      }
    }
    const r = await plugin(url, 'jesse-test', ['status', 'bluegreen-demo', '--timeout', '20s'], { out })
    assert.deepEqual([r.stdout, r.stderr, r.code], ['Paused - BlueGreenPause\nProgressing - active service cutover pending\nHealthy\n', '', 0])
  } finally {
    await api.close()
  }
})

test('promote, abort, retry, pause, restart go out as Argo sends them; messages as Argo prints them', async () => {
  const f = loadFixture('blue-green', new Date())
  const api = fakeApi(allObjects(f))
  const url = await api.start()
  try {
    const run = (...args: string[]) => plugin(url, 'jesse-test', args)
    assert.deepEqual(await run('promote', 'bluegreen-demo'), { stdout: "rollout 'bluegreen-demo' promoted\n", stderr: '', code: 0 })
    assert.deepEqual(await run('promote', 'bluegreen-demo', '--full'), { stdout: "rollout 'bluegreen-demo' fully promoted\n", stderr: '', code: 0 })
    assert.deepEqual(await run('abort', 'bluegreen-demo'), { stdout: "rollout 'bluegreen-demo' aborted\n", stderr: '', code: 0 })
    assert.deepEqual(await run('retry', 'rollout', 'bluegreen-demo'), { stdout: "rollout 'bluegreen-demo' retried\n", stderr: '', code: 0 })
    assert.deepEqual(await run('pause', 'bluegreen-demo'), { stdout: "rollout 'bluegreen-demo' paused\n", stderr: '', code: 0 })
    assert.deepEqual(await run('restart', 'bluegreen-demo', '--in', '10s'), { stdout: "rollout 'bluegreen-demo' restarts in 10s\n", stderr: '', code: 0 })
    assert.deepEqual(
      api.patches.map((p) => [p.path, p.type, p.body.replace(/"restartAt": "[^"]+"/, '"restartAt": "T"')]),
      [
        ['rollouts/bluegreen-demo/status', 'application/merge-patch+json', '{"status":{"pauseConditions":null}}'],
        ['rollouts/bluegreen-demo/status', 'application/merge-patch+json', '{"status":{"promoteFull":true}}'],
        ['rollouts/bluegreen-demo/status', 'application/merge-patch+json', '{"status":{"abort":true}}'],
        ['rollouts/bluegreen-demo/status', 'application/merge-patch+json', '{"status":{"abort":false}}'],
        ['rollouts/bluegreen-demo', 'application/merge-patch+json', '{"spec":{"paused":true}}'],
        ['rollouts/bluegreen-demo', 'application/merge-patch+json', '{\n\t"spec": {\n\t\t"restartAt": "T"\n\t}\n}'],
      ],
    )
    assert.deepEqual(await run('promote', 'doesnotexist'), { stdout: '', stderr: 'Error: rollouts.argoproj.io "doesnotexist" not found\n', code: 1 })
    assert.deepEqual(await run('promote', 'bluegreen-demo', '-c', '--skip-all-steps'), {
      stdout: '',
      stderr:
        'Flag shorthand -c has been deprecated, use without the flag instead ex: promote ROLLOUT_NAME\nFlag --skip-current-step has been deprecated, use without the flag instead ex: promote ROLLOUT_NAME\nFlag --skip-all-steps has been deprecated, use --full instead\nError: Cannot use skip-current-step and skip-all-steps flags at the same time\n',
      code: 1,
    })
  } finally {
    await api.close()
  }
})

test("list rollouts: Argo's table; No resources found. on stderr when there are none", async () => {
  const f = loadFixture('canary', new Date())
  const api = fakeApi(allObjects(f))
  const url = await api.start()
  try {
    const r = await plugin(url, 'jesse-test', ['list', 'rollouts', '--name', 'canary-demo'])
    assert.equal(r.stderr, '')
    assert.equal(
      r.stdout,
      'NAME         STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\ncanary-demo  Canary     Degraded      0/8   20          5/6    5        1           5        \n',
    )
    assert.deepEqual(await plugin(url, 'nowhere', ['list', 'rollouts']), { stdout: '', stderr: 'No resources found.\n', code: 0 })
  } finally {
    await api.close()
  }
})

test("list rollouts --watch: the table, then a line only for a change that alters one (Argo's TestListWithWatch)", async () => {
  const can = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'can-guestbook', namespace: 'test' }, spec: { replicas: 5, strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: 60 } }, { setWeight: 20 }] } } }, status: { currentStepIndex: 1, replicas: 4, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 2 } }
  const bg = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'bg-guestbook', namespace: 'test' }, spec: { replicas: 5, strategy: { blueGreen: {} } }, status: { currentStepIndex: 1, replicas: 4, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 2 } }
  const api = fakeApi([bg, can])
  const url = await api.start()
  const ac = new AbortController()
  try {
    const out = new Capture()
    let sent = false
    out.onWrite = (text) => {
      if (!sent && text.includes('can-guestbook')) {
        sent = true
        // Give the watch a moment to be open, then: two unchanged objects, one changed.
        setTimeout(() => {
          api.emit('MODIFIED', structuredClone(can))
          api.emit('MODIFIED', structuredClone(bg))
          api.emit('MODIFIED', { ...structuredClone(can), status: { ...can.status, availableReplicas: 3 } })
        }, 300)
      }
      if (text.split('\n').length > 4) ac.abort()
    }
    const r = await plugin(url, 'test', ['list', 'rollouts', '--watch'], { out, signal: ac.signal })
    assert.equal(r.stderr, '')
    assert.equal(
      r.stdout,
      'NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\nbg-guestbook   BlueGreen  Progressing   -     -           1/4    5        3           2        \ncan-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \ncan-guestbook  Canary     Progressing   1/3   10          1/4    5        3           3        \n',
    )
  } finally {
    await api.close()
  }
})

test('terminate analysisrun / experiment patch spec.terminate as Argo does, with its messages', async () => {
  const api = fakeApi(allObjects(loadFixture('experiment-analysis', new Date())))
  const url = await api.start()
  try {
    const ar = await plugin(url, 'jesse-test', ['terminate', 'ar', 'rollout-experiment-analysis-random-fail-6f646bf7b7-skqcr'])
    assert.deepEqual(ar, { stdout: "analysisRun 'rollout-experiment-analysis-random-fail-6f646bf7b7-skqcr' terminated\n", stderr: '', code: 0 })
    const exp = await plugin(url, 'jesse-test', ['terminate', 'experiment', 'rollout-experiment-analysis-6f646bf7b7-1-vcv27'])
    assert.deepEqual(exp, { stdout: "experiment 'rollout-experiment-analysis-6f646bf7b7-1-vcv27' retried\n", stderr: '', code: 0 })
    assert.deepEqual(
      api.patches.map((p) => [p.path, p.type, p.body]),
      [
        ['analysisruns/rollout-experiment-analysis-random-fail-6f646bf7b7-skqcr', 'application/merge-patch+json', '{"spec":{"terminate":true}}'],
        ['experiments/rollout-experiment-analysis-6f646bf7b7-1-vcv27', 'application/merge-patch+json', '{"spec":{"terminate":true}}'],
      ],
    )
  } finally {
    await api.close()
  }
})
