// Terminal sizes for `script(1)`'s pseudo-terminals. The process runtime gives a container (tty:
// true) or an exec session (-t) its terminal through util-linux `script`, whose pty takes no size
// from a pipe; a resize (kubectl's TERMINAL_SIZE channel) is applied from the host instead:
// `stty -F /proc/<pid>/fd/0` on the process holding the pty's slave side (the shell under
// `script`). /proc/<pid>/fd/0 reopens that very terminal even when it lives in the pod's own
// devpts, and TIOCSWINSZ sends SIGWINCH to its foreground job, as a real terminal's resize does.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** A pty slave as /proc shows an fd opened on it (`/dev/pts/3`). */
export function isPtySlave(link: string): boolean {
  return /^\/dev\/pts\/\d+$/.test(link)
}

function children(pid: number): number[] {
  const out: number[] = []
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c))
    } catch {
      // the thread ended meanwhile
    }
  }
  return out
}

/** The first process (breadth first from `pid`, itself included) whose stdin is a pty slave. */
export function findTerminalHolder(pid: number, maxDepth = 8): number | undefined {
  let level = [pid]
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    for (const p of level) {
      try {
        if (isPtySlave(readlinkSync(`/proc/${p}/fd/0`))) return p
      } catch {
        // gone, or not ours to read
      }
    }
    level = level.flatMap(children)
  }
  return undefined
}

export interface WindowSize {
  width: number
  height: number
}

/** `stty` arguments for a size; undefined for a size a terminal cannot take (kubectl sends 0x0 when it knows none). */
export function sttySizeArgs(size: WindowSize): string[] | undefined {
  const cols = Math.floor(size.width)
  const rows = Math.floor(size.height)
  if (!(cols > 0 && rows > 0 && cols <= 0xffff && rows <= 0xffff)) return undefined
  return ['cols', String(cols), 'rows', String(rows)]
}

/** Sets the window size of the terminal under `pid` (see findTerminalHolder); false if there is none. */
export async function setWindowSize(pid: number, size: WindowSize): Promise<boolean> {
  const args = sttySizeArgs(size)
  if (!args) return false
  const holder = findTerminalHolder(pid)
  if (holder === undefined) return false
  return new Promise((resolve) => {
    const p = spawn('stty', ['-F', `/proc/${holder}/fd/0`, ...args], { stdio: 'ignore' })
    p.once('error', () => resolve(false))
    p.once('exit', (code) => resolve(code === 0))
  })
}

/** Applies every size from `sizes` to the terminal under `pid`, in order, until the iterable ends. */
export async function followWindowSize(pid: number, sizes: AsyncIterable<WindowSize>): Promise<void> {
  for await (const size of sizes) {
    if (!sttySizeArgs(size)) continue
    // The shell may not hold its terminal yet (`script` just started): a few tries, then give up on this size.
    for (let i = 0; i < 20 && !(await setWindowSize(pid, size)); i++) await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * The first size of `sizes` if one comes within `ms` (a terminal started at the client's size
 * draws its first prompt right), and every size after it, none lost between the two.
 */
export async function firstSize(sizes: AsyncIterable<WindowSize>, ms: number): Promise<{ first?: WindowSize; rest: AsyncIterable<WindowSize> }> {
  const it = sizes[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<WindowSize>> | undefined = it.next()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))
  const got = await Promise.race([pending, timeout])
  clearTimeout(timer)
  let first: WindowSize | undefined
  if (got !== 'timeout') {
    pending = undefined
    if (got.done) return { rest: (async function* () {})() }
    first = got.value
  }
  const rest = (async function* () {
    if (pending) {
      const r = await pending
      if (r.done) return
      yield r.value
    }
    for (;;) {
      const r = await it.next()
      if (r.done) return
      yield r.value
    }
  })()
  return { first, rest }
}
