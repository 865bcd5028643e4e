// The SQLite backend: the kine model on better-sqlite3 (see schema.ts for the table).
//
// One process owns the database file (it is opened with an exclusive lock). All writes go through
// this object, so the revision counter lives in memory and watch events are fanned out in process
// right after each commit. better-sqlite3 is synchronous; the async Store interface is kept so an
// etcd backend can implement it too.
import Database from 'better-sqlite3'
import { chmod, mkdir, open as openFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type WatchOptions,
} from '../types.js'
import { keyRange } from './prefix.js'
import { eventFromRow, kvFromRow, rowColumns, type Row } from './rows.js'
import { metaKeys, schemaSql, schemaVersion } from './schema.js'
import { expired, Fanout, WatchStream, type HistorySource } from './watch.js'

export interface SqliteStoreOptions {
  /** A watcher with more undelivered events than this is ended with Expired (default 10,000). */
  maxWatchBuffer?: number
  /** History rows a watch reads per query while replaying (default 500). */
  watchPageSize?: number
  /** Revisions compacted per transaction, so writes interleave with a long compaction (default 5,000). */
  compactBatch?: number
}

type Statement = Database.Statement<unknown[], unknown>

export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly fanout = new Fanout()
  private readonly statements = new Map<string, Statement>()
  private readonly maxWatchBuffer: number
  private readonly watchPageSize: number
  private readonly compactBatch: number
  private revision: number
  private compacted: number
  private compactDone: number
  private compacting: Promise<void> = Promise.resolve()
  private closed = false
  private readonly history: HistorySource
  /** The newest committed revision, durable and seen by readers (`revision` also counts writes of the open batch). */
  private committed: number
  /** The newest revision SQLite has committed; above `committed` while its fsync is under way. */
  private written: number
  /** Committed batches waiting for their fsync, in commit order: each is acknowledged and published after it. */
  private syncing: Promise<void> = Promise.resolve()
  /** Writes of this event-loop turn, waiting for their shared commit. */
  private batch: { rows: Row[]; waiters: { resolve: () => void; reject: (err: unknown) => void }[] } | undefined

  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    this.maxWatchBuffer = opts.maxWatchBuffer ?? 10_000
    this.watchPageSize = opts.watchPageSize ?? 500
    this.compactBatch = opts.compactBatch ?? 5_000
    try {
      // timeout 0: if another process holds the file, fail at once rather than wait.
      this.db = new Database(path, { timeout: 0 })
    } catch (err) {
      throw new StoreError('Unavailable', `cannot open database ${path}: ${(err as Error).message}`)
    }
    try {
      this.db.pragma('locking_mode = EXCLUSIVE')
      this.db.pragma('journal_mode = WAL')
      // Durability: a write acknowledged to a client survives power loss, as etcd's does. The
      // writes of one event-loop turn share a transaction (group commit, see write()); its COMMIT
      // writes the WAL without syncing it (synchronous=NORMAL, which on its own survives only a
      // process crash: SQLite fsyncs the WAL at checkpoints), and the WAL file is then fsynced on
      // libuv's thread pool (syncWal): the batch is acknowledged, published to watchers and seen by
      // readers only after that. synchronous=FULL, which fsyncs inside COMMIT, held the one event
      // loop for every fsync: 9 % of kubelite's time while 40 Deployments × 100 rolled, and tens to
      // hundreds of ms a commit on a busy disk, which every API request then waited.
      this.db.pragma('synchronous = NORMAL')
      this.db.exec(schemaSql)
      // A write takes (and, in exclusive locking mode, keeps) the lock: a second process opening
      // the same file fails here with SQLITE_BUSY.
      this.db.prepare('INSERT OR IGNORE INTO kine_meta (key, value) VALUES (?, ?)').run(metaKeys.schemaVersion, schemaVersion)
    } catch (err) {
      this.db.close()
      if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY'))
        throw new StoreError('Unavailable', `database ${path} is locked: another process is using it`)
      if (err instanceof Database.SqliteError)
        throw new StoreError('Unavailable', `cannot open database ${path}: ${err.message}`)
      throw err
    }
    const version = this.meta(metaKeys.schemaVersion)
    if (version !== schemaVersion) {
      this.db.close()
      throw new StoreError('Unavailable', `database ${path} has schema version ${version}, expected ${schemaVersion}`)
    }
    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kine'").pluck().get() as number | undefined
    const maxId = this.db.prepare('SELECT MAX(id) FROM kine').pluck().get() as number | null
    this.revision = Math.max(seq ?? 0, maxId ?? 0)
    this.compacted = this.meta(metaKeys.compactRevision) ?? 0
    this.compactDone = this.meta(metaKeys.compactDone) ?? 0
    this.committed = this.revision
    this.written = this.revision
    this.history = {
      currentRevision: () => this.committed,
      compactedRevision: () => this.compacted,
      readHistory: (prefix, after, upTo, limit) => this.readHistory(prefix, after, upTo, limit),
    }
    // An earlier compaction was interrupted (crash or close): finish deleting its rows.
    if (this.compactDone < this.compacted) {
      this.compacting = this.deleteCompacted(this.compacted)
      this.compacting.catch(() => {}) // nobody awaits this one; a later compact() retries
    }
  }

  async currentRevision(): Promise<number> {
    this.checkOpen()
    return this.committed
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen()
    return this.compacted
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen()
    const row = this.latestCommitted(key)
    return row && row.deleted === 0 ? kvFromRow(row) : undefined
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen()
    const revision = this.readRevision(opts.revision)
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0
    const range = keyRange(prefix, opts.startAfter, 'k.name')
    // Walk the rows under the prefix in key order and keep each key's newest row at or below the
    // revision. Measured against alternatives (GROUP BY name joined back to the rows, which needs a
    // sort of whole rows): this one streams in index order, so LIMIT stops early and a full list
    // costs about what reading the values costs. INDEXED BY: the planner otherwise may pick the
    // (name, prev_revision) index and does a lookup per row.
    const rows = this.stmt(
      `SELECT ${rowColumns('k')} FROM kine k INDEXED BY kine_name_id_index
       WHERE ${range.where} AND k.id <= @revision AND k.deleted = 0
         AND k.id = (SELECT MAX(n.id) FROM kine n WHERE n.name = k.name AND n.id <= @revision)
       ORDER BY k.name LIMIT @limit`,
    ).all({ ...range.params, revision, limit: limit > 0 ? limit + 1 : -1 }) as Row[]
    let remaining = 0
    if (limit > 0 && rows.length > limit) {
      rows.length = limit
      remaining = this.countLive(prefix, revision, rows[limit - 1]!.name)
    }
    return { items: rows.map(kvFromRow), revision, remaining }
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen()
    return this.countLive(prefix, this.committed)
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen()
    const row = await this.write(key, (latest, id) => {
      if (latest && latest.deleted === 0)
        throw new StoreError('AlreadyExists', `key ${key} already exists`, kvFromRow(latest))
      return { created: 1, deleted: 0, createRevision: id, prevRevision: latest?.id ?? 0, value, oldValue: null }
    })
    return kvFromRow(row)
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen()
    const row = await this.write(key, (latest) => {
      if (!latest || latest.deleted === 1) throw new StoreError('NotFound', `key ${key} not found`)
      if (latest.id !== expectedModRevision) throw conflict(key, expectedModRevision, latest)
      return {
        created: 0,
        deleted: 0,
        createRevision: latest.create_revision,
        prevRevision: latest.id,
        value,
        oldValue: latest.value,
      }
    })
    return kvFromRow(row)
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen()
    const row = await this.write(key, (latest) => {
      if (!latest || latest.deleted === 1) throw new StoreError('NotFound', `key ${key} not found`)
      if (expectedModRevision !== undefined && latest.id !== expectedModRevision)
        throw conflict(key, expectedModRevision, latest)
      return {
        created: 0,
        deleted: 1,
        createRevision: latest.create_revision,
        prevRevision: latest.id,
        value: latest.value,
        oldValue: null,
      }
    })
    return kvFromRow(row)
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterableIterator<WatchEvent> {
    if (this.closed) {
      const err = new StoreError('Unavailable', 'store is closed')
      return (async function* () {
        throw err
      })()
    }
    return new WatchStream(this.history, this.fanout, {
      prefix,
      afterRevision: opts.afterRevision,
      signal: opts.signal,
      maxBuffered: this.maxWatchBuffer,
      pageSize: this.watchPageSize,
    })
  }

  /** Once the open batch (if any) has committed and every committed batch has been fsynced and published. */
  async settled(): Promise<void> {
    // The open batch commits on the setImmediate scheduled when it opened, before this one.
    await new Promise<void>((resolve) => setImmediate(resolve))
    await this.syncing
  }

  /** How many watch streams are subscribed (for metrics and tests). */
  get watcherCount(): number {
    return this.fanout.size
  }

  /**
   * Drop history at or below `revision`: every row superseded by a newer row at or below it, and
   * every delete tombstone at or below it. The newest version of each live key stays, so reads at
   * `revision` or later are unchanged; reads and watches below it answer Expired. Compacting at or
   * below the compacted revision does nothing; above the current revision is TooLarge.
   */
  async compact(revision: number): Promise<void> {
    this.checkOpen()
    const target = Math.floor(revision)
    if (!(target <= this.committed))
      throw new StoreError('TooLarge', `Too large resource version: ${revision}, current: ${this.committed}`)
    if (target <= this.compacted) return this.compacting
    // Readers see the new floor at once; rows are deleted in batches afterwards.
    this.compacted = target
    this.setMeta(metaKeys.compactRevision, target)
    const previous = this.compacting.catch(() => {})
    this.compacting = previous.then(() => this.deleteCompacted(target))
    return this.compacting
  }

  async close(): Promise<void> {
    if (this.closed) return
    if (this.batch) this.commitBatch()
    this.closed = true
    // Acknowledge (or fail) the batches whose fsync is still under way before the file closes.
    await this.syncing
    this.fanout.endAll()
    this.statements.clear()
    this.db.close()
  }

  // --- internals ---

  private checkOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed')
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  private meta(key: string): number | undefined {
    return this.db.prepare('SELECT value FROM kine_meta WHERE key = ?').pluck().get(key) as number | undefined
  }

  private setMeta(key: string, value: number): void {
    this.stmt('INSERT INTO kine_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      key,
      value,
    )
  }

  /** The revision a read happens at: current when absent or 0; Expired below the compacted one. */
  private readRevision(requested: number | undefined): number {
    if (requested === undefined || requested === 0) return this.committed
    const r = Math.floor(requested)
    if (!(r <= this.committed))
      throw new StoreError('TooLarge', `Too large resource version: ${requested}, current: ${this.committed}`)
    if (r < this.compacted || r < 0) throw expired(r, this.compacted)
    return r
  }

  /** The key's newest committed row: what readers see while a batch is still open. */
  private latestCommitted(key: string): Row | undefined {
    return this.stmt(`SELECT ${rowColumns()} FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`).get(key, this.committed) as
      | Row
      | undefined
  }

  private latest(key: string): Row | undefined {
    return this.stmt(`SELECT ${rowColumns()} FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1`).get(key) as
      | Row
      | undefined
  }

  private countLive(prefix: string, revision: number, startAfter?: string): number {
    const range = keyRange(prefix, startAfter)
    // SQLite: a bare column next to MAX() comes from the row holding the maximum, so `deleted` is
    // the newest row's flag. Answered from the (name, id, deleted) index alone.
    return this.stmt(
      `SELECT COUNT(*) FROM (SELECT MAX(id), deleted FROM kine WHERE ${range.where} AND id <= @revision GROUP BY name HAVING deleted = 0)`,
    )
      .pluck()
      .get({ ...range.params, revision }) as number
  }

  private readHistory(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    if (this.closed) return []
    const range = keyRange(prefix)
    const rows = this.stmt(
      `SELECT ${rowColumns()} FROM kine WHERE id > @after AND id <= @upTo AND ${range.where} ORDER BY id LIMIT @limit`,
    ).all({ ...range.params, after, upTo, limit }) as Row[]
    return rows.map(eventFromRow)
  }

  /**
   * One write: read the key's newest row (committed or not), let `decide` check it and describe the
   * new row (or throw), insert it at the next revision. Group commit: the first write of an
   * event-loop turn opens a transaction and schedules its commit for the next turn; every write of
   * the turn joins it (each in a savepoint, so a failed one leaves the others intact), and all are
   * acknowledged, and published to watchers in revision order, after the one fsync. Readers see
   * only committed revisions meanwhile.
   */
  private write(key: string, decide: Decide): Promise<Row> {
    if (!this.batch) {
      this.db.exec('BEGIN IMMEDIATE')
      this.batch = { rows: [], waiters: [] }
      setImmediate(() => this.commitBatch())
    }
    const batch = this.batch
    let row: Row
    this.db.exec('SAVEPOINT kine_write')
    try {
      row = this.writeBody(key, decide)
      this.db.exec('RELEASE kine_write')
    } catch (err) {
      this.db.exec('ROLLBACK TO kine_write')
      this.db.exec('RELEASE kine_write')
      // The unique (name, prev_revision) index caught a second write from the same version. Only
      // this process writes, so it cannot happen today; it is the guard if that ever changes.
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const latest = this.latest(key)
        return Promise.reject(new StoreError('Conflict', `key ${key} was modified concurrently`, latest && kvFromRow(latest)))
      }
      return Promise.reject(err)
    }
    this.revision = row.id
    batch.rows.push(row)
    return new Promise((resolve, reject) => batch.waiters.push({ resolve: () => resolve(row), reject }))
  }

  /**
   * Commit the open batch, then fsync the WAL off the event loop; once the fsync (and every
   * earlier batch's) is done, the batch's writes are seen by readers, published to watchers and
   * acknowledged, in revision order. A failed COMMIT fails them all; a failed fsync fails their
   * acknowledgements (the rows are in the database, so they are still published: what readers
   * and watchers see never goes back).
   */
  private commitBatch(): void {
    const batch = this.batch
    if (!batch || this.closed) return
    this.batch = undefined
    try {
      this.db.exec('COMMIT')
    } catch (err) {
      try {
        this.db.exec('ROLLBACK')
      } catch {
        // already rolled back by SQLite
      }
      this.revision = this.written
      const failure = new StoreError('Unavailable', `commit failed: ${(err as Error).message}`)
      for (const w of batch.waiters) w.reject(failure)
      return
    }
    if (batch.rows.length) this.written = batch.rows[batch.rows.length - 1].id
    const synced = batch.rows.length ? this.syncWal() : Promise.resolve(undefined)
    this.syncing = Promise.all([this.syncing, synced])
      .then(([, failed]) => {
        if (batch.rows.length) this.committed = batch.rows[batch.rows.length - 1].id
        const failure = failed && new StoreError('Unavailable', `commit not made durable: ${failed.message}`)
        try {
          if (this.fanout.size > 0) for (const row of batch.rows) this.fanout.publish(eventFromRow(row))
        } finally {
          for (const w of batch.waiters) failure ? w.reject(failure) : w.resolve()
        }
      })
      // The chain must not stay rejected (later batches would never be acknowledged); an error in
      // publishing is thrown as it was when commits were synchronous: uncaught.
      .catch((err: unknown) => {
        process.nextTick(() => {
          throw err
        })
      })
  }

  /** fdatasync of the WAL file on the thread pool: what synchronous=FULL would have done inside COMMIT. Resolves with the error, if any. */
  private async syncWal(): Promise<Error | undefined> {
    let fh: Awaited<ReturnType<typeof openFile>> | undefined
    try {
      fh = await openFile(`${this.path}-wal`, 'r')
      await fh.datasync()
      return undefined
    } catch (err) {
      // No WAL file: SQLite checkpointed and removed it, so the rows are in the (synced) database.
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : (err as Error)
    } finally {
      await fh?.close().catch(() => undefined)
    }
  }

  /** The body of every write (inside the batch's transaction): read newest row, decide, insert. */
  private writeBody(key: string, decide: Decide): Row {
    const latest = this.latest(key)
    const id = this.revision + 1
    const n = decide(latest, id)
    if (typeof n.value !== 'string') throw new TypeError('value must be a string')
    this.stmt(
      `INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, lease, value, old_value)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ).run(id, key, n.created, n.deleted, n.createRevision, n.prevRevision, n.value, n.oldValue)
    return {
      id,
      name: key,
      created: n.created,
      deleted: n.deleted,
      create_revision: n.createRevision,
      prev_revision: n.prevRevision,
      value: n.value,
      old_value: n.oldValue,
    }
  }

  /** Delete rows made obsolete by compacting to `target`, a batch of revisions per transaction. */
  private async deleteCompacted(target: number): Promise<void> {
    if (this.closed) return // the next open resumes it
    const removeSuperseded = this.stmt(
      'DELETE FROM kine WHERE id IN (SELECT prev_revision FROM kine WHERE id > ? AND id <= ? AND prev_revision > 0)',
    )
    const removeTombstones = this.stmt('DELETE FROM kine WHERE id > ? AND id <= ? AND deleted = 1')
    while (this.compactDone < target && !this.closed) {
      const from = this.compactDone
      const to = Math.min(target, from + this.compactBatch)
      this.db.transaction(() => {
        // Each row in (from, to] supersedes its previous row, which is then at or below `to`.
        removeSuperseded.run(from, to)
        removeTombstones.run(from, to)
        this.setMeta(metaKeys.compactDone, to)
      })()
      this.compactDone = to
      if (this.compactDone < target) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}

/** Checks the key's newest row (throwing NotFound/AlreadyExists/Conflict) and describes the new one. */
type Decide = (latest: Row | undefined, id: number) => NewRow

interface NewRow {
  created: 0 | 1
  deleted: 0 | 1
  createRevision: number
  prevRevision: number
  value: string
  oldValue: string | null
}

function conflict(key: string, expected: number, latest: Row): StoreError {
  return new StoreError(
    'Conflict',
    `key ${key} has modRevision ${latest.id}, expected ${expected}`,
    kvFromRow(latest),
  )
}

/** Open (creating if needed, with its directory) the SQLite store at `path`. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  if (path !== ':memory:' && path !== '') {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // Every Secret lives here: the file is the owner's alone. SQLite gives its -wal and -shm files
    // the database file's permissions, so they follow.
    await (await openFile(path, 'a', 0o600)).close()
    await chmod(path, 0o600)
  }
  return new SqliteStore(path, opts)
}
