// The Rollout controller's decisions, pure: observed objects in, writes out (STYLE.md). A port of
// Argo Rollouts' rollout/*.go reconcile loop (sync.go, canary.go, bluegreen.go, pause.go,
// analysis.go, service.go, trafficrouting.go) with its status fields, condition reasons, events
// and messages. One pass does what Argo's does, in Argo's order; the first write that fails ends
// the pass and the next pass recomputes from what is there.
//
// Traffic: kubelite's proxy splits a Service's traffic by the `kubelite.io/traffic` annotation
// (docs/traffic.md). A canary with both stableService and canaryService gets that annotation on
// its stable Service, so the canary receives exactly its weight whatever the pod counts; without
// the Services the weight is approximated by replica counts, as Argo's basic canary does.
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage, invalid, required, type FieldError } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod-defaults.js'
import { rfc3339 } from '../../lib/duration.js'
import { equalIgnoreHash } from '../deployment/util.js'
import { formatLabelSelector, labelSelectorMatches } from '../../lib/selector.js'
import { AnalysisError, newAnalysisRun, resolveTemplates, type AnalysisKind, type TemplateLookup } from './analysis.js'
import { podTemplateHash, stepHash } from './hash.js'
import { labels, messages, reasons } from './labels.js'
import {
  atDesiredCounts,
  availableOf,
  canaryOf,
  currentSetWeight,
  currentStep,
  desiredCounts,
  hashOf,
  isTrafficRouted,
  maxWeight,
  readyOf,
  replicasOf,
  specReplicas,
  stableExists,
  statusReplicas,
  steps,
  sum,
  type Json,
} from './replicas.js'

export interface Observed {
  rollout: StoredObject
  /** The Deployment a workloadRef names (undefined: none, or not found). */
  workload?: StoredObject
  /** ReplicaSets the Rollout controls. */
  replicaSets: StoredObject[]
  /** Services of the Rollout's namespace, by name. */
  services: Map<string, StoredObject>
  /** AnalysisRuns the Rollout controls. */
  analysisRuns: StoredObject[]
  templates: TemplateLookup
  /** Pods of those ReplicaSets (spec.restartAt). */
  pods?: StoredObject[]
}

export type RolloutAction =
  | { type: 'updateRollout'; rollout: StoredObject }
  | { type: 'createReplicaSet'; rs: StoredObject }
  | { type: 'updateReplicaSet'; rs: StoredObject }
  | { type: 'patchService'; name: string; patch: Json }
  | { type: 'createAnalysisRun'; run: StoredObject }
  | { type: 'patchAnalysisRun'; name: string; patch: Json }
  | { type: 'deletePod'; name: string; uid: string }
  | { type: 'updateStatus'; status: Json }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string }

export interface RolloutPlan {
  actions: RolloutAction[]
  requeueAfterMs?: number
}

const completedPhases = new Set(['Successful', 'Failed', 'Error', 'Inconclusive'])
const pauseReasons = { canary: 'CanaryPauseStep', bluegreen: 'BlueGreenPause', inconclusive: 'InconclusiveAnalysis' }

/** Go's time.Duration.String for whole seconds (`10s`, `1m0s`, `1h0m0s`). */
function goDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`
}

/** RolloutPause.DurationSeconds: an int, or a Go-style duration string (`10s`, `1m`, `1h`). */
export function pauseSeconds(duration: unknown): number | undefined {
  if (typeof duration === 'number') return duration
  if (typeof duration !== 'string') return undefined
  if (/^\d+$/.test(duration)) return Number(duration)
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g
  let total = 0
  let matched = ''
  for (let m = re.exec(duration); m; m = re.exec(duration)) {
    total += Number(m[1]) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[m[2]]
    matched += m[0]
  }
  return matched === duration ? Math.floor(total) : -1
}

/** CanaryStepString, for RolloutStepCompleted events. */
export function stepString(step: Json): string {
  if (typeof step.setWeight === 'number') return `setWeight: ${step.setWeight}`
  if (step.pause) return step.pause.duration !== undefined ? `pause: ${goDuration(pauseSeconds(step.pause.duration) ?? 0)}` : 'pause'
  if (step.experiment) return 'experiment'
  if (step.analysis) return 'analysis'
  if (step.setCanaryScale) {
    const s = step.setCanaryScale
    if (typeof s.weight === 'number') return `setCanaryScale{weight: ${s.weight}}`
    if (s.matchTrafficWeight) return 'setCanaryScale{matchTrafficWeight: true}'
    if (typeof s.replicas === 'number') return `setCanaryScale{replicas: ${s.replicas}}`
  }
  if (step.plugin) return `plugin: ${step.plugin.name}`
  if (step.setHeaderRoute) return `setHeaderRoute: ${step.setHeaderRoute.name}`
  if (step.setMirrorRoute) return `setMirrorRoute: ${step.setMirrorRoute.name}`
  return 'invalid'
}

// ---------------------------------------------------------------------------------------------
// Validation (pkg/apis/rollouts/validation): the first error becomes the InvalidSpec condition.

const templateOf = (o: Observed): Json | undefined => ((o.rollout.spec as Json)?.workloadRef ? (o.workload?.spec as Json | undefined)?.template : (o.rollout.spec as Json)?.template)

export function validateRollout(o: Observed): FieldError[] {
  const ro = o.rollout as Json
  const spec = (ro.spec ?? {}) as Json
  const errs: FieldError[] = []
  if (spec.workloadRef) {
    const ref = spec.workloadRef
    if (ref.kind !== 'Deployment') errs.push(invalid('spec.workloadRef', ref.kind ?? '', `workload of kind "${ref.kind}" is not supported (Deployment only)`))
    else if (!o.workload) errs.push(invalid('spec.workloadRef', ref.name ?? '', `deployments.apps "${ref.name}" not found`))
  }
  const template = templateOf(o)
  if (!spec.selector) errs.push(required('spec.selector', "Rollout has missing field '.spec.selector'"))
  else if (!spec.selector.matchLabels && !spec.selector.matchExpressions) errs.push(invalid('spec.selector', JSON.stringify(spec.selector), 'empty selector is invalid for deployment'))
  else if (template && !labelSelectorMatches(spec.selector, template.metadata?.labels)) errs.push(invalid('spec.selector', formatLabelSelector(spec.selector), '`selector` does not match template `labels`'))
  const strategy = spec.strategy ?? {}
  if (!strategy.canary && !strategy.blueGreen) errs.push(required('spec.strategy', "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'"))
  if (strategy.canary && strategy.blueGreen) errs.push(invalid('spec.strategy', 'canary, blueGreen', 'Multiple Strategies can not be listed'))
  const c = strategy.canary
  if (c) {
    if (c.stableService && c.stableService === c.canaryService)
      errs.push(invalid('spec.strategy.canary.stableService', c.stableService, 'This rollout uses the same service for the stable and canary services, but two different services are required.'))
    if (c.trafficRouting && !c.stableService) errs.push(invalid('spec.strategy.canary.stableService', '', 'Canary service and Stable service must to be set to use Traffic Routing'))
    if (c.trafficRouting && !c.canaryService) errs.push(invalid('spec.strategy.canary.canaryService', '', 'Canary service and Stable service must to be set to use Traffic Routing'))
    const max = maxWeight(ro)
    ;((c.steps ?? []) as Json[]).forEach((step, i) => {
      const p = `spec.strategy.canary.steps[${i}]`
      const set = ['setWeight', 'pause', 'experiment', 'analysis', 'setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'plugin'].filter((k) => step?.[k] !== undefined && step?.[k] !== null)
      if (set.length !== 1) {
        errs.push(invalid(p, JSON.stringify(step ?? {}), 'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause'))
        return
      }
      if (typeof step.setWeight === 'number' && (step.setWeight < 0 || step.setWeight > max)) errs.push(invalid(`${p}.setWeight`, step.setWeight, `SetWeight needs to be between 0 and ${max}`))
      if (step.pause && step.pause.duration !== undefined) {
        const secs = pauseSeconds(step.pause.duration)
        if (secs === undefined || secs < 0) errs.push(invalid(`${p}.pause.duration`, secs ?? -1, 'Duration needs to be greater than 0'))
      }
      if ((step.setHeaderRoute || step.setMirrorRoute) && !isTrafficRouted(ro))
        errs.push(invalid(`${p}.${step.setHeaderRoute ? 'setHeaderRoute' : 'setMirrorRoute'}`, step.setHeaderRoute?.name ?? step.setMirrorRoute?.name ?? '', `${step.setHeaderRoute ? 'SetHeaderRoute' : 'SetMirrorRoute'} requires stableService and canaryService (kubelite's proxy routes between them)`))
      if (step.setCanaryScale && !isTrafficRouted(ro)) errs.push(required('spec.strategy.canary.trafficRouting', 'SetCanaryScale requires TrafficRouting to be set'))
    })
  }
  const bg = strategy.blueGreen
  if (bg && bg.activeService && bg.activeService === bg.previewService)
    errs.push(invalid('spec.strategy.blueGreen.activeService', bg.activeService, 'This rollout uses the same service for the active and preview services, but two different services are required.'))
  if (errs.length) return errs
  // Referenced objects (validation_references.go).
  const svcRefs: [string, string | undefined][] = c
    ? [['spec.strategy.canary.stableService', c.stableService], ['spec.strategy.canary.canaryService', c.canaryService]]
    : bg
      ? [['spec.strategy.blueGreen.activeService', bg.activeService], ['spec.strategy.blueGreen.previewService', bg.previewService]]
      : []
  for (const [path, name] of svcRefs) {
    if (!name) continue
    const svc = o.services.get(name)
    if (!svc) {
      errs.push(invalid(path, name, `services "${name}" not found`))
      continue
    }
    for (const [k, v] of Object.entries(((svc.spec as Json)?.selector ?? {}) as Record<string, string>)) {
      if (k === labels.podTemplateHash) continue
      if (template?.metadata?.labels?.[k] !== v) errs.push(invalid(path, name, `Service ${JSON.stringify(name)} has unmatch label ${JSON.stringify(k)} in rollout`))
    }
    const manager = svc.metadata.annotations?.[labels.managedBy]
    if (manager && manager !== ro.metadata.name) errs.push(invalid(path, name, `Service ${JSON.stringify(name)} is managed by another Rollout`))
  }
  const analyses: [string, Json | undefined][] = []
  if (c?.analysis) analyses.push(['spec.strategy.canary.analysis.templates', c.analysis])
  ;((c?.steps ?? []) as Json[]).forEach((s, i) => s?.analysis && analyses.push([`spec.strategy.canary.steps[${i}].analysis.templates`, s.analysis]))
  if (bg?.prePromotionAnalysis) analyses.push(['spec.strategy.blueGreen.prePromotionAnalysis.templates', bg.prePromotionAnalysis])
  if (bg?.postPromotionAnalysis) analyses.push(['spec.strategy.blueGreen.postPromotionAnalysis.templates', bg.postPromotionAnalysis])
  for (const [path, a] of analyses) {
    const r = resolveTemplates(a!, o.templates)
    if ('error' in r) {
      const missing = /'(.*)'/.exec(r.error)?.[1] ?? ''
      errs.push(invalid(path, missing, r.error))
    }
  }
  return errs
}

