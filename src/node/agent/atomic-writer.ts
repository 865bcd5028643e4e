// Upstream's AtomicWriter (pkg/volume/util/atomic_writer.go), as configMap, secret, downwardAPI
// and projected volumes are written: the files live in a timestamped directory
// `..2006_01_02_15_04_05.<random>`, `..data` is a symlink to it, and each user-visible top-level
// name is a symlink `<name> -> ..data/<name>`. An update writes a new timestamped directory and
// swaps `..data` with one rename, so a reader sees either the old set of files or the new one,
// never a mix; then stale names and the old directory go.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface FileProjection {
  data: Buffer
  /** Permission bits (defaultMode / items[].mode), e.g. 0o644. */
  mode: number
}

export type Payload = Map<string, FileProjection>

export interface Owner {
  uid: number
  gid: number
}

const dataDirName = '..data'
const newDataDirName = '..data_tmp'

/** `..2006_01_02_15_04_05.` in UTC, the prefix of a timestamped directory. */
export function timestampPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`
}

/** Paths must be relative, without `..` elements (the API validates the same). */
export function validatePath(path: string): string | undefined {
  if (path === '') return 'invalid path: must not be empty'
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`
  if (path.split('/').includes('..')) return `invalid path: must not contain '..': ${path}`
  if (path.startsWith('..')) return `invalid path: must not start with '..': ${path}`
  return undefined
}

function sameAsOnDisk(dir: string, payload: Payload): boolean {
  const seen = new Set<string>()
  const walk = (rel: string): boolean => {
    for (const name of readdirSync(join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name
      const st = statSync(join(dir, p))
      if (st.isDirectory()) {
        if (!walk(p)) return false
        continue
      }
      const want = payload.get(p)
      if (!want || (st.mode & 0o7777) !== want.mode || !readFileSync(join(dir, p)).equals(want.data)) return false
      seen.add(p)
    }
    return true
  }
  try {
    return walk('') && seen.size === payload.size
  } catch {
    return false
  }
}

/**
 * Makes `targetDir` show exactly `payload`. Returns false when it already did (nothing written).
 * `owner`: who the files belong to (the container's user, so a 0400 file is readable by it).
 */
export function writeAtomic(targetDir: string, payload: Payload, opts: { owner?: Owner; now?: Date } = {}): boolean {
  for (const p of payload.keys()) {
    const bad = validatePath(p)
    if (bad) throw new Error(bad)
  }
  mkdirSync(targetDir, { recursive: true, mode: 0o755 })
  const own = (p: string) => opts.owner && chownSync(p, opts.owner.uid, opts.owner.gid)
  let old: string | undefined
  try {
    old = readlinkSync(join(targetDir, dataDirName))
  } catch {
    old = undefined
  }
  if (old && sameAsOnDisk(join(targetDir, old), payload)) return false

  const tsDir = mkdtempSync(join(targetDir, timestampPrefix(opts.now ?? new Date())))
  for (const [path, f] of payload) {
    const file = join(tsDir, path)
    const made = mkdirSync(dirname(file), { recursive: true, mode: 0o755 })
    if (made) for (let d = dirname(file); d.length >= made.length; d = dirname(d)) own(d)
    writeFileSync(file, f.data)
    chmodSync(file, f.mode)
    own(file)
  }
  chmodSync(tsDir, 0o755) // mkdtemp made it 0700
  own(tsDir)
  const tsName = tsDir.slice(targetDir.length + 1)
  rmSync(join(targetDir, newDataDirName), { force: true })
  symlinkSync(tsName, join(targetDir, newDataDirName))
  own(join(targetDir, newDataDirName))
  renameSync(join(targetDir, newDataDirName), join(targetDir, dataDirName))

  const visible = new Set([...payload.keys()].map((p) => p.split('/')[0]))
  for (const name of visible) {
    const link = join(targetDir, name)
    if (!existsSync(link) && !isSymlink(link)) symlinkSync(join(dataDirName, name), link)
  }
  for (const name of readdirSync(targetDir)) {
    if (name.startsWith('..') || visible.has(name)) continue
    unlinkSync(join(targetDir, name))
  }
  if (old && old !== tsName) rmSync(join(targetDir, old), { recursive: true, force: true })
  return true
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}
