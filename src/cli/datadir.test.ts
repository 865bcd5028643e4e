import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensurePrivateDataDir } from './datadir.js'

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'kubelite-datadir-'))
  t.after(() => rmSync(d, { recursive: true, force: true }))
  return d
}

const modeOf = (p: string) => statSync(p).mode & 0o777

test('a new data dir is created 0700, parents included', async (t) => {
  const d = join(tempDir(t), 'a', 'b')
  await ensurePrivateDataDir(d)
  assert.equal(modeOf(d), 0o700)
})

test('an existing 0755 data dir is made private', async (t) => {
  const d = join(tempDir(t), 'data')
  mkdirSync(d)
  chmodSync(d, 0o755)
  await ensurePrivateDataDir(d)
  assert.equal(modeOf(d), 0o700)
})

test('a data dir others can write is refused with a message saying what to do', async (t) => {
  for (const mode of [0o777, 0o775, 0o733]) {
    const d = join(tempDir(t), `data-${mode.toString(8)}`)
    mkdirSync(d)
    chmodSync(d, mode)
    await assert.rejects(ensurePrivateDataDir(d), (err: Error) => {
      assert.match(err.message, new RegExp(`^data dir ${d} is writable by (everyone|its group) \\(mode 0${mode.toString(8)}\\)`))
      assert.match(err.message, /chmod 700/)
      return true
    })
    assert.equal(modeOf(d), mode, 'left as it was')
  }
})
