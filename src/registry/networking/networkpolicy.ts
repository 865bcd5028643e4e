// networking.k8s.io/v1 NetworkPolicy (upstream: pkg/apis/networking/v1/defaults.go,
// validation ValidateNetworkPolicy / ValidateNetworkPolicyUpdate, printers.go printNetworkPolicy).
// Stored and validated only: kubelite's process runtime does not enforce it (docs/ingress.md).
import type { StoredObject } from '../../apis/meta.js'
import { isValidPortName } from '../../apis/core/names.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Subdomain, notSupported, portRangeMsg, required } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { formatLabelSelectorCell, validateLabelSelector } from '../apps/workload.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { isObj, list, str, type Obj } from '../core/util.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { parseCIDRSloppy, strictSubset } from './names.js'

const protocols = ['TCP', 'UDP', 'SCTP']
const policyTypes = ['Ingress', 'Egress']

/** SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort. */
export function defaultNetworkPolicy(obj: StoredObject): void {
  const spec = isObj(obj.spec) ? obj.spec : undefined
  if (!spec) return
  for (const rules of [spec.ingress, spec.egress])
    for (const r of list(rules)) for (const p of isObj(r) ? list(r.ports) : []) if (isObj(p) && (p.protocol === undefined || p.protocol === null)) p.protocol = 'TCP'
  if (list(spec.policyTypes).length === 0) spec.policyTypes = list(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress']
}

function validatePort(port: Obj, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (port.protocol !== undefined && port.protocol !== null && !protocols.includes(str(port.protocol))) errs.push(notSupported(`${field}.protocol`, port.protocol, protocols))
  const hasEnd = typeof port.endPort === 'number'
  if (port.port !== undefined && port.port !== null) {
    if (typeof port.port === 'number') {
      if (!(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535)) errs.push(invalid(`${field}.port`, port.port, portRangeMsg))
      if (hasEnd) {
        const end = port.endPort as number
        if (end < port.port) errs.push(invalid(`${field}.endPort`, end, 'must be greater than or equal to `port`'))
        if (!(Number.isInteger(end) && end >= 1 && end <= 65535)) errs.push(invalid(`${field}.endPort`, end, portRangeMsg))
      }
    } else {
      if (hasEnd) errs.push(invalid(`${field}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'))
      for (const m of isValidPortName(str(port.port))) errs.push(invalid(`${field}.port`, port.port, m))
    }
  } else if (hasEnd) errs.push(invalid(`${field}.endPort`, port.endPort, 'may not be specified when `port` is not specified'))
  return errs
}

const cidrMessage = 'must be a valid CIDR value, (e.g. 127.244.8.0/24 or 2001:db8::/64)'

function validateIPBlock(block: Obj, field: string): FieldError[] {
  const cidr = str(block.cidr)
  if (cidr === '') return [required(`${field}.cidr`, '')]
  const outer = parseCIDRSloppy(cidr)
  if (!outer) return [invalid(`${field}.cidr`, cidr, cidrMessage)]
  const errs: FieldError[] = []
  list(block.except).forEach((e, i) => {
    const text = str(e)
    const inner = parseCIDRSloppy(text)
    if (!inner) errs.push(invalid(`${field}.except[${i}]`, text, cidrMessage))
    else if (!strictSubset(outer, inner)) errs.push(invalid(`${field}.except[${i}]`, text, 'must be a strict subset of `cidr`'))
  })
  return errs
}

function validatePeer(peer: Obj, field: string): FieldError[] {
  const errs: FieldError[] = []
  let peers = 0
  if (isObj(peer.podSelector)) {
    peers++
    errs.push(...validateLabelSelector(peer.podSelector, `${field}.podSelector`))
  }
  if (isObj(peer.namespaceSelector)) {
    peers++
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${field}.namespaceSelector`))
  }
  const block = isObj(peer.ipBlock) ? peer.ipBlock : undefined
  if (block) {
    peers++
    errs.push(...validateIPBlock(block, `${field}.ipBlock`))
  }
  if (peers === 0) errs.push(required(field, 'must specify a peer'))
  else if (peers > 1 && block) errs.push(forbidden(field, 'may not specify both ipBlock and another peer'))
  return errs
}

export function validateNetworkPolicy(obj: StoredObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {}
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector')
  for (const [key, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[key]).forEach((r, i) => {
      const rule = isObj(r) ? r : {}
      const field = `spec.${key}[${i}]`
      list(rule.ports).forEach((p, j) => errs.push(...validatePort(isObj(p) ? p : {}, `${field}.ports[${j}]`)))
      list(rule[peersKey]).forEach((p, j) => errs.push(...validatePeer(isObj(p) ? p : {}, `${field}.${peersKey}[${j}]`)))
    })
  }
  const types = list(spec.policyTypes)
  if (types.length > 2) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.policyTypes', valueText: `[]networking.PolicyType{${types.map((t) => JSON.stringify(String(t))).join(', ')}}`, detail: 'may not specify more than two policyTypes' })
    return errs
  }
  types.forEach((t, i) => {
    if (!policyTypes.includes(str(t))) errs.push(notSupported(`spec.policyTypes[${i}]`, t, policyTypes))
  })
  return errs
}

const columns: TableColumn[] = [
  nameColumn,
  column(
    'Pod-Selector',
    'string',
    'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
  ),
  ageColumn,
]

export const networkpolicies: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  nameValidator: isDNS1123Subdomain,
  generation: true,
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
  table: {
    columns,
    cells: (obj, now) => [obj.metadata.name ?? '', formatLabelSelectorCell(isObj(obj.spec) ? (obj.spec.podSelector ?? {}) : {}), age(obj.metadata.creationTimestamp as string | undefined, now)],
  },
}
