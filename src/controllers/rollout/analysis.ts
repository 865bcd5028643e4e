// AnalysisRuns as Argo Rollouts makes them (rollout/analysis.go newAnalysisRunFromRollout,
// utils/analysis NewAnalysisRunFromTemplates, BuildArgumentsForRolloutAnalysisRun): the templates'
// metrics concatenated (a metric name twice is an error), their args merged with the Rollout's
// (value, or valueFrom podTemplateHashValue Stable/Latest or fieldRef), named
// `<rollout>-<pod hash>-<revision>[-<infix>]`, labelled with the pod hash, `rollout-type` and
// (steps) `step-index` plus the Rollout's selector labels, annotated with the revision, owned by
// the Rollout.
import type { StoredObject } from '../../apis/meta.js'
import { labels } from './labels.js'

type Json = Record<string, any>

export type AnalysisKind = 'Step' | 'Background' | 'PrePromotion' | 'PostPromotion'

export interface TemplateLookup {
  template(name: string): StoredObject | undefined
  clusterTemplate(name: string): StoredObject | undefined
}

export class AnalysisError extends Error {}

interface Arg {
  name: string
  value?: string
  valueFrom?: Json
}

/** The templates a RolloutAnalysis names, or the field error Argo reports for a missing one. */
export function resolveTemplates(analysis: Json, lookup: TemplateLookup): { templates: StoredObject[] } | { error: string } {
  const out: StoredObject[] = []
  for (const ref of (analysis.templates ?? []) as Json[]) {
    const name = String(ref.templateName ?? '')
    if (ref.clusterScope) {
      const t = lookup.clusterTemplate(name)
      if (!t) return { error: `ClusterAnalysisTemplate '${name}' not found` }
      out.push(t)
    } else {
      const t = lookup.template(name)
      if (!t) return { error: `AnalysisTemplate '${name}' not found` }
      out.push(t)
    }
  }
  return { templates: out }
}

/** A fieldRef path (`metadata.labels['app']`, `metadata.name`, `spec.template.spec.containers[0].image`) on the Rollout. */
export function fieldPathValue(obj: unknown, path: string): string {
  const parts: (string | number)[] = []
  const re = /([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g
  for (let m = re.exec(path); m; m = re.exec(path)) parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])))
  let cur: any = obj
  for (const p of parts) {
    if (cur === null || cur === undefined) return ''
    cur = cur[p]
  }
  if (cur === undefined || cur === null) return ''
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur)
}

export interface AnalysisRunInput {
  rollout: StoredObject
  analysis: Json
  kind: AnalysisKind
  podHash: string
  stableHash?: string
  stepIndex?: number
  lookup: TemplateLookup
}

/** The AnalysisRun to create, or an AnalysisError with Argo's message. */
export function newAnalysisRun(input: AnalysisRunInput): StoredObject {
  const { rollout, analysis, kind, podHash } = input
  const resolved = resolveTemplates(analysis, input.lookup)
  if ('error' in resolved) throw new AnalysisError(resolved.error)
  const metrics: Json[] = []
  const seen = new Set<string>()
  const templateArgs: Arg[] = []
  const dryRun: Json[] = [...((analysis.dryRun as Json[]) ?? [])]
  const retention: Json[] = [...((analysis.measurementRetention as Json[]) ?? [])]
  for (const t of resolved.templates) {
    const spec = (t.spec ?? {}) as Json
    for (const m of (spec.metrics ?? []) as Json[]) {
      if (seen.has(m.name)) throw new AnalysisError(`two metrics have the same name '${m.name}'`)
      seen.add(m.name)
      metrics.push(structuredClone(m))
    }
    for (const a of (spec.args ?? []) as Arg[]) {
      const prev = templateArgs.find((x) => x.name === a.name)
      if (!prev) templateArgs.push(structuredClone(a))
      else if (prev.value !== undefined && a.value !== undefined && prev.value !== a.value)
        throw new AnalysisError(`Argument \`${a.name}\` specified multiple times with different values: '${prev.value}', '${a.value}'`)
      else if (prev.value === undefined) Object.assign(prev, structuredClone(a))
    }
    dryRun.push(...((spec.dryRun as Json[]) ?? []))
    retention.push(...((spec.measurementRetention as Json[]) ?? []))
  }
  // The Rollout's args, resolved against the ReplicaSets and the Rollout itself.
  for (const a of (analysis.args ?? []) as Arg[]) {
    let value = a.value
    const from = a.valueFrom as Json | undefined
    if (from?.podTemplateHashValue === 'Latest') value = podHash
    else if (from?.podTemplateHashValue === 'Stable') value = input.stableHash ?? ''
    else if (from?.fieldRef?.fieldPath) value = fieldPathValue(rollout, String(from.fieldRef.fieldPath))
    const target = templateArgs.find((x) => x.name === a.name)
    if (target && value !== undefined) {
      target.value = value
      delete target.valueFrom
    }
  }
  for (const a of templateArgs) if (a.value === undefined && a.valueFrom === undefined) throw new AnalysisError(`args.${a.name} was not resolved`)

  const revision = rollout.metadata.annotations?.[labels.revision] ?? ''
  const infix = kind === 'Step' ? String(input.stepIndex) : kind === 'PrePromotion' ? 'pre' : kind === 'PostPromotion' ? 'post' : ''
  const name = [rollout.metadata.name, podHash, revision, ...(infix ? [infix] : [])].join('-')
  const runLabels: Record<string, string> = { [labels.podTemplateHash]: podHash, [labels.rolloutType]: kind }
  if (kind === 'Step') runLabels[labels.stepIndex] = String(input.stepIndex)
  Object.assign(runLabels, (analysis.analysisRunMetadata as Json | undefined)?.labels ?? {})
  Object.assign(runLabels, ((rollout.spec as Json)?.selector?.matchLabels as Record<string, string>) ?? {})
  const annotations = { [labels.revision]: revision, ...((analysis.analysisRunMetadata as Json | undefined)?.annotations ?? {}) }
  const spec: Json = { metrics }
  if (templateArgs.length) spec.args = templateArgs
  if (dryRun.length) spec.dryRun = dryRun
  if (retention.length) spec.measurementRetention = retention
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name,
      namespace: rollout.metadata.namespace,
      labels: runLabels,
      annotations,
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.metadata.name!, uid: rollout.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  }
}
