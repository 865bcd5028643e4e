// An in-process API server over the memory store, wired as `kubelite up` wires it, for tests of the
// components that talk to the API (agent, controllers, proxy): no process, no port, no data dir.
import { podBinding } from '../../src/api/subresources/binding.js'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../src/cli/wiring.js'
import { MemoryStore } from '../../src/store/memory/memory.js'

export interface ApiFixture {
  store: MemoryStore
  api: ReturnType<typeof buildApiServer>
  /** A client acting as `user` (default the admin). */
  client(user?: string): ReturnType<typeof localClient>
  close(): Promise<void>
}

/** A fresh API server with the default namespaces; `binding` also serves pods/binding, as for a scheduler. */
export async function apiCluster(opts: { binding?: boolean } = {}): Promise<ApiFixture> {
  const store = new MemoryStore()
  const subresources = opts.binding ? new Map([['pods/binding', podBinding({ store })]]) : undefined
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443', ...(subresources ? { subresources } : {}) })
  await bootstrapNamespaces(api)
  return {
    store,
    api,
    client: (user = 'admin') => localClient(api, user),
    close: () => store.close(),
  }
}
