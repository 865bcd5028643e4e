// The process runtime's container shim (like containerd-shim): the container's main process,
// leader of its own process group, started detached so it outlives an agent restart.
//   node shim.mjs <spec.json>
// It writes the container's stdout/stderr to the CRI log file (see cri-log.ts for the format),
// rotating it by size, and records the exit status in a file the agent reads, since an adopted
// process is nobody's child. Two modes:
//   program: a built-in image's Node program runs inside this very process (its writes to
//            process.stdout/stderr become log records), so a container costs one process;
//   host:    the container's argv runs as a child in the same process group; this process only
//            logs, then exits the way the child did.
// Every container also serves attach sessions on a unix socket in its state dir (spec.attachSocket,
// the wire in attach-wire.ts): its output goes to each session as well as to the log, and a
// container with `stdin` gets a pipe for stdin that this process keeps, written by the sessions.
// Plain ESM without compilation: it runs the same from a checkout (tsx) and from dist/.
import { spawn } from 'node:child_process'
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { createServer } from 'node:net'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { constants } from 'node:os'

const fatalSignals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']

/**
 * Tells the runtime (one byte on fd 3) that the container's process is in place: a stop signal
 * sent from now on reaches it (host mode: the child exists; program mode: signals are held until
 * the program has loaded), so a container stopped right after its start is not lost.
 */
function ready() {
  try {
    writeSync(3, 'R')
    closeSync(3)
  } catch {
    // started by hand, without the pipe
  }
}

// `node shim.mjs --program <program.mjs> [args...]`: a built-in image's program as a process of
// its own inside a pod sandbox (the logging shim stays outside). Only the early-signal hold of
// program mode below: a SIGTERM that comes while the program loads waits for its handlers.
if (process.argv[2] === '--program') {
  const [program, ...args] = process.argv.slice(3)
  process.argv = [process.execPath, program, ...args]
  const early = []
  const holdEarly = (sig) => early.push(sig)
  for (const sig of fatalSignals) process.on(sig, holdEarly)
  ready() // to the shim (fd 3, through nsenter), which only then tells the runtime
  await import(pathToFileURL(program).href)
  for (const sig of fatalSignals) process.removeListener(sig, holdEarly)
  for (const sig of early) {
    // Unhandled by the program: die of it, as the program would have.
    if (process.listenerCount(sig) > 0) process.emit(sig, sig)
    else process.kill(process.pid, sig)
  }
} else {
  await runShim()
}

