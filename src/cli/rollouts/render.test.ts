// Golden tests: Argo Rollouts' own plugin fixtures (testdata/) rendered by this plugin, compared
// byte for byte with the outputs Argo's tests expect (testdata/expected/*.txt, from
// cmd/get/get_test.go). Like Argo's assertStdout, trailing spaces are compared line by line without
// their end (Go's tabwriter pads the last column; one test checks those bytes too).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rfc3339 } from '../../lib/duration.js'
import { experimentInfo, rolloutInfo } from './info.js'
import { experimentTable, formatListLine, listHeaderFor, listLine, renderExperiment, renderRollout } from './render.js'
import { TabWriter } from './tabwriter.js'
import { expected, loadFixture, type Fixture } from './testdata/fixtures.js'
import type { Rollout } from './types.js'

const stripTrailing = (s: string) => s.split('\n').map((l) => l.replace(/ +$/, '')).join('\n')

function getRollout(f: Fixture, index: number, now: Date): string {
  const ro = f.rollouts[index]
  const workload = ro.spec.workloadRef?.kind === 'Deployment' ? f.deployments.find((d) => d.metadata?.name === ro.spec.workloadRef?.name) : undefined
  const ri = rolloutInfo({ rollout: ro, replicaSets: f.replicaSets, pods: f.pods, experiments: f.experiments, analysisRuns: f.analysisRuns, workload })
  return renderRollout(ri, { noColor: true, now })
}

const cases: [test: string, fixture: string, rollout: number][] = [
  ['TestGetBlueGreenRollout', 'blue-green', 0],
  ['TestGetCanaryRollout', 'canary', 0],
  ['TestGetCanaryPingPongRollout', 'canary', 3],
  ['TestExperimentRollout', 'experiment-analysis', 0],
  ['TestGetRolloutWithExperimentJob', 'experiment-step', 0],
  ['TestGetInvalidRollout', 'rollout-invalid', 0],
  ['TestGetAbortedRollout', 'rollout-aborted', 0],
]

for (const [name, fixture, index] of cases) {
  test(`get rollout --no-color matches Argo's ${name}`, () => {
    const now = new Date()
    const f = loadFixture(fixture, now)
    assert.equal(f.rollouts[index].metadata.name !== undefined, true)
    assert.equal(stripTrailing(getRollout(f, index, now)), stripTrailing(expected(name)))
  })
}

test("get rollout: scale-down delay in four hours and one that passed (Argo's ScaleDownDelay tests)", () => {
  for (const [name, offsetMs] of [
    ['TestGetBlueGreenRolloutScaleDownDelay', 4 * 3600_000],
    ['TestGetBlueGreenRolloutScaleDownDelayPassed', -3600_000],
  ] as const) {
    const now = new Date()
    const f = loadFixture('blue-green', now)
    // Argo's test edits its third ReplicaSet as its lister returns them: the preview one.
    const rs = f.replicaSets.find((r) => r.metadata?.name === 'bluegreen-demo-74b948fccb')!
    const deadline = new Date(Math.floor((now.getTime() + offsetMs) / 1000) * 1000)
    ;(rs.metadata!.annotations as Record<string, string>)['scale-down-deadline'] = rfc3339(deadline)
    delete (rs.metadata!.labels as Record<string, string>)['rollouts-pod-template-hash']
    assert.equal(stripTrailing(getRollout(f, 0, now)), stripTrailing(expected(name)), name)
  }
})

test("get experiment --no-color matches Argo's TestGetExperiment", () => {
  const now = new Date()
  const f = loadFixture('experiment-analysis', now)
  const out = renderExperiment(experimentInfo(f.experiments[0], f.replicaSets, f.analysisRuns, f.pods), { noColor: true, now })
  assert.equal(stripTrailing(out), stripTrailing(expected('TestGetExperiment')))
})

test('get rollout pads every cell as Go does: the exact bytes, trailing spaces included', () => {
  const now = new Date()
  const out = getRollout(loadFixture('rollout-invalid', now), 0, now)
  assert.equal(out.split('\n').at(-2), '⟳ rollout-invalid  Rollout  ✖ Degraded  7d   ')
  assert.match(out, /\n {2}Step: {10}\n/)
})

