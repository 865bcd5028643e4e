// The three kinds of failure a reconcile can meet (STYLE.md): transient ones are thrown as they
// are and retried with back-off; terminal ones are wrapped in TerminalError and never retried (the
// controller has already said so in a Warning event); the user's mistakes are not errors at all —
// the controller records an event and a condition and returns.

/** A failure retrying cannot fix: the runner logs it once and drops the key until it changes. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TerminalError'
  }
}

export const isTerminal = (err: unknown): err is TerminalError => err instanceof TerminalError
