import { test } from 'node:test'
import assert from 'node:assert/strict'
import { firstSize, isPtySlave, sttySizeArgs, type WindowSize } from './pty.js'

test('isPtySlave: only /dev/pts/N', () => {
  assert.equal(isPtySlave('/dev/pts/3'), true)
  assert.equal(isPtySlave('/dev/ptmx'), false)
  assert.equal(isPtySlave('pipe:[1234]'), false)
  assert.equal(isPtySlave('/dev/null'), false)
})

test('sttySizeArgs: whole columns and rows; a zero or absurd size is not applied', () => {
  assert.deepEqual(sttySizeArgs({ width: 80, height: 24 }), ['cols', '80', 'rows', '24'])
  assert.deepEqual(sttySizeArgs({ width: 80.7, height: 24.2 }), ['cols', '80', 'rows', '24'])
  assert.equal(sttySizeArgs({ width: 0, height: 0 }), undefined)
  assert.equal(sttySizeArgs({ width: 70000, height: 10 }), undefined)
  assert.equal(sttySizeArgs({ width: Number.NaN, height: 10 }), undefined)
})

async function* timed(items: [number, WindowSize][]) {
  for (const [ms, size] of items) {
    await new Promise((r) => setTimeout(r, ms))
    yield size
  }
}

async function all(it: AsyncIterable<WindowSize>): Promise<WindowSize[]> {
  const out: WindowSize[] = []
  for await (const s of it) out.push(s)
  return out
}

test('firstSize: the first size if it comes in time, and the rest with none lost', async () => {
  const a = { width: 1, height: 1 }
  const b = { width: 2, height: 2 }
  const quick = await firstSize(timed([[0, a], [5, b]]), 100)
  assert.deepEqual(quick.first, a)
  assert.deepEqual(await all(quick.rest), [b])
  // Late: no first size, and the late one is the first of the rest.
  const late = await firstSize(timed([[60, a], [0, b]]), 10)
  assert.equal(late.first, undefined)
  assert.deepEqual(await all(late.rest), [a, b])
  const none = await firstSize(timed([]), 50)
  assert.equal(none.first, undefined)
  assert.deepEqual(await all(none.rest), [])
})
