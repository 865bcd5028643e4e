// apps/v1 StatefulSet (upstream: pkg/apis/apps/v1/defaults.go SetDefaults_StatefulSet,
// pkg/apis/apps/validation ValidateStatefulSet / ValidateStatefulSetUpdate, printers.go
// printStatefulSet).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Subdomain, notSupported, required } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import type { ResourceDef, ScaleDef, TableColumn } from '../types.js'
import { replicasScale, validateSelectorImmutable } from './deployment.js'
import { goInvalid } from './gosyntax.js'
import { containerCells, ensureObj, isObj, numOr, objAt, semanticEqual, validateNonNegative, validateTemplateForReplicaSet, validateWorkloadSelector } from './workload.js'

const isSet = (v: unknown) => v !== undefined && v !== null

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, the PVC retention policy
 * Retain/Retain, replicas 1, revisionHistoryLimit 10; then the pod template's defaults.
 */
export function defaultStatefulSet(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (!isSet(spec.podManagementPolicy) || spec.podManagementPolicy === '') spec.podManagementPolicy = 'OrderedReady'
  const strategy = ensureObj(spec, 'updateStrategy')
  if (strategy) {
    if (!isSet(strategy.type) || strategy.type === '') {
      strategy.type = 'RollingUpdate'
      if (!isSet(strategy.rollingUpdate)) strategy.rollingUpdate = {}
    }
    const ru = objAt(strategy, 'rollingUpdate')
    if (strategy.type === 'RollingUpdate' && ru && !isSet(ru.partition)) ru.partition = 0
  }
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy')
  if (retention) {
    if (!isSet(retention.whenDeleted) || retention.whenDeleted === '') retention.whenDeleted = 'Retain'
    if (!isSet(retention.whenScaled) || retention.whenScaled === '') retention.whenScaled = 'Retain'
  }
  if (!isSet(spec.replicas)) spec.replicas = 1
  if (!isSet(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10
  const template = ensureObj(spec, 'template')
  if (template) defaultPodTemplateSpec(template)
  for (const pvc of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    const s = isObj(pvc) ? objAt(pvc, 'spec') : undefined
    if (s && !isSet(s.volumeMode)) s.volumeMode = 'Filesystem'
  }
}

/** ValidateStatefulSetSpec (paths from `spec`). */
export function validateStatefulSetSpec(specIn: unknown): FieldError[] {
  const spec = isObj(specIn) ? specIn : {}
  const errs: FieldError[] = []
  const pmp = spec.podManagementPolicy
  if (!isSet(pmp) || pmp === '') errs.push(required('spec.podManagementPolicy', ''))
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, 'must be \'OrderedReady\' or \'Parallel\''))
  const strategy = objAt(spec, 'updateStrategy') ?? {}
  switch (strategy.type) {
    case '':
    case undefined:
    case null:
      errs.push(required('spec.updateStrategy', ''))
      break
    case 'OnDelete':
      if (isSet(strategy.rollingUpdate))
        errs.push(
          goInvalid(
            'spec.updateStrategy.rollingUpdate',
            strategy.rollingUpdate,
            `&apps.RollingUpdateStatefulSetStrategy{Partition:${numOr(objAt(strategy, 'rollingUpdate')?.partition, 0)}, MaxUnavailable:(*intstr.IntOrString)(nil)}`,
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        )
      break
    case 'RollingUpdate': {
      const ru = objAt(strategy, 'rollingUpdate')
      if (ru) errs.push(...validateNonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'))
      break
    }
    default:
      errs.push(invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'"))
  }
  const retention = objAt(spec, 'persistentVolumeClaimRetentionPolicy')
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled'])
      if (!['Retain', 'Delete'].includes(retention[f] as string))
        errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, retention[f] ?? '', ['Retain', 'Delete']))
  }
  errs.push(...validateNonNegative(spec.replicas, 'spec.replicas'), ...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  const ordinals = objAt(spec, 'ordinals')
  if (ordinals) errs.push(...validateNonNegative(ordinals.start, 'spec.ordinals.start'))
  const sel = validateWorkloadSelector(spec.selector, 'spec.selector', 'statefulset')
  errs.push(...sel.errs)
  if (sel.selector) errs.push(...validateTemplateForReplicaSet(withClaimVolumes(spec), sel.selector, 'spec.template', 'StatefulSet'))
  return errs
}

/**
 * The template as its pods get it: each volumeClaimTemplate is a volume of that name (updateStorage),
 * so mounts of `www` are not "Not found". Upstream does not check the pod spec of a StatefulSet's
 * template at all (it waits for the pods); the claim templates themselves are checked when their
 * claims are created.
 */
function withClaimVolumes(spec: Record<string, unknown>): unknown {
  const claims = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []
  const template = objAt(spec, 'template')
  const podSpec = template ? objAt(template, 'spec') : undefined
  if (claims.length === 0 || !template || !podSpec) return spec.template
  const names = claims.map((c) => (isObj(c) ? objAt(c, 'metadata')?.name : undefined)).filter((n): n is string => typeof n === 'string' && n !== '')
  const volumes = (Array.isArray(podSpec.volumes) ? podSpec.volumes : []).filter((v) => !(isObj(v) && names.includes(v.name as string)))
  return { ...template, spec: { ...podSpec, volumes: [...volumes, ...names.map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))] } }
}

/** The spec fields an update may change (ValidateStatefulSetUpdate). */
const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']

export function validateStatefulSetUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateStatefulSetSpec(obj.spec)
  const a = { ...(objAt(obj, 'spec') ?? {}) }
  const b = { ...(objAt(old, 'spec') ?? {}) }
  for (const k of mutable) {
    delete a[k]
    delete b[k]
  }
  if (!semanticEqual(a, b))
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    )
  else errs.push(...validateSelectorImmutable(obj, old))
  return errs
}

const columns: TableColumn[] = [nameColumn, column('Ready', 'string', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn]

/** printStatefulSet's cells (wide). */
export function statefulSetCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const [names, images] = containerCells(spec.template)
  return [obj.metadata.name ?? '', `${numOr(status.readyReplicas, 0)}/${numOr(spec.replicas, 0)}`, age(obj.metadata.creationTimestamp as string | undefined, now), names, images]
}

export const statefulsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  scale: replicasScale as ScaleDef,
  defaults: defaultStatefulSet,
  validate: (obj) => validateStatefulSetSpec(obj.spec),
  validateUpdate: validateStatefulSetUpdate,
  table: { columns, cells: statefulSetCells },
}
