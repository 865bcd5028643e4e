// The store: a versioned key/value map with watch, in the kine model.
//
// One global, monotonically increasing revision numbers every write; it is the resourceVersion of
// every object. The store knows keys and bytes (JSON text), never kinds or HTTP. Keys look like
// etcd's under kube-apiserver: `/registry/<resource>/<namespace>/<name>` (cluster-scoped: no
// namespace segment; non-core groups: `/registry/<group>/<resource>/...`).

/** One stored version of a key. */
export interface KeyValue {
  key: string
  /** JSON text of the object as stored (without resourceVersion: the API layer sets it). */
  value: string
  /** Revision at which this key was (last) created. */
  createRevision: number
  /** Revision of this version (= the object's resourceVersion). */
  modRevision: number
}

export type WatchEventType = 'create' | 'update' | 'delete'

/** Watch events are shared by every watcher and frozen: copy before changing. */
export interface WatchEvent {
  type: WatchEventType
  /** For create/update: the new version. For delete: the last live value, with modRevision = the delete's revision. */
  kv: KeyValue
  /** For update/delete: the version before this event. */
  prevKv?: KeyValue
  /** Revision of this event. */
  revision: number
}

export interface ListOptions {
  /**
   * Read as of this revision (0 or absent: the current one). Below the compacted revision →
   * StoreError Expired; above the current one → StoreError TooLarge.
   */
  revision?: number
  /** At most this many items (0 or absent: all). */
  limit?: number
  /** Return only keys strictly greater than this one (for `continue` tokens). */
  startAfter?: string
}

export interface ListResult {
  items: KeyValue[]
  /** The revision the list was read at. */
  revision: number
  /** How many keys remain after the last one returned (only when limit cut the list). */
  remaining: number
}

export interface WatchOptions {
  /**
   * Deliver every event with revision > this one (history replay, then live). 0: only live events
   * (never Expired). A revision above the current one is allowed: events after it, as they come.
   */
  afterRevision: number
  signal: AbortSignal
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Expired' | 'Unavailable' | 'TooLarge'

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For Conflict (and AlreadyExists): the current version, when known. */
    readonly current?: KeyValue,
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code)
}

/**
 * The store interface the API server uses. Two backends implement it: SQLite (sqlite/, the
 * default) and etcd v3 (etcd/: each method maps onto one etcd call or transaction). One
 * conformance suite (store.test.ts) runs against both.
 */
export interface Store {
  /** The newest revision written (0 on an empty store). */
  currentRevision(): Promise<number>
  /** The oldest revision still readable (history before it is compacted). */
  compactedRevision(): Promise<number>

  get(key: string): Promise<KeyValue | undefined>
  /** All live keys with this prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>
  /** How many live keys have this prefix. */
  count(prefix: string): Promise<number>

  /** Create-if-absent. Throws AlreadyExists if the key is live. */
  create(key: string, value: string): Promise<KeyValue>
  /**
   * Compare-and-swap on modRevision. Throws NotFound if the key is not live, Conflict (with the
   * current version) if its modRevision is not `expectedModRevision`.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>
  /**
   * Delete, optionally only if the modRevision matches. Returns the deleted version with
   * modRevision set to the delete's revision. Throws NotFound / Conflict.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>

  /**
   * Watch every key with this prefix. Subscribes first, then replays history after
   * `afterRevision` (deduplicated), then streams live events, in revision order, until the signal
   * aborts. Throws Expired (synchronously from the first next()) if afterRevision < compacted,
   * and ends with Expired later if compaction overtakes the replay or the consumer falls too far
   * behind (too many undelivered events). Ends normally when the store closes.
   */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent>

  /**
   * Drop history up to and including `revision` (live values are kept, so reads at `revision`
   * still work). At or below the compacted revision: nothing to do; above the current one: TooLarge.
   */
  compact(revision: number): Promise<void>
  close(): Promise<void>
  /**
   * Resolves once every write made so far is committed and seen by readers (a store that commits
   * writes in batches, off the caller's turn). Absent: the writes of one event-loop turn are
   * committed by the next.
   */
  settled?(): Promise<void>
}
