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

test('parseProcUsage and processTree: a container is its leader, its descendants and its process group', async () => {
  const { parseProcUsage, processTree, treeUsage, clockTicksPerSecond } = await import('./procfs.js')
  // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ... rss is field 24.
  const line = (pid: number, ppid: number, pgrp: number, utime: number, rss: number) =>
    `${pid} (a b) c) S ${ppid} ${pgrp} 0 0 -1 0 0 0 0 0 ${utime} 1 2 3 20 0 1 0 100 1000 ${rss} 0`
  const u = parseProcUsage(10, line(10, 1, 10, 96, 7))!
  assert.deepEqual(u, { pid: 10, ppid: 1, pgrp: 10, cpuTicks: 102, rssPages: 7 })
  assert.equal(parseProcUsage(11, '11 (z) Z 1 11 0'), undefined)
  const all = new Map([
    [10, u],
    [11, parseProcUsage(11, line(11, 10, 10, 0, 1))!], // child
    [12, parseProcUsage(12, line(12, 11, 12, 0, 1))!], // grandchild in a session of its own
    [13, parseProcUsage(13, line(13, 1, 10, 0, 1))!], // reparented, still in the group
    [14, parseProcUsage(14, line(14, 1, 14, 500, 50))!], // a stranger
  ])
  assert.deepEqual(processTree(10, all).map((p) => p.pid).sort(), [10, 11, 12, 13])
  assert.equal(treeUsage(processTree(10, all)).cpuSeconds, (102 + 6 * 3) / clockTicksPerSecond)
  assert.deepEqual(processTree(99, all), [])
})

test('readAllProcUsage and treeUsage measure this process: CPU grows as it works, memory is its resident set', { skip: process.platform !== 'linux' }, async () => {
  const { readAllProcUsage, processTree, treeUsage } = await import('./procfs.js')
  const before = treeUsage(processTree(process.pid, readAllProcUsage()))
  const until = Date.now() + 300
  let x = 0
  while (Date.now() < until) x += Math.sqrt(x + 1)
  const after = treeUsage(processTree(process.pid, readAllProcUsage()))
  assert.ok(x > 0)
  assert.ok(after.cpuSeconds >= before.cpuSeconds + 0.05, `${before.cpuSeconds} → ${after.cpuSeconds}`)
  assert.ok(after.memoryBytes > 10 * 1024 * 1024)
})
