// The argoproj.io/v1alpha1 kinds of Argo Rollouts (Rollout, AnalysisTemplate,
// ClusterAnalysisTemplate, AnalysisRun, Experiment), served as the apiextensions-apiserver serves
// them once Argo's CRDs (manifests/crds/*-crd.yaml) are installed: names, short names, scope,
// printer columns and subresources come from those CRDs (src/apis/openapi/argoproj.json, written
// by scripts/gen-argo-crds.ts), objects are pruned, defaulted and validated against the CRD schema.
import type { StoredObject } from '../../apis/meta.js'
import { definition, readOpenAPIJson, type Schema } from '../../apis/schema.js'
import type { FieldError } from '../../apis/validation.js'
import { customResourceDef, type CustomKind } from '../apiextensions/customresource.js'
import type { ResourceDef } from '../types.js'

export { atJsonPath } from '../apiextensions/customresource.js'

type Json = Record<string, unknown>

/** The CEL rules Argo's CRDs carry (x-kubernetes-validations), evaluated on update. */
function validateTransitions(crd: CustomKind, obj: StoredObject, old: StoredObject): FieldError[] {
  if (crd.kind !== 'Rollout') return []
  const spec = (obj.spec ?? {}) as Json
  const oldSpec = (old.spec ?? {}) as Json
  // `rule: self == oldSelf` on spec.selector, message `.spec.selector is immutable`.
  if (JSON.stringify(spec.selector ?? null) !== JSON.stringify(oldSpec.selector ?? null))
    return [{ type: 'FieldValueInvalid', field: 'spec.selector', value: 'object', detail: '.spec.selector is immutable' }]
  return []
}

// Argo's AnalysisRun and Experiment CRDs have no status subresource: Argo's controllers write
// status with the object. kubelite serves /status for them as well (kubectl patch
// --subresource=status), and the main resource keeps taking status. The templates have no status.
function resourceFor(crd: CustomKind): ResourceDef {
  return customResourceDef(crd, definition(crd.definition) as Schema, { statusFromSchema: true, validateTransitions: (obj, old) => validateTransitions(crd, obj, old) })
}

const crds = (readOpenAPIJson('argoproj.json') as { crds: CustomKind[] }).crds
const byKind = new Map(crds.map((c) => [c.kind, resourceFor(c)]))

export const rollouts = byKind.get('Rollout')!
export const analysistemplates = byKind.get('AnalysisTemplate')!
export const clusteranalysistemplates = byKind.get('ClusterAnalysisTemplate')!
export const analysisruns = byKind.get('AnalysisRun')!
export const experiments = byKind.get('Experiment')!

/** In the order `kubectl api-resources` lists them (alphabetical within the group upstream). */
export const argoprojResources: ResourceDef[] = [analysisruns, analysistemplates, clusteranalysistemplates, experiments, rollouts]
