// The store component's boundary: the interface, the SQLite backend, the etcd v3 backend, the test
// backend and the periodic compactor.
export * from './types.js'
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite.js'
export { EtcdStore, openEtcdStore, parseEtcdUrl, type EtcdStoreOptions } from './etcd/etcd.js'
export { MemoryStore } from './memory/memory.js'
export { startCompactor, type CompactorOptions } from './sqlite/compactor.js'
