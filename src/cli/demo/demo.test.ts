import { test } from 'node:test'
import assert from 'node:assert/strict'
import { normalizeRun } from './normalize.js'
import { checkAnswers, shellQuote, tutorial } from './run.js'
import { rollingUpdate } from './scenarios.js'
import { count, emptyTally, versionOf } from './traffic.js'
import { podDots, renderReplicaSets, renderTally } from './view.js'

test('answers are told apart by version, as the seeds read them', () => {
  assert.equal(versionOf('Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-5bf4d5689b-nqlrr | v=2\n'), 'v=2')
  assert.equal(versionOf('{"app version":"v0.1","client ip":"127.0.0.1:50000","header":{}}'), 'v0.1')
  assert.equal(versionOf('404 page not found'), undefined)
})

test('a step’s promise: only the expected versions, all of them, and no failure', () => {
  const t = emptyTally()
  for (const v of ['v=1', 'v=1']) count(t, { ok: true, text: '', version: v })
  assert.deepEqual(checkAnswers(t, ['v=1'], 'en'), [])
  assert.deepEqual(checkAnswers(t, ['v=2'], 'en'), ['✗ expected answers from v=2 only'])
  assert.deepEqual(checkAnswers(t, ['v=1', 'v=2'], 'en'), ['✗ expected answers from v=1, v=2'])
  count(t, { ok: false, text: 'ECONNRESET' })
  assert.deepEqual(checkAnswers(t, ['v=1'], 'ko'), ['✗ 요청 1개 실패'])
})

test('the live view: ReplicaSets with pods as dots (ready, starting, terminating), then the traffic', () => {
  assert.equal(podDots([{ ready: false, terminating: true }, { ready: false, terminating: false }, { ready: true, terminating: false }]), '●○✕')
  const lines = renderReplicaSets(
    [
      {
        name: 'web',
        desired: 2,
        complete: false,
        replicaSets: [
          { name: 'web-6bf84cb898', revision: '1', image: 'app:v1', pods: [{ ready: true, terminating: false }, { ready: true, terminating: true }] },
          { name: 'web-5bf4d5689b', revision: '2', image: 'app:v2', pods: [{ ready: false, terminating: false }] },
          { name: 'web-77d9d9d9d9', revision: '0', image: 'app:v0', pods: [] },
        ],
      },
    ],
    'en',
  )
  assert.deepEqual(lines, ['  web-6bf84cb898  rev 1  app:v1  ●✕  1 ready · 1 terminating', '  web-5bf4d5689b  rev 2  app:v2  ○   1 starting'])
  const t = emptyTally()
  count(t, { ok: true, text: '', version: 'v=2' })
  count(t, { ok: false, text: 'ECONNRESET' })
  assert.equal(renderTally(t, 'ko'), '  요청 2 (v=2 1) · 실패 1')
})

test('commands are shown as a shell would need them typed', () => {
  assert.equal(shellQuote(['patch', 'service', 'bootcamp', '-p', '{"spec":{"selector":{"track":"green"}}}']), `patch service bootcamp -p '{"spec":{"selector":{"track":"green"}}}'`)
  assert.equal(shellQuote(["it's"]), `'it'\\''s'`)
})

test('a recorded run renders as a tutorial in either language; normalizing keeps only what runs share', () => {
  const md = tutorial(rollingUpdate, [{ text: { en: 'Hello.', ko: '안녕하세요.' } }, { lang: 'console', code: ['$ kubectl get pods', 'web-6bf84cb898-nqlrr   1/1   Running   0   12s   127.244.0.3'] }], 'ko')
  assert.match(md, /^# 롤링 업데이트와 rollout undo\n/)
  assert.match(md, /\n안녕하세요\.\n\n```console\n\$ kubectl get pods\n/)
  assert.equal(normalizeRun('web-6bf84cb898-nqlrr   1/1   Running   0   12s   127.244.0.3'), 'web-HASH-POD 1/1 Running 0 AGE IP')
  assert.equal(normalizeRun('Scaled up replica set kubernetes-bootcamp-5bf4d5689b from 0 to 1 (x2 over 3m2s)'), 'Scaled up replica set kubernetes-bootcamp-HASH from 0 to 1 (x2 over AGE)')
})