async function runShim() {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'))
  const maxLine = 16 * 1024
  const maxSize = spec.logMaxSize ?? 10 * 1024 * 1024
  const maxFiles = Math.max(2, spec.logMaxFiles ?? 5)

  // Wall-clock nanoseconds, monotonic within this process.
  const epochBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
  function timestamp() {
    const ns = epochBase + process.hrtime.bigint()
    const iso = new Date(Number(ns / 1_000_000n)).toISOString()
    const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
    return iso.slice(0, 19) + (frac ? `.${frac}` : '') + 'Z'
  }

  let fd = openSync(spec.logPath, 'a')
  let size = fstatSync(fd).size

  function rotate() {
    closeSync(fd)
    const d = new Date()
    const p = (n) => String(n).padStart(2, '0')
    const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
    const prefix = basename(spec.logPath) + '.'
    const dir = dirname(spec.logPath)
    try {
      // Names sort by age: several rotations within one second get .001, .002... after the newest.
      const same = readdirSync(dir).filter((n) => n.startsWith(`${prefix}${stamp}`))
      let target = `${spec.logPath}.${stamp}`
      if (same.length > 0) {
        const last = Math.max(...same.map((n) => Number(n.slice(prefix.length + stamp.length + 1) || 0)))
        target = `${spec.logPath}.${stamp}.${String(last + 1).padStart(3, '0')}`
      }
      renameSync(spec.logPath, target)
      const rotated = readdirSync(dir).filter((n) => n.startsWith(prefix)).sort()
      while (rotated.length > maxFiles - 1) unlinkSync(join(dir, rotated.shift()))
    } catch {
      // A vanished log dir (pod deleted) must not kill the container; keep writing where we can.
    }
    fd = openSync(spec.logPath, 'a')
    size = 0
  }

  const pending = { stdout: [], stderr: [] }
  const pendingLen = { stdout: 0, stderr: 0 }

  function emit(stream, full) {
    let content = Buffer.concat(pending[stream])
    pending[stream] = []
    pendingLen[stream] = 0
    if (full && content.length > 0 && content[content.length - 1] === 0x0d) content = content.subarray(0, content.length - 1)
    const record = Buffer.concat([Buffer.from(`${timestamp()} ${stream} ${full ? 'F' : 'P'} `), content, Buffer.from('\n')])
    try {
      writeSync(fd, record)
    } catch {
      return
    }
    size += record.length
    if (size >= maxSize) rotate()
  }

  function feed(stream, chunk) {
    let start = 0
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start)
      let piece = chunk.subarray(start, nl === -1 ? chunk.length : nl)
      while (pendingLen[stream] + piece.length > maxLine) {
        const take = maxLine - pendingLen[stream]
        pending[stream].push(piece.subarray(0, take))
        pendingLen[stream] += take
        emit(stream, false)
        piece = piece.subarray(take)
      }
      if (piece.length > 0) {
        pending[stream].push(Buffer.from(piece))
        pendingLen[stream] += piece.length
      }
      if (nl === -1) break
      emit(stream, true)
      start = nl + 1
    }
  }

  /** Output without a final newline is written as a partial record, as containerd does at EOF. */
  function flush() {
    for (const stream of ['stdout', 'stderr']) if (pendingLen[stream] > 0) emit(stream, false)
  }

  let statusWritten = false
  function writeStatus(exitCode, signal, reason) {
    if (statusWritten) return
    statusWritten = true
    flush()
    const status = { exitCode, signal, reason, finishedAt: new Date().toISOString() }
    try {
      writeFileSync(spec.statusPath + '.tmp', JSON.stringify(status))
      renameSync(spec.statusPath + '.tmp', spec.statusPath)
    } catch {
      // The state dir is gone: the agent will learn the status from the process itself.
    }
  }

  const signalNumber = (sig) => constants.signals[sig] ?? 0

  const attach = serveAttach(spec)

  /** nsenter's child: the container's main process (host pid), or undefined before it exists. */
  function containerProcess(pid) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
      return kids.length ? Number(kids[0]) : undefined
    } catch {
      return undefined
    }
  }

  /** Ends this process the way the container's main process ended (signal or exit code). */
  function endLike(exitCode, signal) {
    if (signal) {
      process.removeAllListeners(signal)
      try {
        process.kill(process.pid, signal)
      } catch {
        // fall through to exit
      }
      setTimeout(() => process.exit(exitCode), 100)
      return
    }
    process.exit(exitCode)
  }

  if (spec.launch.kind === 'program') {
    for (const stream of ['stdout', 'stderr']) {
      const target = process[stream]
      target.write = (chunk, encoding, cb) => {
        if (typeof encoding === 'function') {
          cb = encoding
          encoding = undefined
        }
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        attach.output(stream, buf)
        feed(stream, buf)
        if (cb) process.nextTick(cb)
        return true
      }
    }
    process.on('exit', (code) => writeStatus(code ?? 0, undefined))
    process.on('uncaughtException', (err) => {
      feed('stderr', Buffer.from(`${err?.stack ?? String(err)}\n\nNode.js ${process.version}\n`))
      writeStatus(1, undefined)
      process.exit(1)
    })
    process.argv = [process.execPath, spec.launch.program, ...spec.launch.args]
    // A signal that arrives while the program is still loading waits for it, so a container
    // stopped right after its start ends the way the program ends on that signal.
    const early = []
    const holdEarly = (sig) => early.push(sig)
    for (const sig of fatalSignals) process.on(sig, holdEarly)
    ready()
    await import(pathToFileURL(spec.launch.program).href)
    // A program that does not handle a fatal signal dies of it (SIGTERM → 143). Record that first;
    // the agent cannot wait() for an adopted process. (Handlers go in before holdEarly goes out,
    // so the signal watcher never stops and a signal in flight is not lost.)
    const others = (sig) => process.listeners(sig).filter((l) => l !== holdEarly && l !== onSignal).length
    function onSignal(sig) {
      if (others(sig) > 0) return // the program handles it after all
      writeStatus(128 + signalNumber(sig), sig)
      endLike(128 + signalNumber(sig), sig)
    }
    for (const sig of fatalSignals) {
      if (others(sig) === 0) process.on(sig, onSignal)
      process.removeListener(sig, holdEarly)
    }
    for (const sig of early) process.emit(sig, sig)
  } else {
    const [file, ...args] = spec.launch.argv
    // The runtime signals the whole group: the child gets the signal itself; the shim waits for it.
    // In a pod sandbox (forwardSignals) the child is nsenter, which would die of the signal: the
    // runtime signals the shim alone, and the shim hands the signal to the container's process
    // (nsenter's child), whose exit nsenter then reports as its own.
    const forward = (sig, tries = 0) => {
      const target = containerProcess(child.pid)
      if (target) {
        try {
          process.kill(target, sig)
        } catch {
          // gone meanwhile
        }
      } else if (tries < 200 && child.exitCode === null && child.signalCode === null) setTimeout(() => forward(sig, tries + 1), 10)
    }
    for (const sig of fatalSignals) process.on(sig, spec.forwardSignals ? () => forward(sig) : () => {})
    // A program run with --program says when it holds stop signals (fd 3); pass that on.
    // stdin: a pipe this process keeps (and attach sessions write) when the container asks for
    // one; a tty container gets one too, so its shell does not read EOF before anyone attaches.
    const keepStdin = !!(spec.stdin || spec.tty)
    const child = spawn(file, args, { stdio: [keepStdin ? 'pipe' : 'inherit', 'pipe', 'pipe', spec.programReady ? 'pipe' : 'ignore'] })
    if (keepStdin) {
      child.stdin.on('error', () => {})
      if (spec.stdin) attach.setStdin(child.stdin, !!spec.stdinOnce)
    }
    if (spec.programReady && child.stdio[3]) {
      const fd3 = child.stdio[3]
      const done = () => {
        fd3.destroy()
        ready()
      }
      fd3.once('data', done)
      fd3.once('close', done)
      fd3.once('error', done)
    } else ready()
    let open = 2
    let exited
    let finished = false
    const finish = () => {
      if (!exited || finished) return
      finished = true
      const [code, signal] = exited
      const exitCode = signal ? 128 + signalNumber(signal) : (code ?? 0)
      writeStatus(exitCode, signal ?? undefined)
      void attach.end().then(() => endLike(exitCode, signal ?? undefined))
    }
    for (const stream of ['stdout', 'stderr']) {
      child[stream].on('data', (d) => {
        attach.output(stream, d)
        feed(stream, d)
      })
      child[stream].on('close', () => {
        if (--open === 0) finish()
      })
    }
    child.on('error', (err) => {
      feed('stderr', Buffer.from(`exec: "${file}": ${err.code === 'ENOENT' ? 'executable file not found in $PATH' : err.message}\n`))
      writeStatus(128, undefined, 'ContainerCannotRun')
      process.exit(128)
    })
    child.on('exit', (code, signal) => {
      exited = [code, signal]
      if (open === 0) finish()
      // Background processes may hold the pipes open: stop waiting for them after a moment.
      else setTimeout(finish, 200).unref()
    })
  }
}

