// Graceful shutdown, as kube-apiserver's: SIGTERM stops accepting, ends watches, lets requests in
// flight finish (their writes get their answers), and only then stops the rest.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:https'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster, until, type Cluster } from './harness.js'

describe('graceful shutdown', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('a create in flight at SIGTERM completes with its answer, and the object is kept', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in-flight' }, data: { k: 'v' } })
    const req = request(`${c.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      ca: readFileSync(join(c.dataDir, 'pki', 'ca.crt')),
      headers: { authorization: `Bearer ${c.token()}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    })
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, body: text }))
      })
      req.on('error', reject)
    })
    // `100 Continue` comes from the server once it has the request's headers: the request is in
    // flight. Then the server is told to stop, and only then does the body arrive.
    await new Promise<void>((resolve) => req.once('continue', resolve))
    const stopped = c.stop()
    await until('kubelite to take the signal', async () => c.output().includes('SIGTERM received'))
    req.end(body)
    const got = await answer
    assert.equal(got.status, 201, got.body)
    assert.equal(JSON.parse(got.body).metadata.name, 'in-flight')
    assert.equal(await stopped, 0, 'a clean exit')
    assert.match(c.output(), /SIGTERM received, shutting down/)
    await c.restart()
    assert.match(await c.k('get', 'configmap', 'in-flight', '-o', 'name'), /configmap\/in-flight/)
  })

  test('a watch open at SIGTERM ends cleanly instead of being reset', async () => {
    let lines = 0
    const ended = new Promise<{ complete: boolean; lines: number }>((resolve, reject) => {
      const req = request(`${c.url}/api/v1/namespaces/default/configmaps?watch=true`, { ca: readFileSync(join(c.dataDir, 'pki', 'ca.crt')), headers: { authorization: `Bearer ${c.token()}` } })
      req.on('response', (res) => {
        res.on('data', (d: Buffer) => (lines += d.toString().split('\n').filter(Boolean).length))
        res.on('end', () => resolve({ complete: res.complete, lines }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    await until('the watch to deliver the existing objects', async () => lines > 0)
    const code = await c.stop()
    const result = await ended
    assert.equal(result.complete, true, 'the chunked response ended properly')
    assert.ok(result.lines > 0)
    assert.equal(code, 0)
    await c.restart()
  })

  test('a pod that ignores SIGTERM holds the shutdown only for the grace bound, and is named meanwhile', async () => {
    // A grace period of 4 s: the shutdown waits that long (then SIGKILL), saying for whom.
    await c.k('apply', '-f', c.file('stubborn.yaml', `apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 4
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sh, -c, "trap '' TERM; while true; do sleep 1; done"]
`))
    await c.k('wait', '--for=condition=Ready', 'pod/stubborn', '--timeout=60s')
    const code = await c.stop()
    assert.equal(code, 0)
    assert.match(c.output(), /kubelite: waiting for 1 pod to stop \(grace period, then SIGKILL\): default\/stubborn/)
    assert.match(c.output(), /kubelite: stopped/)
    await c.restart()
  })
})