// ---------------------------------------------------------------------------------------------
// Conditions (utils/conditions): same status, reason and message → unchanged; same status keeps
// lastTransitionTime; a changed condition moves to the end of the list.

function setCondition(status: Json, cond: Json): boolean {
  const list = (status.conditions ?? []) as Json[]
  const cur = list.find((c) => c.type === cond.type)
  if (cur && cur.status === cond.status && cur.reason === cond.reason && cur.message === cond.message) return false
  const next = { ...cond }
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime
  status.conditions = [...list.filter((c) => c.type !== cond.type), next]
  return true
}

const getCondition = (status: Json | undefined, type: string): Json | undefined => ((status?.conditions ?? []) as Json[]).find((c) => c.type === type)

/** The Rollout's phase and message (utils/rollout CalculateRolloutPhase). */
export function rolloutPhase(ro: Json, status: Json): [string, string] {
  for (const cond of (status.conditions ?? []) as Json[]) {
    if (cond.type === 'InvalidSpec') return ['Degraded', `InvalidSpec: ${cond.message}`]
    if (cond.reason === reasons.rolloutAborted || cond.reason === reasons.timedOut) return ['Degraded', `${cond.reason}: ${cond.message}`]
  }
  const spec = ro.spec ?? {}
  if (spec.paused) return ['Paused', 'manually paused']
  if ((status.pauseConditions ?? []).length) return ['Paused', status.pauseConditions[0].reason]
  if (spec.restartAt && spec.restartAt !== status.restartedAt) return ['Progressing', 'rollout is restarting']
  if ((status.updatedReplicas ?? 0) < specReplicas(ro)) return ['Progressing', 'more replicas need to be updated']
  if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) return ['Progressing', 'updated replicas are still becoming available']
  if (spec.strategy?.blueGreen) {
    if (!status.blueGreen?.activeSelector || status.blueGreen.activeSelector !== status.currentPodHash) return ['Progressing', 'active service cutover pending']
    if (!status.stableRS || status.stableRS !== status.currentPodHash) {
      if (spec.strategy.blueGreen.postPromotionAnalysis && !completedPhases.has(status.blueGreen?.postPromotionAnalysisRunStatus?.status)) return ['Progressing', 'waiting for analysis to complete']
      return ['Progressing', 'waiting for post-promotion verification to complete']
    }
  } else if (spec.strategy?.canary) {
    if (!isTrafficRouted(ro) && (status.replicas ?? 0) > (status.updatedReplicas ?? 0)) return ['Progressing', 'old replicas are pending termination']
    if (!status.stableRS || status.stableRS !== status.currentPodHash) return ['Progressing', 'waiting for all steps to complete']
  }
  return ['Healthy', '']
}

// ---------------------------------------------------------------------------------------------

const clone = <T>(v: T): T => structuredClone(v)

interface Pause {
  add: string[]
  remove: string[]
  clear: boolean
  addAbort: boolean
  removeAbort: boolean
  abortMessage: string
}

