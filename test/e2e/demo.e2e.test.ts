// `kubelite demo` run non-interactively against one cluster, as `npm run docs` runs it: each demo
// must keep its own promises (exit 0), print the seed's key lines, and regenerate the committed
// tutorials in docs/tutorials/ — anything but names, ages, addresses and hashes drifting fails.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { normalizeRun } from '../../src/cli/demo/normalize.js'
import { kubectlBin, startCluster, until, type Cluster } from './harness.js'

const root = new URL('../..', import.meta.url).pathname

/** `kubelite demo NAME --yes` against the cluster, recording into `out` when given; interrupted after `limitMs`. */
function demo(c: Cluster, name: string, out?: string, limitMs = 240_000): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    // HOME: kubectl's discovery cache stays this cluster's own.
    const child = spawn(process.execPath, [join(root, 'bin', 'kubelite.js'), 'demo', name, '--yes', '--kubeconfig', c.kubeconfig, ...(out ? ['--record', out] : [])], {
      cwd: root,
      env: { ...process.env, KUBECTL: kubectlBin, HOME: c.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stdout += d))
    const timer = setTimeout(() => child.kill('SIGINT'), limitMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stdout })
    })
  })
}

function assertSameTutorial(out: string, file: string): void {
  const fresh = normalizeRun(readFileSync(join(out, file), 'utf8'))
  const committed = normalizeRun(readFileSync(join(root, 'docs', 'tutorials', file), 'utf8'))
  assert.equal(fresh, committed, `docs/tutorials/${file} drifted: run \`npm run docs\` and review the change`)
}

