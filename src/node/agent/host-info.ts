// Facts about this machine for nodeInfo and capacity (the I/O half of node-status.ts).
import { readFileSync, statfsSync } from 'node:fs'
import { cpus, hostname, release, totalmem } from 'node:os'
import { goArch, type HostInfo } from './node-status.js'

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** PRETTY_NAME from os-release (`Debian GNU/Linux 12 (bookworm)`), as the kubelet's cadvisor reports it. */
export function prettyName(osRelease: string | undefined): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease ?? '')
  if (!m) return 'Linux'
  return m[1].trim().replace(/^(["'])(.*)\1$/, '$2')
}

export function hostInfo(dataDir: string): HostInfo {
  let diskBytes = 0
  try {
    const s = statfsSync(dataDir)
    diskBytes = s.blocks * s.bsize
  } catch {
    diskBytes = 0
  }
  const machineID = read('/etc/machine-id') ?? read('/var/lib/dbus/machine-id') ?? ''
  return {
    hostname: hostname(),
    cpus: cpus().length || 1,
    memoryBytes: totalmem(),
    diskBytes,
    osImage: prettyName(read('/etc/os-release') ?? read('/usr/lib/os-release')),
    kernelVersion: release(),
    architecture: goArch(process.arch),
    machineID,
    systemUUID: machineID,
    bootID: read('/proc/sys/kernel/random/boot_id') ?? '',
  }
}
