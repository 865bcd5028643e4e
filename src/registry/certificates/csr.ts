// certificates.k8s.io/v1 CertificateSigningRequest (upstream: pkg/apis/certificates/validation,
// pkg/registry/certificates/certificates/strategy.go, printers.go printCertificateSigningRequest).
// The spec is written once, on create, and never changes; the requester's identity is filled in by
// the API (admission below, upstream's PrepareForCreate), not taken from the client; approval goes
// through the `approval` subresource and the issued certificate through `status`.
import { clone, type StoredObject } from '../../apis/meta.js'
import { duplicate, forbidden, invalid, isDNS1123Subdomain, notSupported, required, type FieldError } from '../../apis/validation.js'
import { age, humanDuration, rfc3339 } from '../../lib/duration.js'
import { parseCertificateRequest } from '../../lib/x509.js'
import type { Admission } from '../rest.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'

export interface CSRCondition {
  type: string
  status: string
  reason?: string
  message?: string
  lastUpdateTime?: string
  lastTransitionTime?: string
}

export interface CSRObj extends StoredObject {
  spec?: {
    request?: string
    signerName?: string
    expirationSeconds?: number
    usages?: string[]
    username?: string
    uid?: string
    groups?: string[]
    extra?: Record<string, string[]>
  }
  status?: { conditions?: CSRCondition[]; certificate?: string }
}

/** certificates.KeyUsage values (upstream's allValidUsages). */
export const knownUsages = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign', 'encipher only', 'decipher only',
  'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
]

/** The bytes Go's %#v prints for a []byte field value (upstream's Invalid value for spec.request). */
const goBytes = (b: Buffer) => `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`

function validateSignerName(name: unknown): FieldError[] {
  const path = 'spec.signerName'
  if (typeof name !== 'string' || name === '') return [required(path, '')]
  const parts = name.split('/')
  if (parts.length < 2) return [invalid(path, name, 'must be a fully qualified domain and path of the form \'example.com/signer-name\'')]
  const errs = isDNS1123Subdomain(parts[0]).map((m) => invalid(path, name, `${m}`))
  if (name.length > 571) errs.push(invalid(path, name, 'must be no more than 571 characters'))
  return errs
}

function validateConditions(conditions: CSRCondition[] | undefined): FieldError[] {
  const errs: FieldError[] = []
  const seen = new Set<string>()
  let approved = false
  let denied = false
  ;(conditions ?? []).forEach((c, i) => {
    const at = `status.conditions[${i}]`
    if (!c.type) errs.push(required(`${at}.type`, ''))
    if (seen.has(c.type)) errs.push(duplicate(`${at}.type`, c.type))
    seen.add(c.type)
    if (c.type === 'Approved' || c.type === 'Denied') {
      if (c.type === 'Approved') approved = true
      else denied = true
      if (c.status !== 'True') errs.push(notSupported(`${at}.status`, c.status, ['True']))
    } else if (!['True', 'False', 'Unknown'].includes(c.status)) errs.push(notSupported(`${at}.status`, c.status, ['False', 'True', 'Unknown']))
  })
  if (approved && denied) {
    const i = (conditions ?? []).findIndex((c) => c.type === 'Denied')
    errs.push(invalid(`status.conditions[${i}].type`, 'Denied', 'Approved and Denied conditions are mutually exclusive'))
  }
  return errs
}

export function validateCSR(csr: CSRObj): FieldError[] {
  const spec = csr.spec ?? {}
  const errs: FieldError[] = []
  const raw = Buffer.from(spec.request ?? '', 'base64')
  try {
    parseCertificateRequest(raw.toString('latin1'))
  } catch (err) {
    errs.push({ ...invalid('spec.request', '', (err as Error).message), valueText: goBytes(raw) })
  }
  errs.push(...validateSignerName(spec.signerName))
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null && spec.expirationSeconds < 600)
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'))
  const usages = spec.usages ?? []
  if (usages.length === 0) errs.push(required('spec.usages', ''))
  const seen = new Set<string>()
  usages.forEach((u, i) => {
    if (!knownUsages.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, knownUsages))
    if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u))
    seen.add(u)
  })
  errs.push(...validateConditions(csr.status?.conditions))
  return errs
}

