// `--store`: which backend keeps the cluster's state. Default: SQLite in the data dir
// (<data-dir>/state.db); `etcd://HOST:PORT[,HOST:PORT…]` (or `etcds://` for TLS, with the
// kube-apiserver flags --etcd-cafile, --etcd-certfile, --etcd-keyfile) keeps it in etcd v3.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openEtcdStore, openSqliteStore, parseEtcdUrl, type Store } from '../store/index.js'

export interface StoreConfig {
  /** `etcd://…` / `etcds://…`; absent: SQLite in the data dir. */
  url?: string
  caFile?: string
  certFile?: string
  keyFile?: string
}

/** Why these store flags cannot work, or undefined (checked before anything starts). */
export function storeConfigProblem(cfg: StoreConfig): string | undefined {
  if (!cfg.url) {
    if (cfg.caFile || cfg.certFile || cfg.keyFile) return '--etcd-cafile, --etcd-certfile and --etcd-keyfile need --store etcds://...'
    return undefined
  }
  try {
    parseEtcdUrl(cfg.url)
  } catch (err) {
    return (err as Error).message
  }
  if (!!cfg.certFile !== !!cfg.keyFile) return '--etcd-certfile and --etcd-keyfile go together'
  return undefined
}

/** A one-line account of the store for the start-up banner. */
export function describeStore(cfg: StoreConfig, dataDir: string): string {
  if (!cfg.url) return `SQLite ${join(dataDir, 'state.db')}`
  const { endpoints } = parseEtcdUrl(cfg.url)
  return `etcd v3 ${endpoints.join(', ')}`
}

export async function openStore(cfg: StoreConfig, dataDir: string): Promise<Store> {
  if (!cfg.url) return openSqliteStore(join(dataDir, 'state.db'))
  const { endpoints, secure } = parseEtcdUrl(cfg.url)
  const read = (f: string | undefined) => (f ? readFile(f, 'utf8') : Promise.resolve(undefined))
  const [ca, cert, key] = await Promise.all([read(cfg.caFile), read(cfg.certFile), read(cfg.keyFile)])
  return openEtcdStore({ endpoints, tls: secure || ca || cert ? { ca, cert, key } : undefined })
}
