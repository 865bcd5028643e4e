// core/v1 Node (upstream pkg/registry/core/node/strategy.go, ValidateNode / ValidateNodeUpdate).
import type { Node } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { forbidden, invalid, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, notSupported, required, duplicate, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import { isObj, list, objOf, str, type Obj } from './util.js'

export type NodeObj = StoredObject & Node

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']

function validateTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  const unique = new Map<string, Set<string>>()
  list(taints).forEach((t, i) => {
    const taint = objOf(t)
    const p = `${path}[${i}]`
    const key = str(taint.key)
    for (const m of isQualifiedName(key)) errs.push(invalid(`${p}.key`, key, m))
    const value = str(taint.value)
    const vm = isValidLabelValue(value)
    if (vm.length) errs.push(invalid(`${p}.value`, value, vm.join(';')))
    const effect = str(taint.effect)
    if (effect === '') errs.push(required(`${p}.effect`))
    else if (!taintEffects.includes(effect)) errs.push(notSupported(`${p}.effect`, effect, taintEffects))
    const keys = unique.get(effect) ?? new Set<string>()
    if (keys.has(key)) {
      errs.push({ ...duplicate(p, taint), detail: 'taints must be unique by key and effect pair' })
      return
    }
    keys.add(key)
    unique.set(effect, keys)
  })
  return errs
}

/** node-role.kubernetes.io/<role> labels and kubernetes.io/role, sorted (upstream findNodeRoles). */
export function nodeRoles(node: NodeObj): string[] {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length)
      if (role) roles.add(role)
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v)
  }
  return [...roles].sort()
}

/** `Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: NodeObj): string {
  const status: string[] = []
  const ready = list(objOf(node.status).conditions).filter(isObj).filter((c) => c.type === 'Ready').pop()
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady')
  if (status.length === 0) status.push('Unknown')
  if (node.spec?.unschedulable) status.push('SchedulingDisabled')
  return status.join(',')
}

function address(node: NodeObj, type: string): string {
  const a = list(objOf(node.status).addresses).filter(isObj).find((x) => x.type === type)
  return a ? str(a.address) : '<none>'
}

export const nodesResource: ResourceDef<NodeObj> = {
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  keepStatusOnCreate: true,

  /** SetDefaults_NodeStatus: allocatable defaults to capacity. */
  defaults(node) {
    const status = node.status as Obj | undefined
    if (isObj(status) && isObj(status.capacity) && (status.allocatable === undefined || status.allocatable === null))
      status.allocatable = { ...status.capacity }
  },
  validate(node) {
    // Upstream validates taints under the metadata path (a long-standing quirk kept for exact messages).
    return validateTaints(node.spec?.taints, 'metadata.taints')
  },
  validateUpdate(node, old) {
    const errs: FieldError[] = []
    const seen = new Set<string>()
    list(objOf(node.status).addresses).forEach((a, i) => {
      const key = JSON.stringify([str(objOf(a).type), str(objOf(a).address)])
      if (seen.has(key)) errs.push(duplicate(`status.addresses[${i}]`, a))
      seen.add(key)
    })
    const oldCIDRs = list(old.spec?.podCIDRs).map(str)
    const newCIDRs = list(node.spec?.podCIDRs).map(str)
    if (oldCIDRs.length > 0) {
      const msg = 'node updates may not change podCIDR except from "" to valid'
      if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden('spec.podCIDRs', msg))
      else oldCIDRs.forEach((c, i) => { if (c !== newCIDRs[i]) errs.push(forbidden('spec.podCIDRs', msg)) })
    }
    if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID)
      errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'))
    errs.push(...validateTaints(node.spec?.taints, 'metadata.taints'))
    if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) errs.push(forbidden('spec.externalID', 'may not be updated'))
    return errs
  },

  table: {
    columns: [
      nameColumn,
      column('Status', 'string', 'The status of the node'),
      column('Roles', 'string', 'The roles of the node'),
      ageColumn,
      column('Version', 'string', docs.kubeletVersion),
      column('Internal-IP', 'string', docs.nodeAddresses, true),
      column('External-IP', 'string', docs.nodeAddresses, true),
      column('OS-Image', 'string', docs.osImage, true),
      column('Kernel-Version', 'string', docs.kernelVersion, true),
      column('Container-Runtime', 'string', docs.containerRuntimeVersion, true),
    ],
    cells(node, now) {
      const info = objOf(objOf(node.status).nodeInfo)
      return [
        node.metadata.name,
        nodeStatus(node),
        nodeRoles(node).join(',') || '<none>',
        age(node.metadata.creationTimestamp, now),
        str(info.kubeletVersion),
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ]
    },
  },
  fieldSelectors: {
    'spec.unschedulable': (node) => String(node.spec?.unschedulable === true),
  },
}
