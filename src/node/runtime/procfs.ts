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

/** One process's CPU and memory, as /proc shows them (the unit of `kubectl top`'s figures). */
export interface ProcUsage {
  pid: number
  ppid: number
  pgrp: number
  /** utime + stime + cutime + cstime, clock ticks (USER_HZ, 100 a second on Linux). */
  cpuTicks: number
  /** Resident set, pages (field 24). */
  rssPages: number
}

/**
 * USER_HZ: the unit of /proc/<pid>/stat's times. The kernel exports it as 100 on every Linux
 * architecture (it is part of the user-space ABI, independent of the kernel's own HZ).
 */
export const clockTicksPerSecond = 100

/** Field 24 (rss) counts pages; /proc/self/statm and VmRSS of /proc/self/status give their size. */
export const pageSize: number = (() => {
  try {
    const statm = readFileSync('/proc/self/statm', 'latin1').split(' ')
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))
    const pages = Number(statm[1])
    if (kb && pages > 0) {
      const size = Math.round((Number(kb[1]) * 1024) / pages / 4096) * 4096
      if (size >= 4096) return size
    }
  } catch {
    // no procfs
  }
  return 4096
})()

/** The usage fields of /proc/<pid>/stat, or undefined (no such process, a zombie, no /proc). */
export function parseProcUsage(pid: number, text: string): ProcUsage | undefined {
  const close = text.lastIndexOf(')')
  if (close === -1) return undefined
  const f = text.slice(close + 2).split(' ')
  // f[N - 3] is field N: 4 ppid, 5 pgrp, 14 utime, 15 stime, 16 cutime, 17 cstime, 24 rss.
  if (f[0] === 'Z' || f[0] === 'X') return undefined
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), cpuTicks: Number.isFinite(ticks) ? ticks : 0, rssPages: Number(f[21]) || 0 }
}

/** Every live process's usage, in one walk of /proc (empty where there is none). */
export function readAllProcUsage(): Map<number, ProcUsage> {
  const out = new Map<number, ProcUsage>()
  if (!hasProcfs) return out
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return out
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      continue
    }
    const u = parseProcUsage(pid, text)
    if (u) out.set(pid, u)
  }
  return out
}

/**
 * The processes of a container: its leader `root`, every descendant (by parent pid, so a pod
 * sandbox's processes in their own pid namespace count too) and every member of its process group.
 */
export function processTree(root: number, all: Map<number, ProcUsage>): ProcUsage[] {
  const children = new Map<number, number[]>()
  for (const u of all.values()) {
    const list = children.get(u.ppid)
    if (list) list.push(u.pid)
    else children.set(u.ppid, [u.pid])
  }
  const seen = new Set<number>()
  const stack = all.has(root) ? [root] : []
  for (const u of all.values()) if (u.pgrp === root) stack.push(u.pid)
  while (stack.length) {
    const pid = stack.pop()!
    if (seen.has(pid)) continue
    seen.add(pid)
    for (const c of children.get(pid) ?? []) stack.push(c)
  }
  return [...seen].map((pid) => all.get(pid)!)
}

/**
 * CPU (cumulative seconds) and memory (resident bytes) of a process tree. The CPU of every live
 * process counts with that of its reaped children (cutime/cstime), so a child's time moves to its
 * parent when it exits instead of vanishing: the sum only grows while the leader lives.
 */
export function treeUsage(procs: ProcUsage[]): { cpuSeconds: number; memoryBytes: number } {
  let ticks = 0
  let pages = 0
  for (const p of procs) {
    ticks += p.cpuTicks
    pages += p.rssPages
  }
  return { cpuSeconds: ticks / clockTicksPerSecond, memoryBytes: pages * pageSize }
}
