// Every error the API server returns is a metav1.Status built here, with upstream's codes, reasons
// and wording (k8s.io/apimachinery/pkg/api/errors), so kubectl prints exactly what it prints
// against a real cluster: `Error from server (NotFound): deployments.apps "x" not found`.
// It sits in apis/, below both users: registry/ throws these errors from storage and admission,
// api/ (the HTTP edge) sends them out, and anything else as a 500.
import { aggregateMessage, fieldErrorBody, type FieldError } from './validation.js'

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'

export interface StatusCause {
  reason?: string
  message?: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Success' | 'Failure'
  message?: string
  reason?: StatusReason
  details?: StatusDetails
  code: number
}

/** An error that goes out to the client as the Status it carries. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error')
    this.name = 'StatusError'
  }
  get code(): number {
    return this.status.code
  }
  get reason(): StatusReason | undefined {
    return this.status.reason
  }
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason)
}

/** A failure Status; `details` only where upstream's constructor sets them (NotFound always does). */
function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code })
}

export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 }
  if (details) s.details = details
  return s
}

/** Which object an error is about: `resource` is plural (`deployments`), group '' for core. */
export interface ResourceRef {
  group: string
  resource: string
}

const qualified = (r: ResourceRef) => (r.group === '' ? r.resource : `${r.resource}.${r.group}`)

/** A Status from parts computed elsewhere (patch and apply errors carry their own code and wording). */
export function statusErrorFrom(code: number, reason: string | undefined, message: string, details?: StatusDetails): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason: reason as StatusReason } : {}), ...(details ? { details } : {}), code })
}

export const errors = {
  notFound(r: ResourceRef, name: string): StatusError {
    return failure(404, 'NotFound', `${qualified(r)} ${JSON.stringify(name)} not found`, { name, group: r.group || undefined, kind: r.resource })
  },
  alreadyExists(r: ResourceRef, name: string): StatusError {
    return failure(409, 'AlreadyExists', `${qualified(r)} ${JSON.stringify(name)} already exists`, { name, group: r.group || undefined, kind: r.resource })
  },
  conflict(r: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
    return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} ${JSON.stringify(name)}: ${why}`, { name, group: r.group || undefined, kind: r.resource })
  },
  /** 409 Conflict with a plain message (server-side apply conflicts). */
  conflictMessage(r: ResourceRef, name: string, message: string, causes?: StatusCause[]): StatusError {
    return failure(409, 'Conflict', message, { name, group: r.group || undefined, kind: r.resource, causes })
  },
  /** 422: `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be ...`. */
  invalid(kind: { group: string; kind: string }, name: string, errs: FieldError[]): StatusError {
    const qkind = kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`
    const causes = errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }))
    const msg = errs.length ? `${qkind} ${JSON.stringify(name)} is invalid: ${aggregateMessage(errs)}` : `${qkind} ${JSON.stringify(name)} is invalid`
    return failure(422, 'Invalid', msg, { name, group: kind.group || undefined, kind: kind.kind, causes })
  },
  badRequest(message: string): StatusError {
    return failure(400, 'BadRequest', message)
  },
  /** The authentication filter's answer, without details as upstream's NewUnauthorized has none (curl sees exactly this). */
  unauthorized(): StatusError {
    return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 })
  },
  forbidden(r: ResourceRef, name: string, why: string): StatusError {
    const subject = name ? `${qualified(r)} ${JSON.stringify(name)}` : qualified(r)
    return failure(403, 'Forbidden', `${subject} is forbidden: ${why}`, { name: name || undefined, group: r.group || undefined, kind: r.resource })
  },
  /** 403 with a message of its own (a denied non-resource path: `forbidden: User "x" cannot get path "/metrics"`). */
  forbiddenMessage(message: string): StatusError {
    return failure(403, 'Forbidden', message, {})
  },
  methodNotAllowed(): StatusError {
    return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
  },
  /**
   * 404 for a path that names no resource, with empty `details` as upstream sends: kubectl debug
   * reads `details.name` of any 404 without a nil check (an empty name means "not served").
   */
  pathNotFound(): StatusError {
    return failure(404, 'NotFound', 'the server could not find the requested resource', {})
  },
  /** 410 for a compacted resourceVersion. */
  expired(message: string): StatusError {
    return failure(410, 'Expired', message)
  },
  gone(message: string): StatusError {
    return failure(410, 'Gone', message)
  },
  notAcceptable(): StatusError {
    return failure(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io')
  },
  /** 415 with upstream's text, or `message` when the decoder gave a more precise one. */
  unsupportedMediaType(message?: string): StatusError {
    return failure(415, 'UnsupportedMediaType', message && message.includes(' ') ? message : 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf')
  },
  unsupportedPatchType(): StatusError {
    return failure(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json')
  },
  tooLarge(limit: number): StatusError {
    return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`)
  },
  internal(message: string): StatusError {
    return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] })
  },
  serviceUnavailable(message: string): StatusError {
    return failure(503, 'ServiceUnavailable', message)
  },
  timeout(message: string): StatusError {
    return failure(504, 'Timeout', message)
  },
}
