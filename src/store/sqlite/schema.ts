// The on-disk layout, after kine (k3s' etcd shim): one append-only table where every write is a
// row and the row id is the revision.
//
//   id               revision of this write (AUTOINCREMENT: never reused, even after the newest
//                    rows are compacted away, because sqlite_sequence remembers the high mark)
//   name             the key
//   created          1 when this row creates the key (no live version before it)
//   deleted          1 when this row is a delete tombstone (value = the last live value)
//   create_revision  revision at which the key was (last) created; for a create row, its own id
//   prev_revision    id of the previous row of this key (0: none, or compacted away)
//   lease            reserved for etcd-style leases (always 0 today)
//   value            JSON text of the object
//   old_value        for updates: the previous value, so a watch event carries prevKv even when
//                    read back from history (creates: NULL; deletes: NULL, the value is `value`)
//
// UNIQUE (name, prev_revision) makes compare-and-swap a plain insert: two writers starting from
// the same version cannot both land. (name, id, deleted) answers "newest row of a key at or below
// a revision" and "is the newest row of each key under a prefix live" from the index alone.
//
// kine_meta keeps small counters: the compacted revision (reads below it are Expired) and how far
// compaction has actually deleted rows (so an interrupted compaction resumes after a restart).

export const schemaVersion = 1

export const schemaSql = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  value TEXT,
  old_value TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id, deleted);
CREATE TABLE IF NOT EXISTS kine_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`

export const metaKeys = {
  schemaVersion: 'schema_version',
  /** Reads and watches below this revision answer Expired. */
  compactRevision: 'compact_revision',
  /** Rows superseded at or below this revision have been deleted. */
  compactDone: 'compact_done',
} as const
