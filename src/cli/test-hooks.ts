// A test hook of `kubelite up`, on only with KUBELITE_TEST_HOOKS=1 in its environment: cutting a
// node's agent off from the API server, as a network partition or a hung kubelet would, so tests
// can watch the node lifecycle and taint eviction controllers react (docs/nodes.md). The test
// writes the names of the nodes to cut off, one a line, into `<data dir>/cut-off-nodes` and sends
// the process SIGUSR2; an empty file (or none) reconnects them all. A cut-off agent keeps its
// containers running, but every request it makes fails as a refused connection: it renews no Lease
// and posts no status, for pods or node.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StoredObject } from '../apis/meta.js'
import type { Client, GVR, ResourceClient } from '../client/types.js'

export const testHooksEnv = 'KUBELITE_TEST_HOOKS'
export const cutOffFile = 'cut-off-nodes'

/** `client`, failing every request while `isCut()` says so. */
export function cutOffClient(client: Client, nodeName: string, isCut: () => boolean): Client {
  const refuse = () => {
    if (isCut()) throw Object.assign(new Error(`connect ECONNREFUSED: node ${nodeName} is cut off from the API server (${testHooksEnv})`), { code: 'ECONNREFUSED' })
  }
  const wrap = (rc: ResourceClient): ResourceClient => ({
    info: rc.info,
    get: async (ns, name) => (refuse(), rc.get(ns, name)),
    list: async (ns, opts) => (refuse(), rc.list(ns, opts)),
    create: async (ns, obj, opts) => (refuse(), rc.create(ns, obj, opts)),
    update: async (obj, opts) => (refuse(), rc.update(obj, opts)),
    patch: async (ns, name, type, patch, opts) => (refuse(), rc.patch(ns, name, type, patch, opts)),
    delete: async (ns, name, opts) => (refuse(), rc.delete(ns, name, opts)),
    watch: (ns, opts, signal) => (refuse(), rc.watch(ns, opts, signal)),
  })
  return {
    resources: () => client.resources(),
    resource: <T extends StoredObject>(gvr: GVR) => wrap(client.resource(gvr)) as ResourceClient<T>,
    ...(client.getRaw ? { getRaw: async (path: string) => (refuse(), client.getRaw!(path)) } : {}),
  }
}

/**
 * With KUBELITE_TEST_HOOKS=1: on SIGUSR2, `cut` becomes the node names listed in
 * `<dataDir>/cut-off-nodes`. Returns the uninstaller (a no-op without the variable).
 */
export function installCutOffHook(dataDir: string, cut: Set<string>, log: { info(obj: unknown, msg?: string): void }): () => void {
  if (process.env[testHooksEnv] !== '1') return () => {}
  const onSignal = () => {
    let names: string[] = []
    try {
      names = readFileSync(join(dataDir, cutOffFile), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean)
    } catch {
      names = []
    }
    cut.clear()
    for (const n of names) cut.add(n)
    log.info({ nodes: names }, 'test hook: nodes cut off from the API server')
  }
  process.on('SIGUSR2', onSignal)
  return () => void process.off('SIGUSR2', onSignal)
}