test('get rollout in colour: icons, tags and names wrapped in ANSI codes as Argo does, columns still aligned', () => {
  const now = new Date()
  const f = loadFixture('canary', now)
  const ri = rolloutInfo({ rollout: f.rollouts[0], replicaSets: f.replicaSets, pods: f.pods, experiments: [], analysisRuns: [] })
  const out = renderRollout(ri, { noColor: false, now })
  assert.match(out, /Status: {10}\x1b\[31m✖\x1b\[0m Degraded\n/)
  assert.match(out, /Images: {10}argoproj\/rollouts-demo:does-not-exist \(\x1b\[33mcanary\x1b\[0m\)\n/)
  assert.match(out, /│  └──⧉ \x1b\[33mcanary-demo-65fb5ffc84\x1b\[0m {11}ReplicaSet  \x1b\[94m◌\x1b\[0m Progressing {7}7d {3}\x1b\[33mcanary\x1b\[0m\n/)
  // A neutral icon has no colour but is wrapped all the same (colour 0).
  assert.match(out, /\x1b\[0m•\x1b\[0m ScaledDown/)
  // $TERM=dumb: ansiFormat returns the text as it is, so the same bytes as --no-color.
  assert.equal(renderRollout(ri, { noColor: false, now, term: 'dumb' }), renderRollout(ri, { noColor: true, now }))
})

// list rollouts: Argo's list_test.go rollouts and expected tables.
const canaryForList: Rollout = {
  metadata: { name: 'can-guestbook', namespace: 'test' },
  spec: { replicas: 5, strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: 60 } }, { setWeight: 20 }] } } },
  status: { currentStepIndex: 1, replicas: 4, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 2 },
}
const blueGreenForList: Rollout = {
  metadata: { name: 'bg-guestbook', namespace: 'test' },
  spec: { replicas: 5, strategy: { blueGreen: {} } },
  status: { currentStepIndex: 1, replicas: 4, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 2 },
}

function listTable(ros: Rollout[], timestamps: boolean, allNamespaces: boolean): string {
  const w = new TabWriter(0, 2)
  w.write(listHeaderFor(timestamps, allNamespaces))
  for (const ro of ros) w.write(formatListLine(listLine(ro), timestamps ? '2026-12-07T16:00:00Z' : undefined, allNamespaces) + '\n')
  return w.flush()
}

test("list rollouts matches Argo's TestListCanaryRollout and TestListBlueGreenResource byte for byte", () => {
  assert.equal(
    listTable([canaryForList], false, false),
    'NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\ncan-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \n',
  )
  assert.equal(
    listTable([blueGreenForList], false, false),
    'NAME          STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\nbg-guestbook  BlueGreen  Progressing   -     -           1/4    5        3           2        \n',
  )
})

test("list rollouts --all-namespaces --timestamps: Argo's TestListNamespaceAndTimestamp columns", () => {
  const out = listTable([canaryForList], true, true)
  assert.ok(out.includes('TIMESTAMP             NAMESPACE  NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE'), out)
  assert.ok(out.includes('test       can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2'), out)
})

test("list experiments -A matches Argo's TestListExperiments byte for byte", () => {
  const now = new Date()
  const aWeekAgo = rfc3339(new Date(Math.floor((now.getTime() - 7 * 24 * 3600_000) / 1000) * 1000))
  const anHourAgo = rfc3339(new Date(Math.floor((now.getTime() - 3600_000) / 1000) * 1000))
  const exp = (name: string, namespace: string, duration: string) => ({ metadata: { name, namespace, creationTimestamp: aWeekAgo }, spec: duration ? { duration } : {}, status: { phase: 'Running', availableAt: anHourAgo } })
  // Argo's fake client lists namespaces in order.
  assert.equal(
    experimentTable([exp('my-experiment2', 'my-other-namespace', ''), exp('my-experiment', 'test', '3h')], true, now),
    'NAMESPACE           NAME            STATUS   DURATION  REMAINING  AGE\nmy-other-namespace  my-experiment2  Running  -         -          7d \ntest                my-experiment   Running  3h        119m       7d \n',
  )
})
