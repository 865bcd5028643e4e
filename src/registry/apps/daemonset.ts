// apps/v1 DaemonSet (upstream: pkg/apis/apps/v1/defaults.go SetDefaults_DaemonSet,
// pkg/apis/apps/validation ValidateDaemonSet / ValidateDaemonSetUpdate, printers.go printDaemonSet).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { isDNS1123Subdomain, notSupported, required } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { validateSelectorImmutable } from './deployment.js'
import { goInvalid } from './gosyntax.js'
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './intorpercent.js'
import { containerCells, ensureObj, formatLabelSelectorCell, isObj, numOr, objAt, validateNonNegative, validateTemplateForReplicaSet, validateWorkloadSelector } from './workload.js'

const isSet = (v: unknown) => v !== undefined && v !== null

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10; the template's defaults. */
export function defaultDaemonSet(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  const strategy = ensureObj(spec, 'updateStrategy')
  if (strategy) {
    if (!isSet(strategy.type) || strategy.type === '') strategy.type = 'RollingUpdate'
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObj(strategy, 'rollingUpdate')
      if (ru) {
        if (!isSet(ru.maxUnavailable)) ru.maxUnavailable = 1
        if (!isSet(ru.maxSurge)) ru.maxSurge = 0
      }
    }
  }
  if (!isSet(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10
  const template = ensureObj(spec, 'template')
  if (template) defaultPodTemplateSpec(template)
}

/** ValidateDaemonSetSpec (paths from `spec`). */
export function validateDaemonSetSpec(specIn: unknown): FieldError[] {
  const spec = isObj(specIn) ? specIn : {}
  const errs: FieldError[] = []
  const sel = validateWorkloadSelector(spec.selector, 'spec.selector', 'daemonset')
  errs.push(...sel.errs)
  if (sel.selector) errs.push(...validateTemplateForReplicaSet(spec.template, sel.selector, 'spec.template', 'DaemonSet'))
  errs.push(...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'), ...validateNonNegative(spec.templateGeneration, 'spec.templateGeneration'))
  const strategy = objAt(spec, 'updateStrategy') ?? {}
  switch (strategy.type) {
    case 'OnDelete':
      break
    case 'RollingUpdate': {
      const ru = objAt(strategy, 'rollingUpdate')
      if (!ru) {
        errs.push(required('spec.updateStrategy.rollingUpdate', ''))
        break
      }
      const f = 'spec.updateStrategy.rollingUpdate'
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${f}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${f}.maxSurge`))
      const bothZero = intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0
      if (bothZero) errs.push(goInvalid(`${f}.maxUnavailable`, ru.maxUnavailable, JSON.stringify(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'))
      if (intOrPercentValue(ru.maxUnavailable) !== 0 && intOrPercentValue(ru.maxSurge) !== 0)
        errs.push(goInvalid(`${f}.maxSurge`, ru.maxSurge, JSON.stringify(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'))
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${f}.maxUnavailable`))
      break
    }
    case '':
    case undefined:
    case null:
      errs.push(required('spec.updateStrategy.type', ''))
      break
    default:
      errs.push(notSupported('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']))
  }
  return errs
}

const columns: TableColumn[] = [
  nameColumn,
  column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
  ageColumn,
  containersColumn,
  imagesColumn,
  column('Selector', 'string', "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", true),
]

/** labels.FormatLabels: `k=v,k2=v2` sorted, `<none>` when empty. */
function formatLabels(m: unknown): string {
  const o = isObj(m) ? m : {}
  const keys = Object.keys(o).sort()
  return keys.length ? keys.map((k) => `${k}=${String(o[k])}`).join(',') : '<none>'
}

/** printDaemonSet's cells (wide). */
export function daemonSetCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const s = objAt(obj, 'status') ?? {}
  const [names, images] = containerCells(spec.template)
  return [
    obj.metadata.name ?? '',
    numOr(s.desiredNumberScheduled, 0),
    numOr(s.currentNumberScheduled, 0),
    numOr(s.numberReady, 0),
    numOr(s.updatedNumberScheduled, 0),
    numOr(s.numberAvailable, 0),
    formatLabels(objAt(objAt(spec, 'template'), 'spec')?.nodeSelector),
    age(obj.metadata.creationTimestamp as string | undefined, now),
    names,
    images,
    formatLabelSelectorCell(spec.selector),
  ]
}

export const daemonsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  defaults: defaultDaemonSet,
  validate: (obj) => validateDaemonSetSpec(obj.spec),
  validateUpdate: (obj, old) => [...validateDaemonSetSpec(obj.spec), ...validateSelectorImmutable(obj, old)],
  table: { columns, cells: daemonSetCells },
}
