// Controller expectations (upstream pkg/controller/controller_utils.go ControllerExpectations):
// after a controller creates or deletes pods it waits until its informer has seen every one of
// them before it acts on that owner again, so a lagging cache never makes it create or delete
// twice. Expectations expire after 5 minutes (a lost watch event must not wedge an owner forever).
// After a restart there are none: the first pass works from a fresh list.

export const expectationsTimeoutMs = 5 * 60_000

interface Expectation {
  add: number
  del: number
  /** Keys of the pods whose deletion is awaited (UIDTrackingControllerExpectations). */
  deleting: Set<string>
  at: number
}

export class Expectations {
  private readonly byOwner = new Map<string, Expectation>()

  constructor(private readonly now: () => number = Date.now) {}

  /** True when the owner may be synced: nothing outstanding, never set, or expired. */
  satisfied(owner: string): boolean {
    const e = this.byOwner.get(owner)
    if (!e) return true
    if (e.add <= 0 && e.del <= 0) return true
    return this.now() - e.at > expectationsTimeoutMs
  }

  expectCreations(owner: string, n: number): void {
    this.byOwner.set(owner, { add: n, del: 0, deleting: new Set(), at: this.now() })
  }

  expectDeletions(owner: string, podKeys: string[]): void {
    this.byOwner.set(owner, { add: 0, del: podKeys.length, deleting: new Set(podKeys), at: this.now() })
  }

  creationObserved(owner: string): void {
    const e = this.byOwner.get(owner)
    if (e) e.add--
  }

  /** A pod of the owner is gone or terminating; counts once per pod. */
  deletionObserved(owner: string, podKey: string): void {
    const e = this.byOwner.get(owner)
    if (e?.deleting.delete(podKey)) e.del--
  }

  forget(owner: string): void {
    this.byOwner.delete(owner)
  }
}
