// A pseudo-terminal for e2e tests: the real kubectl run under util-linux `script`, which gives it
// a tty (so kubectl puts it in raw mode, sends its size and forwards Ctrl-C as a byte), with its
// input written by the test and its output collected.
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { kubectlBin, type Cluster } from './harness.js'

export interface Terminal {
  /** Everything the terminal showed so far (\r\n line ends, as a terminal gets them). */
  output(): string
  /** Types `text` (a real terminal sends \r for Enter, \x03 for Ctrl-C). */
  type(text: string): void
  /** Resolves once the output matches (after `from`, an offset into output()); fails after `timeoutMs`. */
  waitFor(what: RegExp | string, timeoutMs?: number, from?: number): Promise<void>
  /** Resizes the terminal: kubectl gets SIGWINCH and sends the new size. */
  resize(cols: number, rows: number): void
  /** kubectl's exit code once it has exited. */
  readonly exited: Promise<number | null>
  /** Kills kubectl (and script) if still running. */
  close(): void
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

function descendants(pid: number): number[] {
  const out: number[] = []
  let level = [pid]
  while (level.length) {
    const next: number[] = []
    for (const p of level) {
      for (const tid of (() => {
        try {
          return readdirSync(`/proc/${p}/task`)
        } catch {
          return []
        }
      })()) {
        try {
          next.push(...readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number))
        } catch {
          // gone
        }
      }
    }
    out.push(...next)
    level = next
  }
  return out
}

/** Runs `kubectl args...` against the cluster in a terminal of cols x rows. */
export function openTerminal(c: Cluster, args: string[], size = { cols: 80, rows: 24 }): Terminal {
  const cmd = [kubectlBin, '--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'kubectl-cache'), ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', `stty cols ${size.cols} rows ${size.rows}; exec ${cmd}`, '/dev/null'], {
    cwd: c.dir,
    env: { ...process.env, KUBECONFIG: c.kubeconfig, TERM: 'xterm', SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString('utf8')
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  child.stdin!.on('error', () => undefined)
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {
    output: () => out,
    type(text) {
      child.stdin!.write(text)
    },
    waitFor(what, timeoutMs = 20_000, from = 0) {
      const matches = () => (typeof what === 'string' ? out.indexOf(what, from) >= 0 : what.test(out.slice(from)))
      if (matches()) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!matches()) return
          done()
          resolve()
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out waiting for ${what} in the terminal:\n${JSON.stringify(out)}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        void exited.then(() => setTimeout(check, 50))
      })
    },
    resize(cols, rows) {
      // The terminal is the one kubectl reads: `stty -F` on it resizes it and signals kubectl.
      const pid = descendants(child.pid!).find((p) => {
        try {
          return /^\/dev\/pts\/\d+$/.test(readlinkSync(`/proc/${p}/fd/0`))
        } catch {
          return false
        }
      })
      if (pid === undefined) throw new Error('no process holds the terminal')
      const r = spawnSync('stty', ['-F', `/proc/${pid}/fd/0`, 'cols', String(cols), 'rows', String(rows)])
      if (r.status !== 0) throw new Error(`stty: ${r.stderr}`)
    },
    exited,
    close() {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    },
  }
}
