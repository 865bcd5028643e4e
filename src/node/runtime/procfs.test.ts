import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { listeningIPv4 } from './procfs.js'

test('listeningIPv4 sees a listener on a loopback address, and not after it closes', { skip: process.platform !== 'linux' }, async () => {
  const ip = '127.244.251.77'
  const srv = createServer()
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, ip, resolve))
  try {
    assert.ok(listeningIPv4().has(ip))
  } finally {
    await new Promise((r) => srv.close(r))
  }
  assert.ok(!listeningIPv4().has(ip))
})
