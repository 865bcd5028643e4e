// The one error type of the patch component. Each carries the HTTP code, metav1 reason and message
// kube-apiserver 1.32 answers with (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
//
//   - 400 BadRequest: the body does not decode, or a strategic merge patch breaks a directive's format
//     (`interpretStrategicMergePatchError` turns mergepatch.ErrBadPatchFormatFor* into BadRequest);
//   - 422 Invalid with the fixed text `the server rejected our request due to an error in our
//     request`: a JSON patch operation fails, or SMP says "lists of lists are not supported" — the
//     server builds these with errors.NewGenericServerResponse(422, ...), which drops the cause;
//   - 413 RequestEntityTooLarge: more than 10000 JSON patch operations;
//   - 415 UnsupportedMediaType: a Content-Type that is no patch type of the resource;
//   - every other strategicpatch error, e.g. `map: map[image:nginx] does not contain declared merge
//     key: name`, upstream passes on as a plain Go error (a 500 with no reason), and a few inputs
//     make its Go code panic (a 500 "This request caused apiserver to panic"). Both are the
//     request's fault, so kubelite answers them 400 BadRequest with upstream's message (or what
//     was wrong): a 500 would say the server is broken.

export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'InternalError'

/** metav1.Status message of every 422 a failed JSON patch (or SMP list of lists) gets. */
export const genericInvalidMessage = 'the server rejected our request due to an error in our request'

export class PatchError extends Error {
  /**
   * @param code HTTP status code of the reply.
   * @param reason metav1 reason; undefined is StatusReasonUnknown (an empty reason on the wire).
   * @param message the Status message, exactly as upstream words it.
   * @param detail the underlying cause when the message hides it (for logs), e.g. `testing value /spec/replicas failed`.
   */
  constructor(
    readonly code: 400 | 413 | 415 | 422 | 500,
    readonly reason: PatchErrorReason | undefined,
    message: string,
    readonly detail?: string,
  ) {
    super(message)
    this.name = 'PatchError'
  }

  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message)
  }

  /** 422 with the generic message; `detail` keeps the real cause for logs. */
  static invalid(detail: string): PatchError {
    return new PatchError(422, 'Invalid', genericInvalidMessage, detail)
  }

  /** A plain Go error upstream (a 500 there): 400 BadRequest here, with upstream's text. */
  static unknown(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message)
  }

  /** Input that makes upstream's Go code panic (a 500 there): 400 BadRequest here, saying what was wrong. */
  static panic(detail: string): PatchError {
    return new PatchError(400, 'BadRequest', detail, detail)
  }

  static tooLarge(message: string): PatchError {
    return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`)
  }
}

export function isPatchError(err: unknown): err is PatchError {
  return err instanceof PatchError
}

/**
 * Runs `fn`, turning a JS stack overflow (a body nested thousands of levels deep: Go's decoder
 * allows 10000) into a 400 rather than an unexpected exception.
 */
export function withDepthGuard<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw PatchError.badRequest('exceeded max depth')
    throw err
  }
}
