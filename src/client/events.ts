// Recording core/v1 Events as client-go's EventRecorder does: an Event named
// `<object>.<16 hex digits>` in the object's namespace, with source and reporting fields, and
// repeats of the same (object, type, reason, message) folded into one Event whose count and
// lastTimestamp grow (the event correlator). Fire-and-forget: callers never wait or fail on it.
import type { StoredObject } from '../apis/meta.js'
import { rfc3339 } from '../lib/duration.js'
import { isNotFound } from './errors.js'
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

export class EventRecorder {
  private readonly events: ResourceClient
  private readonly seen = new Map<string, Recorded>()
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
    const key = JSON.stringify([this.source.component, this.source.host, obj.kind, namespace, m.name, m.uid, fieldPath, type, reason, message])
    const task = async () => {
      const prior = this.seen.get(key)
      const ts = rfc3339(now)
      if (prior) {
        prior.count++
        try {
          await this.events.patch(prior.namespace, prior.name, 'application/merge-patch+json', { count: prior.count, lastTimestamp: ts })
          return
        } catch (err) {
          if (!isNotFound(err)) throw err
          this.seen.delete(key)
        }
      }
      const name = `${m.name}.${eventSuffix(now, this.counter++)}`
      await this.events.create(namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject,
        reason,
        message,
        source: this.source.host ? { component: this.source.component, host: this.source.host } : { component: this.source.component },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: this.source.component,
        reportingInstance: this.source.host ?? '',
      })
      if (this.seen.size >= cacheSize) this.seen.delete(this.seen.keys().next().value!)
      this.seen.set(key, { name, namespace, count: 1, firstTimestamp: ts })
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