// The attach socket (see attach-wire.ts, whose codec this copies): frames of
// [type][length, 4 bytes big-endian][payload]; 0 stdin, 1 stdout, 2 stderr, 3 stdin end, 5 hello, 6 ack.
const frameType = { stdin: 0, stdout: 1, stderr: 2, stdinEnd: 3, hello: 5, ack: 6 }

function encodeFrame(type, payload) {
  const head = Buffer.alloc(5)
  head[0] = type
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

/** A long socket path (past sun_path's 108 bytes) is bound through an fd of its directory. */
function reachableSocketPath(socketPath) {
  if (Buffer.byteLength(socketPath) <= 100) return { path: socketPath, release() {} }
  const fd = openSync(dirname(socketPath), 'r')
  return { path: `/proc/self/fd/${fd}/${basename(socketPath)}`, release: () => closeSync(fd) }
}

/**
 * Serves attach sessions: each gets the container's output; a session that said hello with
 * stdin writes the container's stdin. Under stdinOnce the first such session is the only one:
 * its end (stdin end or disconnect) closes the container's stdin, as upstream's runtimes do.
 * That first session also gets what the container wrote before it came (up to 64 KiB): a
 * stdinOnce container is `kubectl run -i`'s, whose attach comes a moment after the start, and
 * upstream loses the output of that moment (`run -i -- echo hi` printing nothing, now and then).
 */
function serveAttach(spec) {
  const sessions = new Set()
  let stdin
  let stdinOnce = false
  let onceTaken = false
  // Output before the first session of a stdinOnce container, for that session.
  let early = spec.stdin && spec.stdinOnce ? [] : undefined
  let earlyBytes = 0
  let server
  let ending = false
  const closeStdin = () => {
    if (stdin && !stdin.writableEnded) stdin.end()
  }
  if (spec.attachSocket) {
    server = createServer((sock) => {
      const session = { writesStdin: false, once: false }
      let buf = Buffer.alloc(0)
      sock.on('error', () => {})
      sock.unref()
      sock.on('data', (chunk) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
        while (buf.length >= 5) {
          const len = buf.readUInt32BE(1)
          if (buf.length < 5 + len) break
          const type = buf[0]
          const payload = buf.subarray(5, 5 + len)
          buf = buf.subarray(5 + len)
          if (type === frameType.hello) {
            let hello = {}
            try {
              hello = JSON.parse(payload.toString('utf8'))
            } catch {
              // not a session of ours: output only
            }
            if (ending) {
              sock.destroy()
              return
            }
            sock.write(encodeFrame(frameType.ack, Buffer.alloc(0)))
            if (hello.stdin && stdin && !(stdinOnce && onceTaken)) {
              session.writesStdin = true
              if (stdinOnce) onceTaken = session.once = true
              if (session.once && early) for (const f of early) sock.write(f)
            }
            early = undefined
            sessions.add(sock) // output from now on
          } else if (type === frameType.stdin) {
            if (session.writesStdin && stdin && !stdin.writableEnded) stdin.write(payload)
          } else if (type === frameType.stdinEnd) {
            session.writesStdin = false
            if (session.once) closeStdin()
          }
        }
      })
      sock.on('close', () => {
        sessions.delete(sock)
        if (session.once) closeStdin()
      })
    })
    server.on('error', () => {}) // no attach then; the container runs all the same
    try {
      unlinkSync(spec.attachSocket)
    } catch {
      // none left over
    }
    const where = reachableSocketPath(spec.attachSocket)
    try {
      server.listen(where.path)
    } finally {
      server.once('listening', where.release)
      server.once('error', where.release)
    }
    server.unref()
  }
  return {
    setStdin(stream, once) {
      stdin = stream
      stdinOnce = once
    },
    /** Ends every session once what was written to it is out (at most `ms`), for a container that ended. */
    end(ms = 500) {
      ending = true
      server?.close()
      const all = [...sessions].map((s) => new Promise((resolve) => (s.destroyed ? resolve() : s.end(resolve))))
      return Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, ms).unref())])
    },
    output(stream, chunk) {
      if (sessions.size === 0 && !early) return
      const f = encodeFrame(stream === 'stderr' ? frameType.stderr : frameType.stdout, Buffer.from(chunk))
      if (early && earlyBytes + f.length <= 64 * 1024) {
        early.push(f)
        earlyBytes += f.length
      }
      for (const s of sessions) if (!s.destroyed) s.write(f)
    },
  }
}
