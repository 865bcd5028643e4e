// The store component's boundary: the interface, the SQLite backend, the test backend and the
// periodic compactor.
export * from './types.js'
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite.js'
export { MemoryStore } from './memory/memory.js'
export { startCompactor, type CompactorOptions } from './sqlite/compactor.js'
