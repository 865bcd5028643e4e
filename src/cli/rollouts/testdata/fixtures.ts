// Argo Rollouts' own plugin fixtures (pkg/kubectl-argo-rollouts/info/testdata, Apache-2.0, copied
// unchanged) and the outputs its tests expect (expected/*.txt, from cmd/get/get_test.go), for the
// golden tests. Loaded as Argo's testdata.go loads them: every object created a week ago, so AGE
// reads `7d`, and the measurements of an AnalysisRun's first metric started and finished then.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { rfc3339 } from '../../../lib/duration.js'
import type { AnalysisRun, Deployment, Experiment, Pod, ReplicaSet, Rollout } from '../types.js'

const dir = new URL('.', import.meta.url).pathname

export interface Fixture {
  rollouts: Rollout[]
  replicaSets: ReplicaSet[]
  pods: Pod[]
  experiments: Experiment[]
  analysisRuns: AnalysisRun[]
  deployments: Deployment[]
}

export function loadFixture(name: string, now: Date): Fixture {
  const aWeekAgo = rfc3339(new Date(Math.floor((now.getTime() - 7 * 24 * 3600_000) / 1000) * 1000))
  const f: Fixture = { rollouts: [], replicaSets: [], pods: [], experiments: [], analysisRuns: [], deployments: [] }
  for (const file of readdirSync(join(dir, name)).sort()) {
    const obj = parse(readFileSync(join(dir, name, file), 'utf8'))
    obj.metadata.creationTimestamp = aWeekAgo
    if (obj.kind === 'Rollout') f.rollouts.push(obj)
    else if (obj.kind === 'ReplicaSet') f.replicaSets.push(obj)
    else if (obj.kind === 'Deployment') f.deployments.push(obj)
    else if (obj.kind === 'Pod') f.pods.push(obj)
    else if (obj.kind === 'Experiment') f.experiments.push(obj)
    else if (obj.kind === 'AnalysisRun') {
      for (const m of obj.status.metricResults[0].measurements ?? []) {
        m.startedAt = aWeekAgo
        m.finishedAt = aWeekAgo
      }
      f.analysisRuns.push(obj)
    }
  }
  return f
}

export const expected = (name: string) => readFileSync(join(dir, 'expected', `${name}.txt`), 'utf8')

/** All of a fixture's objects, each with its kind and apiVersion. */
export function allObjects(f: Fixture): { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string } }[] {
  return [...f.rollouts, ...f.replicaSets, ...f.deployments, ...f.pods, ...f.experiments, ...f.analysisRuns] as never
}
