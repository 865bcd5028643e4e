// argoproj/rollouts-demo: the tags and what the program answers.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { freePort } from '../lib/net.js'
import { planLaunch, resolveImage } from './registry.js'

test('rollouts-demo tags: six colors, bad- and slow- variants, latest; nothing else', () => {
  const blue = resolveImage('argoproj/rollouts-demo:blue')!
  assert.equal(blue.reference, 'docker.io/argoproj/rollouts-demo:blue')
  assert.deepEqual(blue.env, { COLOR: 'blue', ERROR_RATE: '', LATENCY: '' })
  assert.deepEqual(resolveImage('argoproj/rollouts-demo:bad-red')!.env, { COLOR: 'red', ERROR_RATE: '15', LATENCY: '' })
  assert.deepEqual(resolveImage('docker.io/argoproj/rollouts-demo:slow-purple')!.env, { COLOR: 'purple', ERROR_RATE: '', LATENCY: '2' })
  assert.equal(resolveImage('argoproj/rollouts-demo')!.env.COLOR, '')
  for (const t of ['pink', 'bad-latest', 'slow-', 'BLUE', 'bad-slow-blue']) assert.equal(resolveImage(`argoproj/rollouts-demo:${t}`), undefined, t)
  assert.equal(planLaunch(blue).kind, 'program')
})

async function run(env: Record<string, string>, fn: (base: string) => Promise<void>): Promise<void> {
  const port = await freePort()
  const img = resolveImage('argoproj/rollouts-demo:blue')!
  const child = spawn(process.execPath, [img.program!, '-listen-addr', `127.0.0.1:${port}`, '-termination-delay', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', (c) => (log += c))
  try {
    for (let end = Date.now() + 10_000; !log.includes('Started server on'); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) assert.fail(`not started: ${log}`)
    assert.match(log, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Started server on 127\.0\.0\.1:\d+\n/)
    await fn(`http://127.0.0.1:${port}`)
  } finally {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
}

test('rollouts-demo answers its color, fails as ERROR_RATE says, serves its page', async () => {
  await run({ COLOR: 'blue', ERROR_RATE: '', LATENCY: '' }, async (base) => {
    const r = await fetch(`${base}/color`)
    assert.equal(r.status, 200)
    assert.equal(await r.text(), '"blue"')
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8')
    const page = await fetch(`${base}/`)
    assert.match(await page.text(), /ARGO ROLLOUTS/)
    assert.equal((await fetch(`${base}/nope`)).status, 404)
    const forced = await fetch(`${base}/color`, { method: 'POST', body: JSON.stringify([{ color: 'blue', return500: 100 }]) })
    assert.equal(forced.status, 500)
    assert.equal(await forced.text(), '"blue"')
  })
  // bad-: ERROR_RATE=15 fails when rand.Intn(100) >= 15, as upstream: about 85% of requests.
  await run({ COLOR: 'red', ERROR_RATE: '15', LATENCY: '' }, async (base) => {
    let fails = 0
    for (let i = 0; i < 200; i++) if ((await fetch(`${base}/color`)).status === 500) fails++
    assert.ok(fails > 140 && fails < 195, `${fails} of 200 failed`)
  })
})
