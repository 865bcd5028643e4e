// What the process runtime reads from /proc to tell its own processes from strangers after an
// agent restart: a pid is "ours" only if its start time (field 22 of /proc/<pid>/stat, clock ticks
// since boot) is the one recorded when we started it; pids are reused. Off Linux (no /proc) the
// checks degrade to "the pid exists".
import { readFileSync, readdirSync } from 'node:fs'

export interface ProcStat {
  pid: number
  /** R, S, D, Z (zombie), T... */
  state: string
  ppid: number
  pgrp: number
  /** Field 22, as a decimal string (clock ticks since boot). */
  startTime: string
}

export const hasProcfs = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/** /proc/<pid>/stat, or undefined if there is no such process (or no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return undefined
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  const close = text.lastIndexOf(')')
  if (close === -1) return undefined
  const fields = text.slice(close + 2).split(' ')
  // fields[0] is field 3 (state); field N is fields[N - 3].
  return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19] }
}

/** True when the process exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  if (hasProcfs) {
    const st = readProcStat(pid)
    return st !== undefined && st.state !== 'Z' && st.state !== 'X'
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** True when pid is alive and was started at `startTime` (undefined startTime: no check possible). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!isAlive(pid)) return false
  if (!hasProcfs || startTime === undefined) return true
  return readProcStat(pid)?.startTime === startTime
}

/** Live members of process group `pgrp` started no earlier than `notBefore` (clock ticks). */
export function groupMembers(pgrp: number, notBefore?: string): number[] {
  if (!hasProcfs) return []
  const out: number[] = []
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return out
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const st = readProcStat(Number(name))
    if (!st || st.pgrp !== pgrp || st.state === 'Z') continue
    if (notBefore !== undefined && BigInt(st.startTime) < BigInt(notBefore)) continue
    out.push(st.pid)
  }
  return out
}

/**
 * IPv4 addresses with a listening TCP socket on this host (/proc/net/tcp, state 0A), e.g. pods of
 * another cluster on the same loopback range. Empty where there is no procfs.
 */
export function listeningIPv4(): Set<string> {
  const out = new Set<string>()
  let text: string
  try {
    text = readFileSync('/proc/net/tcp', 'latin1')
  } catch {
    return out
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 4 || f[3] !== '0A') continue
    const hex = f[1].split(':')[0]
    if (hex.length !== 8) continue
    // Little-endian: 0600F47F is 127.244.0.6.
    out.add([6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.'))
  }
  return out
}
