// The dashboard's copy of one list+watch: what the API listed, then every watch event applied in
// order, as client-go's reflector keeps a store. Pure: the browser feeds it the events it reads.

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean }[]
    creationTimestamp?: string
    deletionTimestamp?: string
    generation?: number
  }
  [key: string]: unknown
}

export interface ListState<T extends KubeObject = KubeObject> {
  /** The resourceVersion to watch from: the list's, then each event's. */
  resourceVersion: string
  /** Keyed by namespace/name, as client-go's MetaNamespaceKeyFunc. */
  items: ReadonlyMap<string, T>
  /** Set by an ERROR event (410 Expired and the like): the caller lists again. */
  relist: boolean
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

export const objectKey = (o: KubeObject): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : `${o.metadata?.name ?? ''}`)

export function listState<T extends KubeObject>(list: { metadata?: { resourceVersion?: string }; items?: T[] }): ListState<T> {
  const items = new Map<string, T>()
  for (const o of list.items ?? []) items.set(objectKey(o), o)
  return { resourceVersion: list.metadata?.resourceVersion ?? '', items, relist: false }
}

/**
 * Applies a batch of watch events (all that arrived in one animation frame) and returns a new state;
 * the input is never changed. An event older than what the state holds (a replay after a reconnect)
 * is dropped, so a batch can be applied twice without going back in time.
 */
export function applyWatchEvents<T extends KubeObject>(state: ListState<T>, events: readonly WatchEvent<T>[]): ListState<T> {
  if (events.length === 0) return state
  const items = new Map(state.items)
  let rv = state.resourceVersion
  let relist = state.relist
  for (const ev of events) {
    if (ev.type === 'ERROR') {
      relist = true
      continue
    }
    const evRv = ev.object.metadata?.resourceVersion
    if (evRv) rv = evRv
    if (ev.type === 'BOOKMARK') continue
    const key = objectKey(ev.object)
    const held = items.get(key)
    if (held && evRv && newer(held.metadata?.resourceVersion, evRv)) continue
    if (ev.type === 'DELETED') items.delete(key)
    else items.set(key, ev.object)
  }
  return { resourceVersion: rv, items, relist }
}

/** Whether resourceVersion a is after b; both are the store's decimal revisions (compared as numbers, not strings). */
function newer(a: string | undefined, b: string): boolean {
  if (!a || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false
  return a.length !== b.length ? a.length > b.length : a > b
}

/** Splits a chunked watch body into complete JSON lines; the remainder waits for the next chunk. */
export function splitLines(buffered: string): { lines: string[]; rest: string } {
  const parts = buffered.split('\n')
  const rest = parts.pop() ?? ''
  return { lines: parts.filter((l) => l.trim() !== ''), rest }
}
