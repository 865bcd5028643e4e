// Event handlers that only enqueue keys (STYLE.md: "the input is a key, not an event"), shared by
// the controller shells.
import type { StoredObject } from '../../apis/meta.js'
import { objectKey, type InformerHandlers } from '../../client/informer.js'
import { controllerOf } from './controllerref.js'

interface KeyQueue {
  add(key: string): void
}

/** Queues an object's own key on every add, update and delete. */
export function enqueueObject<T extends StoredObject>(queue: KeyQueue): InformerHandlers<T> {
  const add = (o: T) => queue.add(objectKey(o))
  return { add, update: (_, o) => add(o), delete: add }
}

/**
 * Queues the key of an object's controller when it is a `kind` (a pod's StatefulSet, a
 * ControllerRevision's DaemonSet); on an update, of the old and the new controller both.
 */
export function enqueueController<T extends StoredObject>(kind: string, queue: KeyQueue): InformerHandlers<T> {
  const add = (o: T) => {
    const ref = controllerOf(o)
    if (ref?.kind === kind) queue.add(o.metadata.namespace ? `${o.metadata.namespace}/${ref.name}` : ref.name)
  }
  return { add, update: (old, o) => (add(old), add(o)), delete: add }
}
