// Recording core/v1 Events as client-go's EventRecorder does: an Event named
// `<object>.<16 hex digits>` in the object's namespace, with source and reporting fields, passed
// through client-go's EventCorrelator:
// - aggregation: from the 10th distinct message with the same (source, object, type, reason)
//   within 10 minutes, events become one `(combined from similar events): <message>` Event;
// - deduplication: repeats of the same (object, type, reason, message) fold into one Event whose
//   count and lastTimestamp grow;
// - spam filter: per (source, object, type) a token bucket of 25 events refilled one per 5 minutes.
// Fire-and-forget: callers never wait or fail on it.
import type { StoredObject } from '../apis/meta.js'
import { rfc3339 } from '../lib/duration.js'
import { isAlreadyExists, isNotFound } from './errors.js'
import type { Client, ResourceClient } from './types.js'

export type EventType = 'Normal' | 'Warning'

export interface EventSource {
  /** e.g. `kubelet`, `default-scheduler`, `deployment-controller`. */
  component: string
  /** Node name for the kubelet. */
  host?: string
}

interface Recorded {
  name: string
  namespace: string
  count: number
  firstTimestamp: string
}

/** How many distinct events the correlator remembers (upstream: an LRU of 4096). */
const cacheSize = 4096
/** Upstream's defaultAggregateMaxEvents and defaultAggregateIntervalInSeconds. */
const aggregateMaxEvents = 10
const aggregateIntervalMs = 600_000
/** Upstream's defaultSpamBurst and defaultSpamQPS (one event every 5 minutes). */
const spamBurst = 25
const spamRefillMs = 300_000

/** A Map that forgets its oldest entry beyond `size` (an approximation of upstream's LRU). */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > cacheSize) map.delete(map.keys().next().value as K)
}

export class EventRecorder {
  private readonly events: ResourceClient
  private readonly seen = new Map<string, Recorded>()
  private readonly aggregates = new Map<string, { messages: Set<string>; last: number }>()
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private chain: Promise<void> = Promise.resolve()
  private counter = 0

  constructor(
    client: Client,
    private readonly source: EventSource,
    private readonly clock: () => Date = () => new Date(),
    private readonly onError?: (err: unknown) => void,
  ) {
    this.events = client.resource({ group: '', version: 'v1', resource: 'events' })
  }

  /** Record an event about `obj` (kind and apiVersion must be set on it). */
  event(obj: StoredObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const now = this.clock()
    const m = obj.metadata
    const namespace = m.namespace || 'default'
    const involvedObject: Record<string, unknown> = {
      kind: obj.kind,
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: m.resourceVersion,
    }
    if (fieldPath) involvedObject.fieldPath = fieldPath
    const object = [this.source.component, this.source.host, obj.kind, namespace, m.name, m.uid, obj.apiVersion]
    let key = JSON.stringify([...object, fieldPath, type, reason, message])
    // Aggregation (EventAggregatorByReasonFunc): many messages for one reason become one Event.
    const aggregateKey = JSON.stringify([...object, type, reason, this.source.component, this.source.host ?? ''])
    const nowMs = now.getTime()
    let agg = this.aggregates.get(aggregateKey)
    if (!agg || nowMs - agg.last > aggregateIntervalMs) agg = { messages: new Set(), last: nowMs }
    agg.messages.add(message)
    agg.last = nowMs
    remember(this.aggregates, aggregateKey, agg)
    if (agg.messages.size >= aggregateMaxEvents) {
      agg.messages.delete(agg.messages.values().next().value as string)
      key = aggregateKey
      message = `(combined from similar events): ${message}`
    }
    // Observation (eventObserve), synchronous as upstream's: a repeat raises the count even when
    // the spam filter then drops the write, so the next write carries the true count.
    const ts = rfc3339(now)
    let record = this.seen.get(key)
    const repeat = record !== undefined
    if (record) record.count++
    else {
      record = { name: `${m.name}.${eventSuffix(now, this.counter++)}`, namespace, count: 1, firstTimestamp: ts }
      remember(this.seen, key, record)
    }
    // Spam filter (EventSourceObjectSpamFilter): every event, repeat or not, costs a token.
    const spamKey = JSON.stringify([...object, type])
    const bucket = this.buckets.get(spamKey) ?? { tokens: spamBurst, at: nowMs }
    bucket.tokens = Math.min(spamBurst, bucket.tokens + (nowMs - bucket.at) / spamRefillMs)
    bucket.at = nowMs
    remember(this.buckets, spamKey, bucket)
    if (bucket.tokens < 1) return
    bucket.tokens -= 1

    const r = record
    const count = r.count
    const create = () =>
      this.events.create(namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: r.name, namespace },
        involvedObject,
        reason,
        message,
        source: this.source.host ? { component: this.source.component, host: this.source.host } : { component: this.source.component },
        firstTimestamp: r.firstTimestamp,
        lastTimestamp: ts,
        count,
        type,
        eventTime: null,
        reportingComponent: this.source.component,
        reportingInstance: this.source.host ?? '',
      })
    const task = async () => {
      if (repeat) {
        try {
          await this.events.patch(r.namespace, r.name, 'application/merge-patch+json', { count, lastTimestamp: ts, message })
          return
        } catch (err) {
          // Never written (dropped as spam) or expired: write it whole, as client-go does.
          if (!isNotFound(err)) throw err
        }
      }
      try {
        await create()
      } catch (err) {
        if (!isAlreadyExists(err)) throw err
        await this.events.patch(r.namespace, r.name, 'application/merge-patch+json', { count, lastTimestamp: ts, message })
      }
    }
    this.chain = this.chain.then(task).catch((err) => this.onError?.(err))
  }

  /** Resolves once every event recorded so far has been written (tests, shutdown). */
  flush(): Promise<void> {
    return this.chain
  }
}

/** Upstream names events `<name>.<unix nanos in hex>`; a counter keeps names unique within a nanosecond. */
function eventSuffix(now: Date, n: number): string {
  const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(n % 1_000_000)
  return nanos.toString(16).padStart(16, '0')
}
