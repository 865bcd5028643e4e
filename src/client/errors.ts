// Telling API errors apart, whether they came from an in-process call (a StatusError) or over HTTP:
// both carry a metav1.Status in `.status`.

interface WithStatus {
  status: { code?: number; reason?: string; message?: string }
}

function statusOf(err: unknown): WithStatus['status'] | undefined {
  if (err && typeof err === 'object' && 'status' in err) {
    const s = (err as WithStatus).status
    if (s && typeof s === 'object') return s
  }
  return undefined
}

export function statusCode(err: unknown): number | undefined {
  return statusOf(err)?.code
}

export function statusReason(err: unknown): string | undefined {
  return statusOf(err)?.reason
}

export const isNotFound = (err: unknown) => statusCode(err) === 404
export const isAlreadyExists = (err: unknown) => statusReason(err) === 'AlreadyExists'
export const isConflict = (err: unknown) => statusReason(err) === 'Conflict'
export const isGone = (err: unknown) => statusCode(err) === 410

/** The message a person should read: the Status message of an API error, else the error's own. */
export function errorMessage(err: unknown): string {
  const s = (err as { status?: { message?: string } }).status
  return s?.message ?? (err instanceof Error ? err.message : String(err))
}
