// Argo Rollouts' job provider (metricproviders/job): Run creates a batch/v1 Job from the metric's
// spec, named `<run uid>.<metric>.<n>` (n = measurements taken + 1; the metric name cut so the name
// fits 63 characters), owned by the AnalysisRun, labelled analysisrun.argoproj.io/uid; Resume
// reads its conditions: Complete → Successful, Failed → Failed; a pod stuck in ErrImagePull,
// ImagePullBackOff or InvalidImageName makes it Inconclusive; else it looks again after
// sqrt(2 × seconds elapsed). Terminate deletes the Job (foreground) and is Inconclusive.
import { isAlreadyExists, isNotFound } from '../../../client/errors.js'
import type { StoredObject } from '../../../apis/meta.js'
import type { Client } from '../../../client/types.js'
import { rfc3339 } from '../../../lib/duration.js'
import { analysisGVRs, type AnalysisRunObj, type Measurement, type Metric } from '../types.js'
import { markError, type Provider } from './provider.js'

export const jobNameKey = 'job-name'
export const jobNamespaceKey = 'job-namespace'
export const analysisRunUIDLabel = 'analysisrun.argoproj.io/uid'

const pods = { group: '', version: 'v1', resource: 'pods' }

interface JobObj extends StoredObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } }
  status?: { conditions?: { type: string; status: string }[] }
}

interface PodLike extends StoredObject {
  status?: {
    initContainerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string } } }[]
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string } } }[]
  }
}

/** Argo's newJobName. */
export function newJobName(run: AnalysisRunObj, metric: Metric): string {
  const res = run.status?.metricResults?.find((r) => r.name === metric.name)
  const id = res ? (res.count ?? 0) + (res.error ?? 0) + 1 : 1
  const name = `${run.metadata.uid}.${metric.name}.${id}`
  if (name.length <= 63) return name
  const over = name.length - 63
  return `${run.metadata.uid}.${metric.name.slice(0, metric.name.length - over)}.${id}`
}

/** Argo's newMetricJob. */
export function newMetricJob(run: AnalysisRunObj, metric: Metric): Record<string, unknown> {
  const job = structuredClone(metric.provider.job!)
  const spec = job.spec
  spec.template ??= {}
  spec.template.metadata ??= {}
  spec.template.metadata.labels = { ...(spec.template.metadata.labels ?? {}), [analysisRunUIDLabel]: run.metadata.uid! }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: newJobName(run, metric),
      namespace: run.metadata.namespace,
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: run.metadata.name, uid: run.metadata.uid, controller: true, blockOwnerDeletion: true }],
      annotations: {
        ...(job.metadata?.annotations ?? {}),
        'analysisrun.argoproj.io/name': run.metadata.name,
        'analysisrun.argoproj.io/namespace': run.metadata.namespace,
        'analysisrun.argoproj.io/metric-name': metric.name,
      },
      labels: { ...(job.metadata?.labels ?? {}), [analysisRunUIDLabel]: run.metadata.uid },
    },
    spec,
  }
}

const terminalWaitingReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])

function terminalPodError(list: PodLike[]): string | undefined {
  for (const pod of list)
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const w = cs.state?.waiting
      if (w?.reason && terminalWaitingReasons.has(w.reason)) return `Pod ${pod.metadata.name}, container ${cs.name} has terminal error (${w.reason}): ${w.message ?? ''}\n`
    }
  return undefined
}

function jobRef(m: Measurement, defaultNS: string | undefined): { name: string; namespace: string | undefined } {
  const name = m.metadata?.[jobNameKey]
  if (!name) throw new Error('job metadata reference missing')
  return { name, namespace: m.metadata?.[jobNamespaceKey] || defaultNS }
}

export function jobProvider(client: Client, now: () => Date): Provider {
  const jobs = () => client.resource<JobObj>(analysisGVRs.jobs)
  const deleteJob = async (namespace: string | undefined, name: string) => {
    try {
      await jobs().delete(namespace, name, { propagationPolicy: 'Foreground' })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
  return {
    type: 'Job',
    async run(run, metric) {
      const t = rfc3339(now())
      const m: Measurement = { phase: 'Running', startedAt: t }
      const job = newMetricJob(run, metric)
      const meta = job.metadata as { name: string; namespace?: string }
      let created: JobObj
      try {
        created = await jobs().create(meta.namespace, job)
      } catch (err) {
        if (!isAlreadyExists(err)) return markError(m, err, now())
        let existing: JobObj
        try {
          existing = await jobs().get(meta.namespace, meta.name)
        } catch {
          return markError(m, err, now())
        }
        const owner = existing.metadata.ownerReferences?.find((r) => r.controller)
        if (owner?.uid !== run.metadata.uid) return markError(m, err, now())
        created = existing
      }
      // Resume at once, to catch Jobs that finish quickly.
      return { ...m, metadata: { [jobNameKey]: created.metadata.name!, [jobNamespaceKey]: created.metadata.namespace! }, resumeAt: t }
    },
    async resume(run, _metric, measurement) {
      const t = now()
      let job: JobObj
      try {
        const ref = jobRef(measurement, run.metadata.namespace)
        job = await jobs().get(ref.namespace, ref.name)
      } catch (err) {
        return markError(measurement, err, t)
      }
      let phase: Measurement['phase'] | undefined
      for (const c of job.status?.conditions ?? []) {
        if (c.status !== 'True') continue
        if (c.type === 'Complete') phase = 'Successful'
        if (c.type === 'Failed') phase = 'Failed'
      }
      if (phase) return { ...measurement, phase, finishedAt: rfc3339(t) }
      const matchLabels = job.spec?.selector?.matchLabels ?? { [analysisRunUIDLabel]: run.metadata.uid! }
      const selector = Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
      try {
        const list = await client.resource<PodLike>(pods).list(job.metadata.namespace, { labelSelector: selector })
        const stuck = terminalPodError(list.items)
        if (stuck) return { ...measurement, phase: 'Inconclusive', message: stuck, finishedAt: rfc3339(t) }
      } catch (err) {
        return markError(measurement, err, t)
      }
      const elapsedS = (t.getTime() - Date.parse(measurement.startedAt ?? rfc3339(t))) / 1000
      const delayMs = Math.sqrt(2 * Math.max(0, elapsedS)) * 1000
      return { ...measurement, resumeAt: rfc3339(new Date(t.getTime() + Math.max(1000, delayMs))) }
    },
    async terminate(run, _metric, measurement) {
      try {
        const ref = jobRef(measurement, run.metadata.namespace)
        await deleteJob(ref.namespace, ref.name)
      } catch (err) {
        return markError(measurement, err, now())
      }
      return { ...measurement, phase: 'Inconclusive', finishedAt: rfc3339(now()) }
    },
    async garbageCollect(run, _metric, limit) {
      const list = await jobs().list(run.metadata.namespace, { labelSelector: `${analysisRunUIDLabel}=${run.metadata.uid}` })
      const sorted = [...list.items].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''))
      for (const j of sorted.slice(0, Math.max(0, sorted.length - limit))) await deleteJob(j.metadata.namespace, j.metadata.name!)
    },
  }
}
