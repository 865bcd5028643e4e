// What the CSR approving and signing controllers decide (upstream:
// pkg/controller/certificates/approver/sarapprove.go, pkg/controller/certificates/signer, and
// k8s.io/kubernetes/pkg/apis/certificates' ValidateKubeletClientCSR). Pure.
import type { Attributes, Decision } from '../../apis/rbac/rules.js'

export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet'
export const apiserverClientSigner = 'kubernetes.io/kube-apiserver-client'
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving'

export interface Condition {
  type: string
  status: string
  reason?: string
  message?: string
  lastUpdateTime?: string
  lastTransitionTime?: string
}

export interface CSRView {
  metadata: { name?: string }
  spec?: { signerName?: string; usages?: string[]; username?: string; groups?: string[]; expirationSeconds?: number }
  status?: { conditions?: Condition[]; certificate?: string }
}

/** The request's subject, as parsed from spec.request. */
export interface RequestSubject {
  commonName: string
  organizations: string[]
}

const has = (csr: CSRView, type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')
export const isApproved = (csr: CSRView) => has(csr, 'Approved')
export const isDenied = (csr: CSRView) => has(csr, 'Denied')
export const isFailed = (csr: CSRView) => has(csr, 'Failed')

/**
 * ValidateKubeletClientCSR: O exactly system:nodes, CN system:node:<name>, usages digital signature
 * and client auth (key encipherment allowed). Undefined when valid, else upstream's reason.
 */
export function kubeletClientProblem(usages: string[], subject: RequestSubject): string | undefined {
  if (subject.organizations.length !== 1 || subject.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes'
  if (!subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:'
  const required = ['client auth', 'digital signature']
  const allowed = new Set([...required, 'key encipherment'])
  if (!required.every((u) => usages.includes(u)) || usages.some((u) => !allowed.has(u))) return `usages did not match [${[...allowed].sort().join(' ')}]`
  return undefined
}

/**
 * The auto-approval of a kubelet client CSR: a node renewing its own certificate (selfnodeclient)
 * or a bootstrapper asking for one (nodeclient), each only if RBAC lets the requester create that
 * subresource. Undefined: leave it for a person (`kubectl certificate approve`).
 */
export function planApproval(csr: CSRView, subject: RequestSubject | undefined, authorize: (a: Attributes) => Decision): Condition | undefined {
  if (isApproved(csr) || isDenied(csr) || csr.status?.certificate) return undefined
  if (csr.spec?.signerName !== kubeletClientSigner || !subject) return undefined
  if (kubeletClientProblem(csr.spec.usages ?? [], subject)) return undefined
  const user = { username: csr.spec.username ?? '', groups: csr.spec.groups ?? [] }
  const may = (subresource: string) => authorize({ user, verb: 'create', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource }).allowed
  const self = csr.spec.username === subject.commonName
  if (self && may('selfnodeclient')) return { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' }
  if (may('nodeclient')) return { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' }
  return undefined
}

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const clusterSigningDurationSeconds = 365 * 24 * 3600

export type SigningPlan =
  | { sign: { usages: string[]; durationSeconds: number } }
  | { fail: Condition }
  | undefined

/** The signer: approved, not failed, not yet issued, one of the signers it serves. */
export function planSigning(csr: CSRView, subject: RequestSubject | undefined): SigningPlan {
  if (!isApproved(csr) || isFailed(csr) || csr.status?.certificate) return undefined
  const signer = csr.spec?.signerName
  if (signer !== kubeletClientSigner && signer !== apiserverClientSigner) return undefined
  if (!subject) return { fail: { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'unable to parse csr' } }
  const usages = csr.spec?.usages ?? []
  if (signer === kubeletClientSigner) {
    const problem = kubeletClientProblem(usages, subject)
    if (problem) return { fail: { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem } }
  } else if (!usages.includes('client auth') || usages.some((u) => !['client auth', 'digital signature', 'key encipherment'].includes(u))) {
    return { fail: { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: `invalid usage for client certificate: ${usages.find((u) => !['client auth', 'digital signature', 'key encipherment'].includes(u)) ?? 'client auth is required'}` } }
  }
  const asked = csr.spec?.expirationSeconds
  const durationSeconds = typeof asked === 'number' ? Math.min(asked, clusterSigningDurationSeconds) : clusterSigningDurationSeconds
  return { sign: { usages, durationSeconds } }
}