/** One pass over one Rollout. */
export function planRollout(observed: Observed, now: Date): RolloutPlan {
  const o = withWorkload(observed)
  const ro = o.rollout as Json
  const ts = rfc3339(now)
  const actions: RolloutAction[] = []
  const event = (eventType: 'Normal' | 'Warning', reason: string, message: string) => actions.push({ type: 'event', eventType, reason, message })
  const spec = (ro.spec ?? {}) as Json
  const prev = (ro.status ?? {}) as Json
  const generation = String(ro.metadata.generation ?? 1)
  let requeueAfterMs: number | undefined
  const requeue = (ms: number) => {
    if (ms >= 0 && (requeueAfterMs === undefined || ms < requeueAfterMs)) requeueAfterMs = Math.max(0, Math.ceil(ms))
  }
  if (ro.metadata.deletionTimestamp) return { actions }

  // HPA needs spec.replicas: Argo writes the default (1) into the Rollout.
  if (spec.replicas === undefined || spec.replicas === null) {
    const next = clone(observed.rollout)
    ;(next.spec as Json).replicas = 1
    return { actions: [{ type: 'updateRollout', rollout: next }] }
  }

  // --- InvalidSpec --------------------------------------------------------------------------
  const errs = validateRollout(o)
  const status: Json = clone(prev)
  if (errs.length) {
    const message = `The Rollout ${JSON.stringify(ro.metadata.name)} is invalid: ${fieldErrorMessage(errs[0])}`
    const changed = setCondition(status, { type: 'InvalidSpec', status: 'True', reason: reasons.invalidSpec, message, lastUpdateTime: ts, lastTransitionTime: ts })
    status.observedGeneration = generation
    ;[status.phase, status.message] = rolloutPhase(ro, status)
    if (changed) event('Warning', reasons.invalidSpec, message)
    if (JSON.stringify(status) !== JSON.stringify(prev)) actions.push({ type: 'updateStatus', status })
    // The error may be a matter of timing (the Rollout applied before its Service): look again.
    return { actions, requeueAfterMs: 20_000 }
  }
  if (getCondition(status, 'InvalidSpec')) status.conditions = (status.conditions as Json[]).filter((c) => c.type !== 'InvalidSpec')

  const template = templateOf(o)!
  const all = o.replicaSets as Json[]
  // FindNewReplicaSet: by the hash, else (a template brought back by undo, which carries the API
  // server's pod defaults) by the template with defaults applied, as Argo's
  // PodTemplateEqualIgnoreHash compares them.
  const computedHash = podTemplateHash(template, prev.collisionCount)
  const defaulted = clone(template)
  defaultPodTemplateSpec(defaulted)
  const foundNewRS =
    all.find((rs) => hashOf(rs) === computedHash) ??
    [...all].sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? ''))).find((rs) => !rs.metadata.deletionTimestamp && sameTemplate(rs.spec?.template, defaulted))
  const hash = hashOf(foundNewRS) ?? computedHash
  const stableRS = prev.stableRS ? all.find((rs) => hashOf(rs) === prev.stableRS) : undefined
  const others = all.filter((rs) => rs !== foundNewRS && rs !== stableRS)
  const maxRevision = Math.max(0, ...all.filter((rs) => rs !== foundNewRS).map((rs) => Number(rs.metadata.annotations?.[labels.revision] ?? 0) || 0))
  const newRevision = String(maxRevision + 1)

  // --- the new ReplicaSet and the revision ---------------------------------------------------
  const setRolloutRevision = (rev: string) => {
    if (ro.metadata.annotations?.[labels.revision] === rev) return false
    const next = clone(observed.rollout)
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [labels.revision]: rev }
    actions.push({ type: 'updateRollout', rollout: next })
    event('Normal', reasons.rolloutUpdated, `Rollout updated to revision ${rev}`)
    return true
  }
  if (!foundNewRS) {
    const tmpl = clone(template)
    tmpl.metadata = { ...(tmpl.metadata ?? {}), labels: { ...(tmpl.metadata?.labels ?? {}), [labels.podTemplateHash]: hash } }
    const selector = clone(spec.selector)
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [labels.podTemplateHash]: hash }
    const rs: StoredObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${ro.metadata.name}-${hash}`,
        namespace: ro.metadata.namespace,
        labels: tmpl.metadata.labels,
        annotations: { [labels.revision]: newRevision, [labels.desiredReplicas]: String(specReplicas(ro)) },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: ro.metadata.name, uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, minReadySeconds: spec.minReadySeconds ?? 0, selector, template: tmpl },
    }
    actions.push({ type: 'createReplicaSet', rs })
    event('Normal', reasons.newReplicaSetCreated, `Created ReplicaSet ${rs.metadata.name} (revision ${newRevision})`)
    setRolloutRevision(newRevision)
    return { actions }
  }
  const newRS: Json = foundNewRS
  // syncReplicaSetRevision: a ReplicaSet brought back (undo) takes the next revision.
  const rsRevision = newRS.metadata.annotations?.[labels.revision]
  if (Number(rsRevision ?? 0) < maxRevision + 1 && others.concat(stableRS && stableRS !== newRS ? [stableRS] : []).length > 0 && Number(rsRevision) <= maxRevision) {
    const next = clone(newRS)
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [labels.revision]: newRevision }
    actions.push({ type: 'updateReplicaSet', rs: next as StoredObject })
    setRolloutRevision(newRevision)
    return { actions }
  }
  if (setRolloutRevision(rsRevision ?? newRevision)) return { actions }

  // spec.restartAt (rollout/restart.go): pods older than it are deleted, as many at once as
  // maxUnavailable (at least 1) allows while the rest stay available; then status.restartedAt.
  if (spec.restartAt && prev.restartedAt !== spec.restartAt) {
    const at = Date.parse(spec.restartAt)
    if (now.getTime() >= at) {
      const pods = (o.pods ?? []) as Json[]
      const ready = (p: Json) => !p.metadata.deletionTimestamp && ((p.status?.conditions ?? []) as Json[]).some((c) => c.type === 'Ready' && c.status === 'True')
      const concurrent = Math.max(maxUnavailableFor(ro), 1)
      let canRestart = pods.filter(ready).length - (Math.max(specReplicas(ro), sum(all, replicasOf)) - concurrent)
      let needs = 0
      let restarted = 0
      for (const p of pods) {
        if (Date.parse(p.metadata.creationTimestamp) >= at) continue
        needs++
        if (canRestart <= 0 || p.metadata.deletionTimestamp) continue
        actions.push({ type: 'deletePod', name: p.metadata.name, uid: p.metadata.uid })
        canRestart--
        restarted++
      }
      if (restarted > 0) return { actions, requeueAfterMs: 1000 }
      if (needs === 0) status.restartedAt = spec.restartAt
      else requeue(1000)
    } else requeue(at - now.getTime())
  }

  const isCanary = !!spec.strategy?.canary
  const currentStepHash = isCanary ? stepHash(spec.strategy.canary.steps ?? []) : undefined

  // Base status (calculateBaseStatus).
  status.observedGeneration = generation
  status.currentPodHash = hash
  status.replicas = sum(all, statusReplicas)
  status.updatedReplicas = statusReplicas(newRS)
  status.readyReplicas = sum(all, readyOf)
  status.availableReplicas = sum(all, availableOf)
  status.HPAReplicas = sum(all, statusReplicas)
  status.selector = formatLabelSelector(spec.selector)
  if (isCanary) status.currentStepHash = currentStepHash
  status.promoteFull = prev.currentPodHash === hash && prev.stableRS !== hash && !!prev.promoteFull
  if (!status.promoteFull) delete status.promoteFull
  if (!getCondition(prev, 'Progressing')) setCondition(status, { type: 'Progressing', status: 'True', reason: reasons.foundNewRS, message: `Found new replica set ${JSON.stringify(newRS.metadata.name)}`, lastUpdateTime: ts, lastTransitionTime: ts })

  const pause: Pause = { add: [], remove: [], clear: false, addAbort: false, removeAbort: false, abortMessage: '' }
  const isAborted = () => !pause.removeAbort && (pause.addAbort || !!prev.abort)

  // PodTemplateOrStepsChanged: a new revision (or new steps) starts over.
  const changed = prev.currentPodHash !== hash || (isCanary && prev.currentStepHash !== currentStepHash)
  if (changed) {
    pause.clear = true
    pause.removeAbort = true
    delete status.promoteFull
    if (status.canary) {
      delete status.canary.currentStepAnalysisRunStatus
      delete status.canary.currentBackgroundAnalysisRunStatus
    }
    if (status.blueGreen) {
      delete status.blueGreen.prePromotionAnalysisRunStatus
      delete status.blueGreen.postPromotionAnalysisRunStatus
      delete status.blueGreen.scaleUpPreviewCheckPoint
    }
    const n = steps(ro).length
    if (isCanary && n > 0) {
      status.currentStepIndex = 0
      if (prev.stableRS === hash) {
        event('Normal', reasons.skipSteps, 'Rollback to stable ReplicaSets')
        status.currentStepIndex = n
      }
    } else delete status.currentStepIndex
    // AnalysisRuns of the previous revision stop.
    for (const ar of o.analysisRuns as Json[]) if (!completedPhases.has(ar.status?.phase) && !ar.spec?.terminate) actions.push({ type: 'patchAnalysisRun', name: ar.metadata.name, patch: { spec: { terminate: true } } })
    return finish()
  }

  if (isCanary) canary()
  else blueGreen()
  return finish()

  // ===========================================================================================
  // Canary (rollout/canary.go rolloutCanary)

  function canary(): void {
    const c = spec.strategy.canary as Json
    const n = steps(ro).length
    const routed = isTrafficRouted(ro)
    status.canary = { ...(status.canary ?? {}) }

    // Services: stable → stable ReplicaSet, canary → new ReplicaSet, once partly available.
    if (routed || c.stableService || c.canaryService) {
      const stableTarget = stableRS ?? newRS
      if (c.stableService && stableTarget && availableOf(stableTarget) > 0) switchService(c.stableService, hashOf(stableTarget)!)
      if (c.canaryService && availableOf(newRS) > 0) switchService(c.canaryService, hash)
    }

    // Analysis: background and step runs; failures abort, inconclusive pauses.
    reconcileCanaryAnalysis()

    // Traffic weights (trafficrouting.go), written before scaling as Argo does.
    if (routed) reconcileTraffic()

    // ReplicaSets (reconcileCanaryReplicaSets), unless paused by the user or inconclusive analysis.
    const halted = spec.paused || ((prev.pauseConditions ?? []) as Json[]).some((p) => p.reason === pauseReasons.inconclusive) || pause.add.includes(pauseReasons.inconclusive)
    if (!halted) reconcileCanaryReplicaSets()

    // Pause steps (reconcileCanaryPause).
    if (!spec.paused && !prev.promoteFull && n > 0) {
      const { step } = currentStep(ro)
      if (step?.pause && !isAborted()) {
        const cond = ((prev.pauseConditions ?? []) as Json[]).find((p) => p.reason === pauseReasons.canary)
        if (!cond) {
          if (!prev.controllerPause) pause.add.push(pauseReasons.canary)
        } else if (step.pause.duration !== undefined) {
          const end = Date.parse(cond.startTime) + (pauseSeconds(step.pause.duration) ?? 0) * 1000
          requeue(end - now.getTime() + 1)
        }
      }
    }

    // syncRolloutStatusCanary.
    let index: number | undefined = n > 0 ? (prev.currentStepIndex ?? 0) : undefined
    if (prev.promoteFull) {
      pause.clear = true
      pause.removeAbort = true
      if (n > 0) index = n
    }
    const promoteReason = shouldFullPromoteCanary(index)
    if (promoteReason) {
      promoteStable(promoteReason)
      return
    }
    if (isAborted()) {
      if (n > 0) status.currentStepIndex = prev.stableRS === hash ? n : 0
      return
    }
    if (index !== undefined && completedCurrentStep()) {
      const step = steps(ro)[index]
      index++
      delete status.canary.currentStepAnalysisRunStatus
      event('Normal', reasons.stepCompleted, `Rollout step ${index}/${n} completed (${stepString(step)})`)
      pause.remove.push(pauseReasons.canary)
      requeue(0)
    }
    if (index !== undefined) status.currentStepIndex = index
  }

  function shouldFullPromoteCanary(index: number | undefined): string {
    if (!stableRS) return 'Initial deploy'
    if (isAborted()) return ''
    if (availableOf(newRS) < specReplicas(ro)) return ''
    if (prev.promoteFull) return 'Full promotion requested'
    if (prev.stableRS === hash) return 'Fast rollback'
    const n = steps(ro).length
    if (n === 0 || index === n) return `Completed all ${n} canary steps`
    return ''
  }

  function completedCurrentStep(): boolean {
    if (spec.paused) return false
    const { step } = currentStep(ro)
    if (!step) return false
    if (step.pause) {
      const cond = ((prev.pauseConditions ?? []) as Json[]).find((p) => p.reason === pauseReasons.canary)
      if (prev.controllerPause && !cond) return true
      if (step.pause.duration !== undefined && cond) return now.getTime() >= Date.parse(cond.startTime) + (pauseSeconds(step.pause.duration) ?? 0) * 1000
      return false
    }
    if (typeof step.setWeight === 'number' || step.setCanaryScale) {
      const weights = status.canary?.weights
      return atDesiredCounts(ro, newRS, stableRS && stableRS !== newRS ? stableRS : undefined, others, weights)
    }
    if (step.analysis) {
      const ar = stepRun()
      return ar?.status?.phase === 'Successful'
    }
    // Header and mirror routes take effect with the traffic annotation; experiments are not run.
    return true
  }

  function stepRun(): Json | undefined {
    const { index } = currentStep(ro)
    return (o.analysisRuns as Json[]).find(
      (ar) => ar.metadata.labels?.[labels.rolloutType] === 'Step' && ar.metadata.labels?.[labels.stepIndex] === String(index) && ar.metadata.labels?.[labels.podTemplateHash] === hash,
    )
  }

  function runStatus(ar: Json): Json {
    const s: Json = { name: ar.metadata.name, status: ar.status?.phase || 'Pending' }
    if (ar.status?.message) s.message = ar.status.message
    return s
  }

  /** Creates the run if missing; reacts to its phase (Argo's reconcile*AnalysisRun). Returns its status for the Rollout's. */
  function ensureRun(analysis: Json, kind: AnalysisKind, existing: Json | undefined, stepIndex?: number): Json | undefined {
    if (existing) {
      const phase = existing.status?.phase
      // emitAnalysisRunStatusChanges
      const statusKey = kind === 'Step' ? prev.canary?.currentStepAnalysisRunStatus : kind === 'Background' ? prev.canary?.currentBackgroundAnalysisRunStatus : kind === 'PrePromotion' ? prev.blueGreen?.prePromotionAnalysisRunStatus : prev.blueGreen?.postPromotionAnalysisRunStatus
      if (phase && (!statusKey || (statusKey.name === existing.metadata.name && statusKey.status !== phase))) {
        const word = kind === 'Step' ? 'Step' : kind === 'Background' ? 'Background' : kind === 'PrePromotion' ? 'PrePromotion' : 'PostPromotion'
        event(phase === 'Failed' || phase === 'Error' ? 'Warning' : 'Normal', `AnalysisRun${phase}`, `${word} Analysis Run '${existing.metadata.name}' Status New: '${phase}' Previous: '${statusKey?.status ?? 'NoPreviousStatus'}'`)
      }
      if (phase === 'Failed' || phase === 'Error') {
        let message =
          kind === 'Step' ? 'Step-based analysis phase error/failed' : kind === 'Background' ? 'Background analysis phase error/failed' : kind === 'PrePromotion' ? 'Blue/green pre-promotion analysis phase error/failed' : 'Blue/green post-promotion analysis phase error/failed'
        if (existing.status?.message) message += `: ${existing.status.message}`
        if (!prev.abort) {
          pause.addAbort = true
          pause.abortMessage = message
        }
      } else if (phase === 'Inconclusive') {
        if (!pause.add.includes(pauseReasons.inconclusive)) pause.add.push(pauseReasons.inconclusive)
      }
      return runStatus(existing)
    }
    try {
      const run = newAnalysisRun({ rollout: o.rollout, analysis, kind, podHash: hash, stableHash: prev.stableRS, stepIndex, lookup: o.templates })
      actions.push({ type: 'createAnalysisRun', run })
      return { name: run.metadata.name, status: 'Pending' }
    } catch (err) {
      if (!(err instanceof AnalysisError)) throw err
      pause.addAbort = true
      pause.abortMessage = err.message
      return undefined
    }
  }

  function reconcileCanaryAnalysis(): void {
    const c = spec.strategy.canary as Json
    const mine = (o.analysisRuns as Json[]).filter((ar) => ar.metadata.labels?.[labels.podTemplateHash] === hash)
    const keep = new Set<string>()
    if (isAborted() || stableRS === newRS || prev.stableRS === hash) {
      terminateRunsExcept(keep)
      return
    }
    // Background analysis from startingStep on.
    if (c.analysis) {
      const { index } = currentStep(ro)
      const starting = c.analysis.startingStep
      if (starting === undefined || index === undefined || index >= starting) {
        const existing = mine.find((ar) => ar.metadata.labels?.[labels.rolloutType] === 'Background')
        const s = ensureRun(c.analysis, 'Background', existing)
        if (s) {
          status.canary.currentBackgroundAnalysisRunStatus = s
          keep.add(s.name)
        }
      }
    }
    const { step, index } = currentStep(ro)
    if (step?.analysis) {
      const s = ensureRun(step.analysis, 'Step', stepRun(), index)
      if (s) {
        status.canary.currentStepAnalysisRunStatus = s
        keep.add(s.name)
      }
    } else delete status.canary.currentStepAnalysisRunStatus
    terminateRunsExcept(keep)
  }

  function terminateRunsExcept(keep: Set<string>): void {
    for (const ar of o.analysisRuns as Json[]) {
      if (keep.has(ar.metadata.name) || completedPhases.has(ar.status?.phase) || ar.spec?.terminate) continue
      actions.push({ type: 'patchAnalysisRun', name: ar.metadata.name, patch: { spec: { terminate: true } } })
    }
  }

  function switchService(name: string, target: string): void {
    const svc = o.services.get(name) as Json | undefined
    if (!svc) return
    const selector = svc.spec?.selector ?? {}
    const managed = svc.metadata.annotations?.[labels.managedBy] === ro.metadata.name
    if (selector[labels.podTemplateHash] === target && managed) return
    actions.push({ type: 'patchService', name, patch: { metadata: { annotations: { [labels.managedBy]: ro.metadata.name } }, spec: { selector: { [labels.podTemplateHash]: target } } } })
    event('Normal', reasons.switchService, `Switched selector for service '${name}' from '${selector[labels.podTemplateHash] ?? ''}' to '${target}'`)
  }

  /** reconcileTrafficRouting: the weight in force, into status.canary.weights and the annotation. */
  function reconcileTraffic(): void {
    const c = spec.strategy.canary as Json
    const max = maxWeight(ro)
    const { index } = currentStep(ro)
    const n = steps(ro).length
    let weight = 0
    const fullyPromoted = prev.stableRS === hash
    if (fullyPromoted || isAborted()) weight = 0
    else if (availableOf(newRS) === 0) weight = 0
    else if (index !== undefined) {
      const prevWeights = status.canary?.weights
      if (!atDesiredCounts(ro, newRS, stableRS, others, prevWeights) && !prev.promoteFull) {
        // The new ReplicaSet is not ready for a new weight: keep the previous step's.
        weight = 0
        for (let i = index - 1; i >= 0; i--)
          if (typeof steps(ro)[i].setWeight === 'number') {
            weight = steps(ro)[i].setWeight
            break
          }
      } else if (index !== n) weight = currentSetWeight(ro)
      else weight = max
    } else weight = max
    const oldWeight = prev.canary?.weights?.canary?.weight ?? 0
    const stableHash = prev.stableRS ?? hash
    status.canary.weights = {
      canary: { podTemplateHash: hash, serviceName: c.canaryService, weight },
      stable: { podTemplateHash: stableHash, serviceName: c.stableService, weight: max - weight },
    }
    if (weight !== oldWeight) event('Normal', reasons.trafficWeightUpdated, `Traffic weight updated from ${oldWeight} to ${weight}`)

    // kubelite.io/traffic on the stable Service (docs/traffic.md).
    const annotation: Json = {
      backends: [
        { name: 'stable', weight: max - weight },
        { name: 'canary', service: c.canaryService, weight },
      ],
    }
    const sticky = stickyFrom(ro.metadata.annotations?.[labels.trafficSticky])
    if (sticky) annotation.sticky = sticky
    if (!fullyPromoted && !isAborted() && index !== undefined) {
      const headerRoutes = new Map<string, Json>()
      const mirrors = new Map<string, Json>()
      for (let i = 0; i <= Math.min(index, n - 1); i++) {
        const s = steps(ro)[i]
        if (s.setHeaderRoute) {
          if (s.setHeaderRoute.match?.length) headerRoutes.set(s.setHeaderRoute.name, { name: s.setHeaderRoute.name, match: s.setHeaderRoute.match, backend: 'canary' })
          else headerRoutes.delete(s.setHeaderRoute.name)
        }
        if (s.setMirrorRoute) {
          if (s.setMirrorRoute.match?.length)
            mirrors.set(s.setMirrorRoute.name, { name: s.setMirrorRoute.name, match: s.setMirrorRoute.match, percentage: s.setMirrorRoute.percentage ?? 100, backend: 'canary' })
          else mirrors.delete(s.setMirrorRoute.name)
        }
      }
      if (headerRoutes.size) annotation.headerRoutes = [...headerRoutes.values()]
      if (mirrors.size) annotation.mirrors = [...mirrors.values()]
    }
    const svc = o.services.get(c.stableService) as Json | undefined
    if (!svc) return
    const value = JSON.stringify(annotation)
    const ann = svc.metadata.annotations ?? {}
    if (ann[labels.traffic] !== value || ann[labels.managedBy] !== ro.metadata.name)
      actions.push({ type: 'patchService', name: c.stableService, patch: { metadata: { annotations: { [labels.traffic]: value, [labels.managedBy]: ro.metadata.name } } } })
  }

  function scaleRS(rs: Json, replicas: number, role: 'new' | 'old'): boolean {
    if (replicasOf(rs) === replicas && rs.metadata.annotations?.[labels.desiredReplicas] === String(specReplicas(ro))) return false
    const next = clone(rs)
    next.spec.replicas = replicas
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [labels.desiredReplicas]: String(specReplicas(ro)) }
    if (replicas > 0) delete next.metadata.annotations[labels.scaleDownDeadline]
    actions.push({ type: 'updateReplicaSet', rs: next as StoredObject })
    if (replicasOf(rs) !== replicas)
      event('Normal', reasons.scalingReplicaSet, `Scaled ${role === 'new' ? 'up' : 'down'} ReplicaSet ${rs.metadata.name} (revision ${rs.metadata.annotations?.[labels.revision] ?? ''}) from ${replicasOf(rs)} to ${replicas}`.replace(/Scaled (up|down)/, replicas > replicasOf(rs) ? 'Scaled up' : 'Scaled down'))
    return true
  }

  /** Scale a ReplicaSet down once its scale-down-deadline has passed (setting it first). */
  function scaleDownAfterDelay(rs: Json, delaySeconds: number): boolean {
    if (replicasOf(rs) === 0) return false
    if (delaySeconds <= 0) return scaleRS(rs, 0, 'old')
    const deadline = rs.metadata.annotations?.[labels.scaleDownDeadline]
    if (!deadline) {
      const next = clone(rs)
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [labels.scaleDownDeadline]: rfc3339(new Date(now.getTime() + delaySeconds * 1000)) }
      actions.push({ type: 'updateReplicaSet', rs: next as StoredObject })
      requeue(delaySeconds * 1000 + 500)
      return true
    }
    const left = Date.parse(deadline) - now.getTime()
    if (left > 0) {
      requeue(left + 500)
      return false
    }
    return scaleRS(rs, 0, 'old')
  }

  function reconcileCanaryReplicaSets(): void {
    const c = spec.strategy.canary as Json
    const routed = isTrafficRouted(ro)
    const hasStable = stableExists(newRS, stableRS)
    const weights = status.canary?.weights
    const [wantNew, wantStable] = desiredCounts(ro, newRS, hasStable ? stableRS : undefined, others, weights)
    if (hasStable && scaleRS(stableRS!, wantStable, 'old')) return
    // The canary after an abort (traffic-routed): scaled down after abortScaleDownDelaySeconds.
    if (isAborted() && routed && hasStable) {
      const v = c.abortScaleDownDelaySeconds
      if (v === 0) return
      scaleDownAfterDelay(newRS, typeof v === 'number' ? v : 30)
      return
    }
    if (scaleRS(newRS, wantNew, 'new')) return
    // Older ReplicaSets.
    if (!routed) {
      const minAvailable = specReplicas(ro) - maxUnavailableOf()
      let maxScaleDown = sum(all, availableOf) - minAvailable
      const sorted = [...others].sort((a, b) => Number(b.metadata.annotations?.[labels.revision] ?? 0) - Number(a.metadata.annotations?.[labels.revision] ?? 0))
      // Unhealthy replicas first (cleanupUnhealthyReplicas): what is not available goes at once.
      for (const rs of sorted) {
        if (replicasOf(rs) === 0) continue
        const unhealthy = replicasOf(rs) - availableOf(rs)
        if (unhealthy > 0) {
          scaleRS(rs, replicasOf(rs) - unhealthy, 'old')
          return
        }
      }
      for (const rs of sorted) {
        if (maxScaleDown <= 0) break
        if (replicasOf(rs) === 0) continue
        const want = replicasOf(rs) > maxScaleDown ? replicasOf(rs) - maxScaleDown : 0
        maxScaleDown -= replicasOf(rs) - want
        scaleRS(rs, want, 'old')
      }
      return
    }
    // Traffic-routed: the previous stable goes after scaleDownDelaySeconds (default 30) once
    // fully promoted (or right away with dynamicStableScale); intermediate canaries at once.
    const fullyPromoted = prev.stableRS === hash || status.stableRS === hash
    for (const rs of others) {
      if (replicasOf(rs) === 0) continue
      if (fullyPromoted || rs.metadata.annotations?.[labels.scaleDownDeadline]) {
        if (c.dynamicStableScale) scaleRS(rs, 0, 'old')
        else scaleDownAfterDelay(rs, c.scaleDownDelaySeconds ?? 30)
      } else scaleRS(rs, 0, 'old')
    }
  }

  function maxUnavailableOf(): number {
    const replicas = specReplicas(ro)
    const c = canaryOf(ro) ?? {}
    const pct = (v: unknown, up: boolean) => (typeof v === 'string' && v.endsWith('%') ? (up ? Math.ceil : Math.floor)((Number(v.slice(0, -1)) * replicas) / 100) : typeof v === 'number' ? v : undefined)
    const surge = pct(c.maxSurge ?? '25%', true) ?? 0
    const unavailable = pct(c.maxUnavailable ?? '25%', false) ?? 0
    return surge === 0 && unavailable === 0 ? 0 : Math.min(unavailable, replicas)
  }

  function promoteStable(reason: string): void {
    pause.clear = true
    pause.removeAbort = true
    delete status.promoteFull
    if (status.blueGreen) delete status.blueGreen.scaleUpPreviewCheckPoint
    if (isCanary) {
      const n = steps(ro).length
      if (n > 0) status.currentStepIndex = n
      else delete status.currentStepIndex
    }
    if (prev.stableRS !== hash) {
      status.stableRS = hash
      event('Normal', reasons.rolloutCompleted, `Rollout completed update to revision ${ro.metadata.annotations?.[labels.revision] ?? ''} (${hash}): ${reason}`)
      requeue(0)
    }
  }

  // ===========================================================================================
  // Blue/green (rollout/bluegreen.go)

  function blueGreen(): void {
    const bg = spec.strategy.blueGreen as Json
    status.blueGreen = { ...(status.blueGreen ?? {}) }
    const replicas = specReplicas(ro)
    const active = status.blueGreen.activeSelector as string | undefined
    const activeRS = active ? all.find((rs) => hashOf(rs) === active) : undefined
    const promoted = active === hash

    // The new ReplicaSet: previewReplicaCount until promotion, then all replicas.
    const wantNew = !promoted && active && typeof bg.previewReplicaCount === 'number' && !prev.blueGreen?.scaleUpPreviewCheckPoint && !isAborted() ? bg.previewReplicaCount : replicas
    if (isAborted() && activeRS && activeRS !== newRS) {
      // Aborted: traffic stays on the active ReplicaSet; the new one is scaled down.
      scaleDownAfterDelay(newRS, bg.abortScaleDownDelaySeconds ?? 30)
      if (bg.activeService) switchBG(bg.activeService, active!)
      return
    }
    if (scaleRS(newRS, wantNew, 'new')) return

    const newReady = availableOf(newRS) >= wantNew && replicasOf(newRS) === wantNew
    // Preview Service: the new ReplicaSet once it is available.
    if (bg.previewService && newReady) {
      switchBG(bg.previewService, hash)
      status.blueGreen.previewSelector = hash
    }
    if (!active) {
      // Initial deploy: the active Service goes to the first ReplicaSet once it is available.
      if (newReady && bg.activeService) {
        switchBG(bg.activeService, hash)
        status.blueGreen.activeSelector = hash
        if (bg.previewService) status.blueGreen.previewSelector = hash
        promoteStable('Initial deploy')
      }
      return
    }
    if (!promoted) {
      if (!newReady) return
      // Pre-promotion analysis.
      if (bg.prePromotionAnalysis) {
        const existing = (o.analysisRuns as Json[]).find((ar) => ar.metadata.labels?.[labels.rolloutType] === 'PrePromotion' && ar.metadata.labels?.[labels.podTemplateHash] === hash)
        const s = ensureRun(bg.prePromotionAnalysis, 'PrePromotion', existing)
        if (s) status.blueGreen.prePromotionAnalysisRunStatus = s
        if (existing?.status?.phase !== 'Successful') return
      }
      // The pause before promotion (CompletedBlueGreenPause).
      if (!completedBlueGreenPause()) return
      // Promotion: scale up to all replicas first, then switch the active Service.
      if (replicasOf(newRS) < replicas || availableOf(newRS) < replicas) {
        status.blueGreen.scaleUpPreviewCheckPoint = true
        scaleRS(newRS, replicas, 'new')
        return
      }
      pause.remove.push(pauseReasons.bluegreen)
      if (bg.activeService) switchBG(bg.activeService, hash)
      status.blueGreen.activeSelector = hash
      return
    }
    // Promoted: post-promotion analysis, then the new ReplicaSet becomes stable.
    if (bg.postPromotionAnalysis && prev.stableRS !== hash) {
      const existing = (o.analysisRuns as Json[]).find((ar) => ar.metadata.labels?.[labels.rolloutType] === 'PostPromotion' && ar.metadata.labels?.[labels.podTemplateHash] === hash)
      const s = ensureRun(bg.postPromotionAnalysis, 'PostPromotion', existing)
      if (s) status.blueGreen.postPromotionAnalysisRunStatus = s
      if (existing?.status?.phase !== 'Successful') return
    }
    if (isAborted()) return
    promoteStable('Completed blue-green update')
    // The previous active ReplicaSet: scaled down after scaleDownDelaySeconds (default 30).
    for (const rs of all) if (rs !== newRS) scaleDownAfterDelay(rs, bg.scaleDownDelaySeconds ?? 30)
  }

  function completedBlueGreenPause(): boolean {
    const bg = spec.strategy.blueGreen as Json
    const cond = ((prev.pauseConditions ?? []) as Json[]).find((p) => p.reason === pauseReasons.bluegreen)
    if (spec.paused) return false
    if (prev.blueGreen?.scaleUpPreviewCheckPoint) return true
    const auto = bg.autoPromotionEnabled === undefined || bg.autoPromotionEnabled === true
    if (auto) {
      const secs = bg.autoPromotionSeconds ?? 0
      if (secs === 0) return true
      if (!cond) {
        pause.add.push(pauseReasons.bluegreen)
        return false
      }
      const left = Date.parse(cond.startTime) + secs * 1000 - now.getTime()
      if (left <= 0) return true
      requeue(left + 1)
      return false
    }
    if (prev.controllerPause && !cond) return true
    if (!cond && !prev.controllerPause) pause.add.push(pauseReasons.bluegreen)
    return false
  }

  function switchBG(name: string, target: string): void {
    switchService(name, target)
  }

  // ===========================================================================================
  // persistRolloutStatus: pause and abort, conditions, phase; written only when it changed.

  function finish(): RolloutPlan {
    // Abort (CalculateAbortStatus) and pause conditions (CalculatePauseConditions).
    if (pause.addAbort || (!pause.removeAbort && prev.abort)) {
      status.abort = true
      status.abortedAt = prev.abortedAt ?? ts
      delete status.pauseConditions
      status.controllerPause = false
    } else {
      delete status.abort
      delete status.abortedAt
      delete status.pauseConditions
      status.controllerPause = false
      if (!pause.clear) {
        const conds = ((prev.pauseConditions ?? []) as Json[]).filter((p) => !pause.remove.includes(p.reason))
        let controllerPause = !!prev.controllerPause
        for (const r of pause.add)
          if (!((prev.pauseConditions ?? []) as Json[]).some((p) => p.reason === r)) {
            conds.push({ reason: r, startTime: ts })
            controllerPause = true
          }
        if (conds.length) {
          status.pauseConditions = conds
          status.controllerPause = controllerPause
        }
      }
    }
    if (!status.controllerPause) delete status.controllerPause

    conditions()
    ;[status.phase, status.message] = rolloutPhase(ro, status)

    // Events on pausing and resuming (sendStateChangeEvents).
    const wasPaused = (prev.pauseConditions ?? []).length > 0
    const isPausedNow = (status.pauseConditions ?? []).length > 0
    if (wasPaused !== isPausedNow) {
      if (isPausedNow) event('Normal', reasons.rolloutPaused, `${messages.paused} (${status.pauseConditions[0].reason})`)
      else if (!status.abortedAt) event('Normal', reasons.rolloutResumed, messages.resumed)
    }
    if (JSON.stringify(status) !== JSON.stringify(prev)) actions.push({ type: 'updateStatus', status })
    // Progress deadline: look again when it falls due.
    const prog = getCondition(status, 'Progressing')
    if (prog && prog.status === 'True' && status.phase === 'Progressing' && !isPausedNow && !status.abort) {
      const deadline = Date.parse(prog.lastUpdateTime) + (spec.progressDeadlineSeconds ?? 600) * 1000 - now.getTime()
      requeue(deadline + 1000)
    }
    return { actions, requeueAfterMs }
  }

  function conditions(): void {
    const isPaused = (status.pauseConditions ?? []).length > 0 || !!spec.paused
    const aborted = !!status.abort
    const replicas = specReplicas(ro)
    const healthyNow = rolloutHealthy()
    // Healthy
    const curHealthy = getCondition(prev, 'Healthy')
    let becameUnhealthy = false
    if (!isPaused && healthyNow) setCondition(status, { type: 'Healthy', status: 'True', reason: reasons.rolloutHealthy, message: messages.healthy, lastUpdateTime: ts, lastTransitionTime: ts })
    else if (curHealthy) becameUnhealthy = setCondition(status, { type: 'Healthy', status: 'False', reason: reasons.rolloutHealthy, message: messages.notHealthy, lastUpdateTime: ts, lastTransitionTime: ts }) && curHealthy.status === 'True'
    // Progressing
    const prog = getCondition(prev, 'Progressing')
    if (aborted) {
      const rev = ro.metadata.annotations?.[labels.revision] ?? ''
      let message = `Rollout aborted update to revision ${rev}`
      const abortMessage = pause.abortMessage || (getCondition(prev, 'Progressing')?.reason === reasons.rolloutAborted ? /: (.*)$/.exec(getCondition(prev, 'Progressing')!.message)?.[1] ?? '' : '')
      if (abortMessage) message = `${message}: ${abortMessage}`
      if (setCondition(status, { type: 'Progressing', status: 'False', reason: reasons.rolloutAborted, message, lastUpdateTime: ts, lastTransitionTime: ts })) event('Warning', reasons.rolloutAborted, message)
    } else if (prog?.reason === reasons.rolloutAborted) {
      setCondition(status, { type: 'Progressing', status: 'Unknown', reason: reasons.rolloutRetry, message: messages.retry, lastUpdateTime: ts, lastTransitionTime: ts })
    }
    if (!aborted) {
      const progNow = getCondition(status, 'Progressing')
      if (isPaused && progNow?.reason !== reasons.rolloutPaused && !(status.stableRS && status.stableRS === status.currentPodHash)) {
        setCondition(status, { type: 'Progressing', status: 'Unknown', reason: reasons.rolloutPaused, message: messages.paused, lastUpdateTime: ts, lastTransitionTime: ts })
      } else if (!isPaused && progNow?.reason === reasons.rolloutPaused) {
        setCondition(status, { type: 'Progressing', status: 'Unknown', reason: reasons.rolloutResumed, message: messages.resumed, lastUpdateTime: ts, lastTransitionTime: ts })
      }
      const isHealthyRollout = status.replicas === status.availableReplicas && getCondition(status, 'Progressing')?.reason === reasons.newRSAvailable
      if (!isHealthyRollout && !isPaused) {
        if (healthyNow) {
          setCondition(status, { type: 'Progressing', status: 'True', reason: reasons.newRSAvailable, message: `ReplicaSet ${JSON.stringify(newRS!.metadata.name)} has successfully progressed.`, lastUpdateTime: ts, lastTransitionTime: ts })
        } else if (rolloutProgressing() || becameUnhealthy) {
          let reason: string = reasons.replicaSetUpdated
          let message = `ReplicaSet ${JSON.stringify(newRS!.metadata.name)} is progressing.`
          if (status.stableRS === status.currentPodHash && becameUnhealthy) {
            reason = reasons.replicaSetNotAvailable
            message = messages.notAvailable
          }
          const cur = getCondition(status, 'Progressing')
          const cond = { type: 'Progressing', status: 'True', reason, message, lastUpdateTime: ts, lastTransitionTime: cur?.status === 'True' ? cur.lastTransitionTime : ts }
          status.conditions = [...((status.conditions ?? []) as Json[]).filter((c) => c.type !== 'Progressing'), cond]
        } else if (timedOut()) {
          const message = `ReplicaSet ${JSON.stringify(newRS!.metadata.name)} has timed out progressing.`
          setCondition(status, { type: 'Progressing', status: 'False', reason: reasons.timedOut, message, lastUpdateTime: ts, lastTransitionTime: ts })
          if (spec.progressDeadlineAbort && !status.abort) {
            status.abort = true
            status.abortedAt = ts
            delete status.pauseConditions
            const m = `Rollout aborted update to revision ${ro.metadata.annotations?.[labels.revision] ?? ''}: ${message}`
            setCondition(status, { type: 'Progressing', status: 'False', reason: reasons.rolloutAborted, message: m, lastUpdateTime: ts, lastTransitionTime: ts })
            event('Warning', reasons.rolloutAborted, m)
          }
        }
      }
    }
    // Available
    const activeRS = status.blueGreen?.activeSelector ? all.find((rs) => hashOf(rs) === status.blueGreen.activeSelector) : undefined
    const available = spec.strategy?.blueGreen
      ? !!activeRS && availableOf(activeRS) >= replicas && replicasOf(activeRS) === replicas
      : sum(all, availableOf) >= replicas
    setCondition(status, available
      ? { type: 'Available', status: 'True', reason: reasons.available, message: messages.available, lastUpdateTime: ts, lastTransitionTime: ts }
      : { type: 'Available', status: 'False', reason: reasons.available, message: messages.notAvailable, lastUpdateTime: ts, lastTransitionTime: ts })
    // Paused
    const pausedCond = getCondition(prev, 'Paused')
    if (isPaused !== (pausedCond?.status === 'True') && !aborted)
      setCondition(status, { type: 'Paused', status: isPaused ? 'True' : 'False', reason: reasons.rolloutPaused, message: messages.paused, lastUpdateTime: ts, lastTransitionTime: ts })
    // Completed
    const completed = !!status.stableRS && status.stableRS === status.currentPodHash
    if (completed) setCondition(status, { type: 'Completed', status: 'True', reason: reasons.rolloutCompleted, message: reasons.rolloutCompleted, lastUpdateTime: ts, lastTransitionTime: ts })
    else if (setCondition(status, { type: 'Completed', status: 'False', reason: reasons.rolloutCompleted, message: reasons.rolloutCompleted, lastUpdateTime: ts, lastTransitionTime: ts }))
      event('Normal', reasons.rolloutNotCompleted, `Rollout not completed, started update to revision ${ro.metadata.annotations?.[labels.revision] ?? ''} (${hash})`)
  }

  function rolloutHealthy(): boolean {
    const replicas = specReplicas(ro)
    let completedStrategy = true
    if (spec.strategy?.blueGreen) {
      completedStrategy = status.blueGreen?.activeSelector === status.currentPodHash && (!spec.strategy.blueGreen.previewService || status.blueGreen?.previewSelector === status.currentPodHash)
    }
    if (isCanary) {
      const n = steps(ro).length
      const executedAll = n === 0 || status.currentStepIndex === undefined || status.currentStepIndex === n
      completedStrategy = executedAll && !!status.stableRS && status.stableRS === status.currentPodHash && status.replicas === replicas
    }
    return status.updatedReplicas === replicas && status.availableReplicas === replicas && prev.observedGeneration === generation && completedStrategy
  }

  function rolloutProgressing(): boolean {
    let strategyProgress = false
    if (spec.strategy?.blueGreen) strategyProgress = prev.blueGreen?.activeSelector !== status.blueGreen?.activeSelector || prev.blueGreen?.previewSelector !== status.blueGreen?.previewSelector
    if (isCanary)
      strategyProgress =
        status.stableRS !== prev.stableRS || (status.currentStepIndex !== undefined && prev.currentStepIndex !== undefined && status.currentStepIndex !== prev.currentStepIndex) || status.currentStepHash !== prev.currentStepHash
    const oldOld = (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0)
    const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0)
    return status.updatedReplicas !== prev.updatedReplicas || newOld < oldOld || (status.readyReplicas ?? 0) > (prev.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (prev.availableReplicas ?? 0) || strategyProgress
  }

  function timedOut(): boolean {
    const cond = getCondition(status, 'Progressing')
    if (!cond || cond.reason === reasons.rolloutAborted || cond.reason === reasons.rolloutPaused) return false
    if (cond.reason === reasons.timedOut) return true
    const { step } = currentStep(ro)
    if (step && (step.pause || step.analysis || step.experiment)) return false
    return Date.parse(cond.lastUpdateTime) + (spec.progressDeadlineSeconds ?? 600) * 1000 < now.getTime()
  }
}

/**
 * A Rollout with workloadRef reads its template and selector from the Deployment (Argo's template
 * resolver); what the controller writes back goes to the stored Rollout, never these.
 */
function withWorkload(o: Observed): Observed {
  const spec = (o.rollout.spec ?? {}) as Json
  if (!spec.workloadRef || !o.workload) return o
  const wspec = (o.workload.spec ?? {}) as Json
  const resolved = clone(o.rollout)
  const rspec = resolved.spec as Json
  rspec.template = clone(wspec.template)
  if (!rspec.selector) rspec.selector = clone(wspec.selector)
  return { ...o, rollout: resolved }
}

/** PodTemplateEqualIgnoreHash: equal but for the rollouts-pod-template-hash label. */
function sameTemplate(a: Json | undefined, b: Json): boolean {
  const strip = (t: Json | undefined) => {
    const c = clone(t ?? {})
    if (c.metadata?.labels) delete c.metadata.labels[labels.podTemplateHash]
    return c
  }
  return equalIgnoreHash(strip(a), strip(b))
}

/** MaxUnavailable of either strategy (canary default 25%; blue/green default 0). */
function maxUnavailableFor(ro: Json): number {
  const replicas = specReplicas(ro)
  const s = ro.spec?.strategy?.canary ?? ro.spec?.strategy?.blueGreen ?? {}
  const v = s.maxUnavailable ?? (ro.spec?.strategy?.canary ? '25%' : 0)
  if (typeof v === 'number') return Math.min(v, replicas)
  const m = /^(\d+)%$/.exec(String(v))
  return m ? Math.min(Math.floor((Number(m[1]) * replicas) / 100), replicas) : 0
}

/** The `kubelite.io/traffic-sticky` Rollout annotation → the annotation's `sticky` block. */
export function stickyFrom(v: string | undefined): Json | undefined {
  if (!v) return undefined
  if (v === 'clientIP') return { clientIP: true }
  if (v === 'cookie') return { cookie: 'kubelite-route' }
  const m = /^cookie=([A-Za-z0-9_-]+)$/.exec(v)
  return m ? { cookie: m[1] } : undefined
}
