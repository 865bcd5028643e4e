// Fair turns for in-process clients: what keeps the API server answering while the controllers,
// the scheduler and the node agents of the same process keep it busy.
//
// A request that arrives over HTTP is read in the event loop's poll phase, once per loop turn. An
// in-process request is a plain function call: its synchronous part (admission, validation,
// managed fields, the SQLite insert: ~0.5 ms a write) runs at once, and what it sets off — the
// group commit, the watch events, the handlers, the next pass and its requests — follows in the
// same turn or the next. Under a burst nothing bounds a turn: 100 Deployments rolled at once made
// turns of 50–150 ms with 50–300 writes each, and of seconds with 2,000 (measured), and an HTTP
// GET waits a whole turn.
//
// So in-process requests are admitted in slices, as a remote client's would be by the network and
// upstream's API Priority and Fairness by its queues: each turn admits requests during a slice
// (5–20 ms, as long as the rest of the loop took since the last slice); later ones wait in one queue per flow (a component: kubelet, scheduler, a controller)
// and are admitted round-robin across flows in the next turns, so a flow with thousands of writes
// waiting (the kubelets' status writes) does not hold back one with a few (the Deployment
// controller's). Nothing is dropped or reordered within a flow; an idle process admits everything
// at once, as before.

export interface FairTurnsOptions {
  /** How long each loop turn admits in-process requests at least (ms). Default 5. */
  sliceMs?: number
  /**
   * How long at most (ms; default 20). A slice lasts as long as the rest of the loop took since
   * the last one (the group commit's fsync, HTTP requests, what the admitted requests set off),
   * within [sliceMs, maxSliceMs]: when the disk is slow, more requests share each commit, so the
   * in-process work keeps about half of the loop instead of waiting on fsyncs.
   */
  maxSliceMs?: number
  /** The time slices are measured by (ms; tests pass their own). */
  now?: () => number
  /** Runs fn in a later loop turn, after I/O (default setImmediate; tests pass their own). */
  defer?: (fn: () => void) => void
}

export class FairTurns {
  private readonly sliceMs: number
  private readonly maxSliceMs: number
  /** How long the current slice admits (ms). */
  private budget = 0
  /** When the last slice's budget ran out (or would have): the rest of the loop ran from then. */
  private lastSliceEnd: number | undefined
  private readonly now: () => number
  private readonly defer: (fn: () => void) => void
  /** When this turn's slice began; undefined until the turn's first request. */
  private sliceStart: number | undefined
  /** Counts slices, so a turn's end closes only the slice it opened. */
  private slice = 0
  /** Waiting requests by flow; the Map's order is the round-robin order. */
  private readonly flows = new Map<string, (() => void)[]>()
  private waiting = 0
  private pumpScheduled = false

  constructor(opts: FairTurnsOptions = {}) {
    const slice = opts.sliceMs ?? 5
    if (!(slice > 0)) throw new Error(`FairTurns: sliceMs must be > 0, got ${slice}`)
    this.sliceMs = slice
    this.maxSliceMs = Math.max(slice, opts.maxSliceMs ?? 20)
    this.now = opts.now ?? (() => performance.now())
    this.defer = opts.defer ?? ((fn) => void setImmediate(fn))
  }

  /** Requests waiting for a later turn (all flows). */
  get length(): number {
    return this.waiting
  }

  /** Runs `request` now if this turn's slice has room and nothing waits, else in a later turn, fairly across flows. */
  run<T>(flow: string, request: () => Promise<T>): Promise<T> {
    if (this.waiting === 0 && this.admitsNow()) return request()
    return new Promise<T>((resolve, reject) => {
      let queue = this.flows.get(flow)
      if (!queue) this.flows.set(flow, (queue = []))
      queue.push(() => {
        try {
          request().then(resolve, reject)
        } catch (err) {
          reject(err)
        }
      })
      this.waiting++
      this.schedulePump()
    })
  }

  /** Whether the current turn's slice has room, opening a slice if this is the turn's first request. */
  private admitsNow(): boolean {
    const now = this.now()
    if (this.sliceStart === undefined) {
      this.openSlice(now)
      return true
    }
    return now - this.sliceStart < this.budget
  }

  private openSlice(now: number): void {
    const others = this.lastSliceEnd === undefined ? 0 : now - this.lastSliceEnd
    this.budget = Math.min(this.maxSliceMs, Math.max(this.sliceMs, others))
    this.lastSliceEnd = now + this.budget
    this.sliceStart = now
    const slice = ++this.slice
    // The slice ends with the turn: the next turn's first request opens a fresh one.
    this.defer(() => {
      if (this.slice === slice) this.sliceStart = undefined
    })
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return
    this.pumpScheduled = true
    this.defer(() => void this.pump())
  }

  /**
   * A new turn: admit waiting requests, one per flow in turn, until the slice is used. An
   * in-process request does its work over many promise continuations, not at the call, so the
   * pump lets each admitted one take its next steps (one microtask round) before it reads the
   * clock: the slice then counts the work it let in.
   */
  private async pump(): Promise<void> {
    this.openSlice(this.now())
    while (this.waiting > 0) {
      const [flow, queue] = this.flows.entries().next().value!
      const next = queue.shift()!
      this.waiting--
      // Served: to the back of the round-robin order (or gone, with nothing left waiting).
      this.flows.delete(flow)
      if (queue.length) this.flows.set(flow, queue)
      next()
      await undefined
      const now = this.now()
      if (now - this.sliceStart! >= this.budget) {
        this.lastSliceEnd = now
        break
      }
    }
    this.pumpScheduled = false
    if (this.waiting > 0) this.schedulePump()
  }
}
