// A CommonJS package loaded on its first use instead of at start-up: what `kubelite up` does not
// need before it is ready (an HTTP client for etcd or analysis queries, WebSockets for exec, cron
// parsing) stays off its ready time and idle memory. Same module instance as a static import.
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

/** A getter that requires `id` on first call and returns the same module after. Types: `typeof import(id)`. */
export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined
  return () => (mod ??= load(id) as T)
}
