// What a container sees of the host: its environment and how its commands are found.
import { accessSync, constants as fsConstants, statSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import type { ContainerSpec, Image, SandboxSpec } from './types.js'

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export function signalNumber(signal: string): number {
  return (osConstants.signals as Record<string, number>)[signal] ?? 0
}

/**
 * A container's environment, in the order a container runtime builds it: PATH (the host's: its
 * commands run on the host), HOSTNAME (the pod name), TERM for a tty, the image's ENV, POD_IP,
 * the container's env (which wins), HOME last if nobody set it.
 */
export function containerEnv(sandbox: SandboxSpec, container: ContainerSpec, image?: Pick<Image, 'env'>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH || defaultPath, HOSTNAME: sandbox.podName }
  if (container.tty) env.TERM = 'xterm'
  Object.assign(env, image?.env ?? {}, { POD_IP: sandbox.podIP }, container.env)
  if (env.HOME === undefined) env.HOME = process.env.HOME || '/root'
  return env
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false
    accessSync(p, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `exec` lookup: a name with a slash is a path (relative to cwd), anything else is searched in PATH. */
export function findExecutable(file: string, pathVar: string | undefined, cwd: string): string | undefined {
  if (file === '') return undefined
  if (file.includes('/')) {
    const p = resolve(cwd, file)
    return isExecutableFile(p) ? p : undefined
  }
  for (const dir of (pathVar ?? defaultPath).split(delimiter)) {
    if (!dir) continue
    const p = join(resolve(cwd, dir), file)
    if (isExecutableFile(p)) return p
  }
  return undefined
}

export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

