// The atomic writer: `..data` swapped in one rename, user-visible names as symlinks, modes, no
// write when nothing changed, stale names and old directories removed.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { timestampPrefix, validatePath, writeAtomic, type Payload } from './atomic-writer.js'

const root = mkdtempSync(join(tmpdir(), 'kubelite-atomic-'))
after(() => rmSync(root, { recursive: true, force: true }))

const payload = (entries: Record<string, [string, number]>): Payload => new Map(Object.entries(entries).map(([k, [d, m]]) => [k, { data: Buffer.from(d), mode: m }]))

test('timestamped directory names as upstream: ..2006_01_02_15_04_05.', () => {
  assert.equal(timestampPrefix(new Date('2025-03-04T05:06:07.890Z')), '..2025_03_04_05_06_07.')
})

test('paths: relative, no ..', () => {
  assert.equal(validatePath('a/b'), undefined)
  assert.match(validatePath('/etc/x')!, /relative/)
  assert.match(validatePath('a/../b')!, /'\.\.'/)
  assert.match(validatePath('..data')!, /start with/)
})

test('write, rewrite unchanged (no-op), update (swap), stale names go', () => {
  const dir = join(root, 'vol')
  assert.equal(writeAtomic(dir, payload({ 'game.properties': ['lives=3\n', 0o644], 'ui/colors': ['red', 0o400] })), true)
  const first = readlinkSync(join(dir, '..data'))
  assert.match(first, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\w+$/)
  assert.equal(readlinkSync(join(dir, 'game.properties')), '..data/game.properties')
  assert.equal(readlinkSync(join(dir, 'ui')), '..data/ui')
  assert.equal(readFileSync(join(dir, 'ui/colors'), 'utf8'), 'red')
  assert.equal(statSync(join(dir, 'ui/colors')).mode & 0o777, 0o400)
  assert.equal(statSync(join(dir, 'game.properties')).mode & 0o777, 0o644)

  assert.equal(writeAtomic(dir, payload({ 'game.properties': ['lives=3\n', 0o644], 'ui/colors': ['red', 0o400] })), false)
  assert.equal(readlinkSync(join(dir, '..data')), first)

  assert.equal(writeAtomic(dir, payload({ 'game.properties': ['lives=5\n', 0o644] })), true)
  const second = readlinkSync(join(dir, '..data'))
  assert.notEqual(second, first)
  assert.equal(readFileSync(join(dir, 'game.properties'), 'utf8'), 'lives=5\n')
  assert.deepEqual(readdirSync(dir).sort(), ['..data', second, 'game.properties'].sort())
  // A mode change alone is a change.
  assert.equal(writeAtomic(dir, payload({ 'game.properties': ['lives=5\n', 0o600] })), true)
  assert.equal(statSync(join(dir, 'game.properties')).mode & 0o777, 0o600)
})

test('an empty payload (optional source missing) leaves an empty volume', () => {
  const dir = join(root, 'empty')
  writeAtomic(dir, new Map())
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')), [])
})
