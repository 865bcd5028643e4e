// core/v1 ReplicationController, served so manifests and `kubectl apply --prune` (whose default
// allowlist names it) work: upstream's defaults (SetDefaults_ReplicationController), validation
// (ValidateReplicationControllerSpec), printer columns and scale. No controller runs them here:
// ReplicaSets and Deployments replaced them upstream long ago (docs/storage.md says so).
import type { StoredObject } from '../../apis/meta.js'
import { invalid, isDNS1123Subdomain, required, type FieldError } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import type { ResourceDef, ScaleDef } from '../types.js'
import { containerCells, ensureObj, isObj, numOr, objAt, validateNonNegative } from '../apps/workload.js'

const selectorOf = (obj: StoredObject): Record<string, string> => {
  const s = objAt(obj, 'spec')?.selector
  return isObj(s) ? (s as Record<string, string>) : {}
}
const formatMap = (m: Record<string, string>) =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join(',')

/** SetDefaults_ReplicationController: selector and labels from the template's labels, replicas 1. */
function defaultRC(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  const template = objAt(spec, 'template')
  const labels = template ? objAt(template, 'metadata')?.labels : undefined
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels }
    if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...(labels as Record<string, string>) }
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1
  if (template) defaultPodTemplateSpec(template)
}

function validateRC(obj: StoredObject): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {}
  const errs = [...validateNonNegative(spec.replicas, 'spec.replicas'), ...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds')]
  const selector = selectorOf(obj)
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector', ''))
  const template = objAt(spec, 'template')
  if (!template) errs.push(required('spec.template', ''))
  else {
    const labels = (objAt(template, 'metadata')?.labels ?? {}) as Record<string, string>
    if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v))
      errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'))
    const restart = objAt(template, 'spec')?.restartPolicy
    if (restart !== undefined && restart !== 'Always') errs.push({ type: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', value: restart, detail: 'supported values: "Always"' })
  }
  return errs
}

const rcScale: ScaleDef = {
  specReplicas: (o) => numOr(objAt(o, 'spec')?.replicas, 0),
  statusReplicas: (o) => numOr(objAt(o, 'status')?.replicas, 0),
  selector: (o) => formatMap(selectorOf(o)),
  withReplicas: (o, replicas) => ({ ...o, spec: { ...(objAt(o, 'spec') ?? {}), replicas } }),
}

export const replicationControllersResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  scale: rcScale,
  defaults: defaultRC,
  validate: validateRC,
  table: {
    columns: [
      nameColumn,
      column('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
      column('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
      column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', true),
    ],
    cells(obj, now) {
      const spec = objAt(obj, 'spec') ?? {}
      const status = objAt(obj, 'status') ?? {}
      const [names, images] = containerCells(spec.template)
      return [obj.metadata.name ?? '', numOr(spec.replicas, 0), numOr(status.replicas, 0), numOr(status.readyReplicas, 0), age(obj.metadata.creationTimestamp, now), names, images, formatMap(selectorOf(obj))]
    },
  },
}
