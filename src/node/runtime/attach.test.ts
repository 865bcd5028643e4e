// Attach in the process runtime: the shim's socket wire, a container's kept stdin (stdinOnce),
// its terminal (tty) resized from outside, and a session with a shim adopted after a restart.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { builtinImages } from '../../images/index.js'
import { encodeFrame, frame, FrameDecoder, reachableSocketPath } from './attach-wire.js'
import { ProcessRuntime } from './process.js'
import type { ContainerSpec, SandboxSpec } from './types.js'
import { until } from '../../../test/kit/index.js'

const root = mkdtempSync(join(tmpdir(), 'kubelite-attach-'))
const runtimes: ProcessRuntime[] = []

after(async () => {
  await Promise.all(runtimes.map((r) => r.close(0)))
  rmSync(root, { recursive: true, force: true })
})

function newRuntime(name: string) {
  const rt = new ProcessRuntime({ stateDir: join(root, name), images: builtinImages, pollIntervalMs: 20 })
  runtimes.push(rt)
  return rt
}

let ip = 0
function sandbox(podName: string): SandboxSpec {
  ip++
  return { podUid: `uid-${podName}`, podName, namespace: 'default', podIP: `127.244.249.${ip}`, logDir: join(root, 'logs', podName) }
}

function spec(extra: Partial<ContainerSpec>): ContainerSpec {
  return { name: 'main', image: 'busybox', env: {}, restartCount: 0, ...extra }
}

function collect() {
  const s = new PassThrough()
  let text = ''
  s.on('data', (d) => (text += d))
  return { s, text: () => text }
}

/** Sizes pushed by the test, as the API's resize queue hands them over. */
function sizeQueue() {
  const items: { width: number; height: number }[] = []
  let wake: (() => void) | undefined
  let done = false
  return {
    push(width: number, height: number) {
      items.push({ width, height })
      wake?.()
    },
    end() {
      done = true
      wake?.()
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = items.shift()
        if (next) yield next
        else if (done) return
        else await new Promise<void>((r) => (wake = r))
      }
    },
  }
}

test('attach wire: frames survive any chunking; long socket paths go through the directory fd', () => {
  const got: [number, string][] = []
  const d = new FrameDecoder((t, p) => got.push([t, p.toString()]))
  const bytes = Buffer.concat([encodeFrame(frame.hello, '{"stdin":true}'), encodeFrame(frame.stdin, 'abc'), encodeFrame(frame.stdinEnd)])
  for (const b of bytes) d.push(Buffer.from([b]))
  assert.deepEqual(got, [[frame.hello, '{"stdin":true}'], [frame.stdin, 'abc'], [frame.stdinEnd, '']])
  assert.deepEqual(reachableSocketPath('/short/attach.sock').path, '/short/attach.sock')
  const deep = join(root, 'y'.repeat(100))
  mkdirSync(deep, { recursive: true })
  const r = reachableSocketPath(join(deep, 'attach.sock'))
  assert.match(r.path, /^\/proc\/self\/fd\/\d+\/attach\.sock$/)
  r.release()
})


test('attach: stdin reaches the main process, output comes back (and is still logged); stdinOnce: the first session gets the output since the start, and its end closes stdin', async () => {
  const rt = newRuntime('stdin')
  const sb = sandbox('stdin-pod')
  const h = await rt.startContainer(sb, spec({ command: ['sh', '-c', 'echo before; while read line; do echo "got $line"; done; echo stdin-closed'], stdin: true, stdinOnce: true }))
  await until('the first line logged', () => readFileSync(h.logPath, 'utf8').includes('before'))
  const out = collect()
  const stdin = new PassThrough()
  const session = rt.attach(sb, 'main', { stdin, stdout: out.s, stderr: out.s })
  stdin.write('one\n')
  await until('the echo', () => out.text().includes('got one\n'))
  stdin.end()
  await session
  assert.equal(out.text(), 'before\ngot one\nstdin-closed\n')
  assert.equal((await h.exited).exitCode, 0)
  assert.match(readFileSync(h.logPath, 'utf8'), /stdout F got one\n.*stdout F stdin-closed\n/s)
  await assert.rejects(rt.attach(sb, 'main', {}), /container not found \("main"\)/)
})

test('attach without stdinOnce: sessions come and go, stdin stays open; output-only sessions write nothing', async () => {
  const rt = newRuntime('multi')
  const sb = sandbox('multi-pod')
  const h = await rt.startContainer(sb, spec({ command: ['sh', '-c', 'while read line; do echo "got $line"; [ "$line" = quit ] && exit 3; done'], stdin: true }))
  for (const word of ['a', 'b']) {
    const out = collect()
    const stdin = new PassThrough()
    const ac = new AbortController()
    const session = rt.attach(sb, 'main', { stdin, stdout: out.s, signal: ac.signal })
    stdin.end(`${word}\n`)
    await until(`got ${word}`, () => out.text().includes(`got ${word}\n`))
    ac.abort()
    await session
  }
  const watcher = collect()
  const watching = rt.attach(sb, 'main', { stdout: watcher.s })
  const stdin = new PassThrough()
  const writer = rt.attach(sb, 'main', { stdin })
  stdin.write('quit\n')
  await Promise.all([watching, writer])
  assert.equal(watcher.text(), 'got quit\n')
  assert.equal((await h.exited).exitCode, 3)
})

test('attach to a tty container: a terminal under the shell, resized from outside, and still there after an agent restart', async () => {
  const first = newRuntime('tty')
  const sb = sandbox('tty-pod')
  const h = await first.startContainer(sb, spec({ command: ['sh'], stdin: true, tty: true }))
  first.detach()
  const second = newRuntime('tty')
  const adopted = await second.listRunning()
  assert.deepEqual(adopted.map((a) => a.handle.id), [h.id])
  const out = collect()
  const stdin = new PassThrough()
  const sizes = sizeQueue()
  const session = second.attach(sb, 'main', { stdin, stdout: out.s, tty: true, resize: sizes })
  // A resize is applied from outside (stty -F) while the shell reads: ask until it shows.
  const sizeShown = async (size: string) => {
    for (let i = 0; i < 50 && !out.text().includes(size); i++) {
      stdin.write('stty size\r')
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(out.text().includes(size), `${size} in ${JSON.stringify(out.text())}`)
  }
  sizes.push(101, 31)
  await sizeShown('31 101')
  stdin.write('tty\r')
  await until('tty', () => /\/dev\/pts\/\d+/.test(out.text()))
  sizes.push(77, 22)
  await sizeShown('22 77')
  stdin.write('exit 4\r')
  await session
  sizes.end()
  // An adopted container's status comes from the shim's status file: the shell's own exit code.
  // (The runtime polls an adopted process with an unref'd timer; keep this test's loop alive.)
  const keep = setInterval(() => undefined, 1000)
  assert.equal((await adopted[0].handle.exited).exitCode, 4)
  clearInterval(keep)
})
