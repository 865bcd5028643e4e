// apps/v1 ReplicaSet (upstream: SetDefaults_ReplicaSet, ValidateReplicaSetSpec,
// pkg/registry/apps/replicaset/strategy.go, printers.go printReplicaSet).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { isDNS1123Subdomain } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { ageColumn, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import { replicasScale, validateSelectorImmutable } from './deployment.js'
import {
  containerCells,
  ensureObj,
  formatLabelSelectorCell,
  isObj,
  numOr,
  objAt,
  validateNonNegative,
  validateTemplateForReplicaSet,
  validateWorkloadSelector,
} from './workload.js'

/** SetDefaults_ReplicaSet plus the pod template's defaults. */
export function defaultReplicaSet(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1
  const template = ensureObj(spec, 'template')
  if (template) defaultPodTemplateSpec(template)
}

/** ValidateReplicaSetSpec (field paths from `spec`). */
export function validateReplicaSetSpec(spec: unknown): FieldError[] {
  const s = isObj(spec) ? spec : {}
  const errs = [...validateNonNegative(s.replicas, 'spec.replicas'), ...validateNonNegative(s.minReadySeconds, 'spec.minReadySeconds')]
  // Upstream's message really says "deployment" here.
  const sel = validateWorkloadSelector(s.selector, 'spec.selector', 'deployment')
  errs.push(...sel.errs)
  if (sel.selector) errs.push(...validateTemplateForReplicaSet(s.template, sel.selector, 'spec.template', 'ReplicaSet'))
  return errs
}

const columns: TableColumn[] = [
  nameColumn,
  {
    name: 'Desired',
    type: 'integer',
    format: '',
    description:
      'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    priority: 0,
  },
  {
    name: 'Current',
    type: 'integer',
    format: '',
    description: 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    priority: 0,
  },
  { name: 'Ready', type: 'integer', format: '', description: 'The number of ready replicas for this replica set.', priority: 0 },
  ageColumn,
  containersColumn,
  imagesColumn,
  {
    name: 'Selector',
    type: 'string',
    format: '',
    description:
      'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    priority: 1,
  },
]

/** printReplicaSet's cells (wide). */
export function replicaSetCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const [names, images] = containerCells(spec.template)
  return [
    obj.metadata.name ?? '',
    numOr(spec.replicas, 0),
    numOr(status.replicas, 0),
    numOr(status.readyReplicas, 0),
    age(obj.metadata.creationTimestamp as string | undefined, now),
    names,
    images,
    formatLabelSelectorCell(spec.selector),
  ]
}

export const replicasets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  scale: replicasScale,
  defaults: defaultReplicaSet,
  validate: (obj) => validateReplicaSetSpec(obj.spec),
  validateUpdate: (obj, old) => [...validateReplicaSetSpec(obj.spec), ...validateSelectorImmutable(obj, old)],
  table: { columns, cells: replicaSetCells },
  fieldSelectors: { 'status.replicas': (obj) => String(numOr(objAt(obj, 'status')?.replicas, 0)) },
}
