// The store for tests: SqliteStore on an in-memory database. Same code, same semantics, no file;
// each instance is independent and vanishes on close.
import { SqliteStore, type SqliteStoreOptions } from '../sqlite/sqlite.js'

export class MemoryStore extends SqliteStore {
  constructor(opts: SqliteStoreOptions = {}) {
    super(':memory:', opts)
  }
}
