import { test } from 'node:test'
import assert from 'node:assert/strict'
import { normalizeRun } from './normalize.js'
import { checkAnswers, followsShare, renderPhase, renderSplit, shellQuote, tallyCommand, tallyLines, tutorial } from './run.js'
import { progressiveDelivery, rollingUpdate, scenarios } from './scenarios.js'
import { count, emptyTally, versionOf } from './traffic.js'
import { podDots, renderReplicaSets, renderTally } from './view.js'

test('answers are told apart by version, as the seeds read them', () => {
  assert.equal(versionOf('Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-5bf4d5689b-nqlrr | v=2\n'), 'v=2')
  assert.equal(versionOf('{"app version":"v0.1","client ip":"127.0.0.1:50000","header":{}}'), 'v0.1')
  assert.equal(versionOf('404 page not found'), undefined)
  assert.equal(versionOf('"yellow"'), 'yellow') // argoproj/rollouts-demo's GET /color
  assert.equal(versionOf('Internal Server Error'), undefined)
})

test('a weighted split is checked within so many points, every version counted (one that should get 0% too)', () => {
  const t = emptyTally()
  for (let i = 0; i < 300; i++) count(t, { ok: true, text: '', version: i % 10 === 0 ? 'v0.2' : 'v0.1' })
  assert.ok(followsShare(t, { 'v0.1': 90, 'v0.2': 10 }, 3))
  assert.ok(!followsShare(t, { 'v0.1': 67, 'v0.2': 33 }, 3), 'a pod-count split is not a 10% weight')
  assert.ok(!followsShare(t, { 'v0.1': 100 }, 3), 'answers from a version that should get none')
  count(t, { ok: true, text: '', version: 'v0.3' })
  assert.ok(followsShare(t, { 'v0.1': 90, 'v0.2': 10 }, 3), 'one stray answer in 301 is within 3 points')
  assert.equal(renderSplit({ blue: 80, yellow: 20 }), 'blue 80% / yellow 20%')
})

test('tallies are shown as the shell line that would count them: by "app version", or by rollouts-demo’s color', () => {
  const t = emptyTally()
  for (const v of ['yellow', 'blue', 'blue']) count(t, { ok: true, text: '', version: v })
  assert.equal(tallyCommand(300, '127.96.0.20:80/color', '/color'), 'for i in $(seq 300); do curl -s 127.96.0.20:80/color; echo; done | sort | uniq -c')
  assert.deepEqual(tallyLines(t, '/color'), ['      2 "blue"', '      1 "yellow"'])
  assert.equal(tallyCommand(30, '127.0.0.1:30880'), `for i in $(seq 30); do curl -s 127.0.0.1:30880; echo; done | grep -o '"app version":"[^"]*"' | sort | uniq -c`)
  assert.deepEqual(tallyLines(t).slice(0, 1), ['      2 "app version":"blue"'])
})

test('a Rollout’s state as the demo prints it after waiting for a phase', () => {
  assert.equal(renderPhase('rollouts-demo', { phase: 'Paused', message: 'CanaryPauseStep' }), 'rollouts-demo: Paused (CanaryPauseStep)')
  assert.equal(renderPhase('rollouts-demo', { phase: 'Healthy' }), 'rollouts-demo: Healthy')
  assert.equal(renderPhase('rollouts-demo', undefined), 'rollouts-demo: (no status yet)')
})

test('the progressive-delivery demo: listed, its manifests exist, its story in order (pod count, weights, Rollout, rollback)', async () => {
  const { existsSync } = await import('node:fs')
  assert.equal(scenarios['progressive-delivery'], progressiveDelivery)
  const root = new URL('../../../', import.meta.url)
  for (const dir of [progressiveDelivery.examples, ...(progressiveDelivery.alsoExamples ?? [])]) assert.ok(existsSync(new URL(`examples/${dir}/`, root)), dir)
  for (const s of progressiveDelivery.steps)
    if (s.kind === 'kubectl') for (const a of s.args) if (a.startsWith('examples/')) assert.ok(existsSync(new URL(a, root)), a)
  const shares = progressiveDelivery.steps.flatMap((s) => (s.kind === 'curl' && s.share ? [s.share] : []))
  assert.deepEqual(shares, [{ 'v0.1': 67, 'v0.2': 33 }, { 'v0.1': 90, 'v0.2': 10 }, { 'v0.1': 50, 'v0.2': 50 }, { blue: 80, yellow: 20 }])
  const phases = progressiveDelivery.steps.flatMap((s) => (s.kind === 'rolloutPhase' ? [s.phase + (s.load ? '+load' : '')] : []))
  assert.deepEqual(phases, ['Healthy', 'Paused', 'Healthy', 'Degraded+load'])
  for (const s of progressiveDelivery.steps) if ('text' in s && s.text) assert.ok(s.text.en && s.text.ko, JSON.stringify(s))
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
  assert.equal(
    normalizeRun('score 0 (Fail, critical metric failed): error_rate High (canary 0.8796, stable 0), p99_latency Pass (canary 4.232, stable 6.483)'),
    'score 0 (Fail, critical metric failed): error_rate High (canary N, stable N), p99_latency CLASS (canary N, stable N)',
  )
})