/** Conditions get their timestamps from the server (upstream populateConditionTimestamps). */
function stampConditions(next: CSRCondition[] | undefined, old: CSRCondition[] | undefined, now: string): CSRCondition[] | undefined {
  if (!next) return next
  return next.map((c) => {
    const before = old?.find((o) => o.type === c.type)
    const out = { ...c, status: c.status || 'True' }
    out.lastUpdateTime ||= now
    if (!out.lastTransitionTime) out.lastTransitionTime = before && before.status === out.status && before.lastTransitionTime ? before.lastTransitionTime : out.lastUpdateTime
    return out
  })
}

/** The CONDITION column (upstream extractCSRStatus). */
export function csrCondition(csr: CSRObj): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type))
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending'
  if (types.has('Failed')) s += ',Failed'
  if (csr.status?.certificate) s += ',Issued'
  return s
}

const columns: TableColumn[] = [
  nameColumn,
  ageColumn,
  column('SignerName', 'string', 'Name of the signer that will issue the certificate.'),
  column('Requestor', 'string', 'Name of the user that requested the certificate.'),
  column('RequestedDuration', 'string', 'Duration the issued certificate is requested to be valid for.'),
  column('Condition', 'string', 'Whether the request has been approved, denied, or failed.'),
]

export const certificateSigningRequests: ResourceDef<CSRObj> = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  nameValidator: () => [], // upstream: "We don't care what you call your certificate requests."
  hasStatus: true,
  prepareForCreate(csr) {
    csr.status = {}
  },
  /** The spec is immutable: the main resource keeps the stored one (upstream's PrepareForUpdate). */
  prepareForUpdate(csr, old) {
    csr.spec = clone(old.spec)
  },
  validate: validateCSR,
  validateUpdate(csr, old) {
    const errs = validateCSR(csr)
    if (old.status?.certificate && csr.status?.certificate !== old.status.certificate) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'))
    return errs
  },
  specSubresources: {
    /** `kubectl certificate approve|deny`: only the Approved and Denied conditions change. */
    approval: {
      verbs: ['get', 'patch', 'update'],
      compose(current, body) {
        const next = clone(current)
        const now = rfc3339(new Date())
        const others = (current.status?.conditions ?? []).filter((c) => c.type !== 'Approved' && c.type !== 'Denied')
        const wanted = (body.status?.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied')
        next.status = { ...current.status, conditions: [...others, ...(stampConditions(wanted, current.status?.conditions, now) ?? [])] }
        if (!next.status.conditions?.length) delete next.status.conditions
        return next
      },
    },
  },
  table: {
    columns,
    cells: (csr, now) => [
      csr.metadata.name ?? '',
      age(csr.metadata.creationTimestamp as string | undefined, now),
      csr.spec?.signerName ?? '',
      csr.spec?.username ?? '',
      typeof csr.spec?.expirationSeconds === 'number' ? humanDuration(csr.spec.expirationSeconds * 1000) : '<none>',
      csrCondition(csr),
    ],
  },
  fieldSelectors: {
    'spec.signerName': (csr) => csr.spec?.signerName ?? '',
  },
}

/**
 * The requester's identity, as upstream's PrepareForCreate takes it from the request's user: what
 * the client put in spec.username/uid/groups/extra is replaced. In-process writes keep theirs.
 */
export const csrRequester: Admission = {
  name: 'CertificateSigningRequestRequester',
  async admit(a) {
    if (a.operation !== 'CREATE' || a.def.resource !== 'certificatesigningrequests' || a.def.group !== 'certificates.k8s.io' || !a.user || !a.object) return
    const spec = ((a.object as CSRObj).spec ??= {})
    spec.username = a.user.username
    spec.groups = [...a.user.groups]
    delete spec.uid
    delete spec.extra
  },
}

export const certificatesResources: ResourceDef[] = [certificateSigningRequests as ResourceDef]