describe('kubelite demo, and the tutorials it records', () => {
  let c: Cluster
  let out: string
  before(async () => {
    c = await startCluster()
    out = join(c.dir, 'tutorials')
    mkdirSync(out)
  })
  after(async () => {
    await c?.destroy()
  })

  test('rolling-update: the seed’s event sequence, v2 after set image, v1 after undo, v2 after a second undo', async () => {
    const r = await demo(c, 'rolling-update', out)
    assert.equal(r.code, 0, r.stdout)
    const scaled = [...r.stdout.matchAll(/Scaled (up|down) replica set kubernetes-bootcamp-(\w+) from (\d+) to (\d+)/g)].map((m) => `${m[1]} ${m[4]}`)
    assert.deepEqual(scaled.slice(0, 9), ['up 4', 'up 1', 'down 3', 'up 2', 'down 2', 'up 3', 'down 1', 'up 4', 'down 0'])
    const curls = r.stdout.split('$ curl ').slice(1).map((block) => [...new Set([...block.matchAll(/\| (v=\d)$/gm)].map((m) => m[1]))].join())
    assert.deepEqual(curls, ['v=1', 'v=2', 'v=1', 'v=2'])
    assert.match(r.stdout, /REVISION {2}CHANGE-CAUSE\n3 +<none>\n4 +<none>/)
    assertSameTutorial(out, 'rolling-update.md')
    assertSameTutorial(out, 'rolling-update.ko.md')
  })

  test('canary: 2 in 3 answers from v0.1 with one canary pod, none at 0, half at 2, all v0.2 after promotion', async () => {
    const r = await demo(c, 'canary', out)
    assert.equal(r.code, 0, r.stdout)
    const shares = [...r.stdout.matchAll(/→ (.*)$/gm)].map((m) => m[1].trim())
    assert.deepEqual(shares, ['v0.1 ×20 (67%)   v0.2 ×10 (33%)', 'v0.1 ×10 (100%)', 'v0.1 ×20 (50%)   v0.2 ×20 (50%)', 'v0.2 ×10 (100%)'])
    assertSameTutorial(out, 'canary.md')
    assertSameTutorial(out, 'canary.ko.md')
  })

  test('rolling-update live, with the background client: 0 of its requests fail through both rollouts and undos', async () => {
    const r = await demo(c, 'rolling-update')
    assert.equal(r.code, 0, r.stdout)
    const done = /a client sent (\d+) requests to the Service .*: (\d+) failed\./.exec(r.stdout)
    assert.ok(done, r.stdout)
    assert.ok(Number(done[1]) > 50, `the background client ran: ${done[1]} requests`)
    assert.equal(done[2], '0')
    assert.match(r.stdout, /requests \d+ \(v=1 \d+ · v=2 \d+\) · failed 0/) // the live view counted both versions
  })

  test('Ctrl-C removes what the demo created and exits 130', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'kubelite.js'), 'demo', 'rolling-update', '--yes', '--kubeconfig', c.kubeconfig], {
      cwd: root,
      env: { ...process.env, KUBECTL: kubectlBin, HOME: c.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((r) => child.on('close', r))
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('deployment.apps/kubernetes-bootcamp created')) resolve()
      })
    })
    child.kill('SIGINT')
    assert.equal(await exited, 130, out)
    assert.match(out, /Interrupted: removing what the demo created/)
    const gone = await c.kubectl(['get', 'deployment,service', 'kubernetes-bootcamp'])
    assert.match(gone.stderr, /NotFound/)
  })

  test('on a terminal: it pauses for Enter between steps, and Ctrl-C at a pause cleans up and exits 130', { timeout: 120_000 }, async () => {
    // script(1) gives the demo a terminal; what the test writes is typed into it.
    const cmd = `${process.execPath} ${join(root, 'bin', 'kubelite.js')} demo rolling-update --kubeconfig ${c.kubeconfig}`
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: root, env: { ...process.env, KUBECTL: kubectlBin, HOME: c.dir }, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('close', r))
    const prompts = (n: number) => until(`${n} prompts`, async () => ((out.match(/\[Enter\] next step/g) ?? []).length >= n ? true : undefined), 60_000)
    await prompts(1)
    assert.doesNotMatch(out, /\$ kubectl apply/) // it waits
    child.stdin.write('\r')
    await prompts(2)
    assert.match(out, /deployment\.apps\/kubernetes-bootcamp created/)
    child.stdin.write('\x03')
    assert.equal(await exited, 130, out)
    assert.match(out, /Interrupted: removing what the demo created/)
    assert.match((await c.kubectl(['get', 'deployment', 'kubernetes-bootcamp'])).stderr, /NotFound/)
  })

  test('blue-green: the live Service flips from v1 to v2 and back with one patch each', async () => {
    const r = await demo(c, 'blue-green', out)
    assert.equal(r.code, 0, r.stdout)
    const curls = r.stdout.split('$ curl ').slice(1).map((block) => [...new Set([...block.matchAll(/\| (v=\d)$/gm)].map((m) => m[1]))].join())
    assert.deepEqual(curls, ['v=1', 'v=1', 'v=2', 'v=1', 'v=2'])
    assertSameTutorial(out, 'blue-green.md')
    assertSameTutorial(out, 'blue-green.ko.md')
  })

  test('progressive-delivery: a third by pod count, exactly 10% then 50% by weight with the same pods, 20% at the Rollout’s pause, only stable after the judge aborts', async () => {
    // After the canary demo on this cluster: its leftovers (examples/canary) are removed first.
    const r = await demo(c, 'progressive-delivery', out, 420_000)
    assert.equal(r.code, 0, r.stdout)
    const shares = [...r.stdout.matchAll(/→ (.*)$/gm)].map((m) => m[1].trim())
    assert.deepEqual(shares, [
      'v0.1 ×200 (67%)   v0.2 ×100 (33%)',
      'v0.1 ×270 (90%)   v0.2 ×30 (10%)',
      'v0.1 ×150 (50%)   v0.2 ×150 (50%)',
      'blue ×240 (80%)   yellow ×60 (20%)',
      'yellow ×20 (100%)',
      'yellow ×300 (100%)',
    ])
    assert.match(r.stdout, /✓ rollouts-demo: Paused \(CanaryPauseStep\)\n[^]*?SetWeight: +20\n +ActualWeight: +20\n/)
    assert.match(r.stdout, /Status: +✖ Degraded\nMessage: +RolloutAborted: Rollout aborted update to revision 3: Step-based analysis phase error\/failed: Metric "canary-judge" assessed Failed due to failed \(1\) > failureLimit \(0\): "Error Message: score 0 \(Fail, critical metric failed\): error_rate High/)
    assert.match(r.stdout, /rollouts-demo-\w+-3-1 +Failed/)
    assertSameTutorial(out, 'progressive-delivery.md')
    assertSameTutorial(out, 'progressive-delivery.ko.md')
  })
})
