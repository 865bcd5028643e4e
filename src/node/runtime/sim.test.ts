import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { builtinImages as images } from '../../images/index.js'
import { SimRuntime, simPullError } from './sim.js'
import { ImagePullError, type SandboxSpec } from './types.js'

const root = mkdtempSync(join(tmpdir(), 'kubelite-sim-'))
const sb = (i: number): SandboxSpec => ({ podUid: `u${i}`, podName: `pod-${i}`, namespace: 'default', podIP: `127.244.251.${i % 250}`, logDir: join(root, `pod-${i}`) })

test.after(() => rmSync(root, { recursive: true, force: true }))

test('image rule: built-ins as the process runtime, others pull unless they say doesnotexist/notfound', async () => {
  const rt = new SimRuntime({ images })
  assert.ok((await rt.pullImage('gcr.io/google-samples/kubernetes-bootcamp:v1')).imageID.startsWith('gcr.io/google-samples/kubernetes-bootcamp@sha256:'))
  assert.match((await rt.pullImage('quay.io/someone/app:1.2')).imageID, /^quay\.io\/someone\/app@sha256:[0-9a-f]{64}$/)
  assert.equal(simPullError('myorg/myapp:v3', images), undefined)
  for (const bad of ['gcr.io/google-samples/kubernetes-bootcamp:v10', 'nginx:1.161', 'doesnotexist', 'myorg/app:notfound', 'Upper']) {
    const err = await rt.pullImage(bad).catch((e: unknown) => e)
    assert.ok(err instanceof ImagePullError, bad)
  }
  assert.equal(
    simPullError('nginx:1.161', images),
    'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161": failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found',
  )
})

test('containers run after the start-up delay until stopped; exec built-ins; close stops all', async () => {
  const rt = new SimRuntime({ images, startDelayMs: 30 })
  const t0 = Date.now()
  const h = await rt.startContainer(sb(1), { name: 'c', image: 'nginx', env: { A: 'b' }, restartCount: 0 })
  assert.ok(Date.now() - t0 >= 25)
  assert.match(h.id, /^sim:\/\/[0-9a-f]{64}$/)
  assert.ok(existsSync(h.logPath))
  let text = ''
  const out = new PassThrough().on('data', (d) => (text += d))
  assert.equal(await rt.exec(sb(1), { name: 'c', image: 'nginx', env: { A: 'b' }, restartCount: 0 }, ['env'], { stdout: out }), 0)
  assert.match(text, /^PATH=.*\nHOSTNAME=pod-1\n/)
  assert.match(text, /\nPOD_IP=127\.244\.251\.1\nA=b\n/)
  await assert.rejects(rt.exec(sb(1), { name: 'c', image: 'nginx', env: {}, restartCount: 0 }, ['ls'], {}), /executable file not found in \$PATH/)
  const s = await h.stop(30)
  assert.equal(s.exitCode, 0)
  assert.equal(s.reason, 'Completed')
  assert.deepEqual(await rt.listRunning(), [])

  const others = await Promise.all([2, 3].map((i) => rt.startContainer(sb(i), { name: 'c', image: 'busybox', env: {}, restartCount: 0 })))
  const pending = rt.startContainer(sb(4), { name: 'c', image: 'busybox', env: {}, restartCount: 0 })
  await rt.close(30)
  for (const o of others) assert.equal((await o.exited).exitCode, 0)
  await assert.rejects(pending, /closed/)
})

test('cheap: 3000 containers start and stop quickly', async () => {
  const rt = new SimRuntime({ images, startDelayMs: 10, writeLogFiles: false })
  const t0 = Date.now()
  const handles = await Promise.all(Array.from({ length: 3000 }, (_, i) => rt.startContainer(sb(i), { name: 'c', image: 'registry.example/app:1', env: {}, restartCount: 0 })))
  await Promise.all(handles.map((h) => h.stop(1)))
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`)
})
