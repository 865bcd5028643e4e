// The node side of `kubectl logs`, `exec`, `attach` and `port-forward` (upstream: the kubelet's server and
// validateContainerLogStatus), on top of the agent's pod workers and the runtime.
import { connect, type Socket } from 'node:net'
import type { Duplex, Readable } from 'node:stream'
import type { ContainerStatus } from 'kubernetes-types/core/v1.js'
import { NodeError, type AttachRequest, type ExecRequest, type LogOptions, type NodeConnection, type NodeResourceUsage, type PodRef } from '../../client/node-connection.js'
import { parseRFC3339Nano } from '../runtime/cri-log.js'
import type { Runtime } from '../runtime/types.js'
import { readLog } from './logs.js'
import { goList, reasons } from './messages.js'
import { containerStatus } from './status.js'
import type { PodWorker } from './worker.js'

export type WorkerLookup = (namespace: string, name: string, uid?: string) => PodWorker | undefined

/** validateContainerLogStatus: which run's log to read, or the upstream error (400). */
export function chooseLogContainerID(status: ContainerStatus, podName: string, previous: boolean): { containerID: string } | { error: string } {
  const name = status.name
  const last = status.lastState?.terminated
  const { waiting, running, terminated } = status.state ?? {}
  if (previous) {
    if (!last?.containerID) return { error: `previous terminated container "${name}" in pod "${podName}" not found` }
    return { containerID: last.containerID }
  }
  if (running) return { containerID: status.containerID ?? '' }
  if (terminated) {
    if (terminated.containerID) return { containerID: terminated.containerID }
    if (last?.containerID) return { containerID: last.containerID }
    return { error: `container "${name}" in pod "${podName}" is terminated` }
  }
  if (last) {
    if (!last.containerID) return { error: `container "${name}" in pod "${podName}" is terminated` }
    return { containerID: last.containerID }
  }
  if (waiting) {
    if (waiting.reason === reasons.errImagePull) return { error: `container "${name}" in pod "${podName}" is waiting to start: image can't be pulled` }
    if (waiting.reason === reasons.imagePullBackOff) return { error: `container "${name}" in pod "${podName}" is waiting to start: trying and failing to pull image` }
    return { error: `container "${name}" in pod "${podName}" is waiting to start: ${waiting.reason}` }
  }
  return { error: `container "${name}" in pod "${podName}" is waiting to start - no logs yet` }
}

export class AgentConnection implements NodeConnection {
  constructor(
    private readonly find: WorkerLookup,
    private readonly runtime: Runtime,
    private readonly clock: () => Date = () => new Date(),
    /** The node's resource figures (usage.ts), where the agent samples them. */
    private readonly usage?: () => NodeResourceUsage,
  ) {}

  async resourceUsage(): Promise<NodeResourceUsage> {
    return this.usage?.() ?? { pods: [] }
  }

  private worker(pod: PodRef): PodWorker {
    const w = this.find(pod.namespace, pod.name, pod.uid)
    if (!w) throw new NodeError(404, `pod "${pod.name}" not found`)
    return w
  }

  /** The container's name: the given one, or the only one / the default-container annotation. */
  private containerName(w: PodWorker, given: string | undefined): string {
    const pod = w.current
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]
    if (given) {
      if (!all.some((c) => c.name === given)) throw new NodeError(404, `container "${given}" in pod "${w.name}" is not available`)
      return given
    }
    const regular = pod.spec?.containers ?? []
    const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container']
    if (annotated && regular.some((c) => c.name === annotated)) return annotated
    if (regular.length === 1) return regular[0].name
    const init = (pod.spec?.initContainers ?? []).map((c) => c.name)
    let text = `a container name must be specified for pod ${w.name}, choose one of: ${goList(regular.map((c) => c.name))}`
    if (init.length) text += ` or one of the init containers: ${goList(init)}`
    throw new NodeError(400, text)
  }

  async logs(pod: PodRef, opts: LogOptions): Promise<Readable> {
    const w = this.worker(pod)
    const name = this.containerName(w, opts.container)
    const def = w.containerDef(name)!
    const status = containerStatus(def, w.observation(name), reasons.containerCreating, false)
    const chosen = chooseLogContainerID(status, w.name, !!opts.previous)
    if ('error' in chosen) throw new NodeError(400, chosen.error)
    const o = w.observation(name)
    const run = w.runs(name).find((r) => r.containerID === chosen.containerID)
    let path = run?.logPath
    if (!path) {
      // A run known only from the published status (an earlier life of the agent): the runtime's naming.
      const n = (o?.restartCount ?? 0) - (run && run === o?.previous ? 1 : 0)
      path = `${w.sandbox().logDir}/${name}/${Math.max(0, n)}.log`
    }
    let since: Date | undefined
    if (opts.sinceTime) {
      since = parseRFC3339Nano(opts.sinceTime)
      if (!since) throw new NodeError(400, `invalid sinceTime: ${opts.sinceTime}`)
    } else if (opts.sinceSeconds !== undefined) since = new Date(this.clock().getTime() - opts.sinceSeconds * 1000)
    const containerID = chosen.containerID
    return readLog(path, {
      follow: opts.follow,
      tailLines: opts.tailLines,
      since,
      timestamps: opts.timestamps,
      limitBytes: opts.limitBytes,
      signal: opts.signal,
      isRunning: () => w.handle(name)?.id === containerID,
    })
  }

  async exec(pod: PodRef, req: ExecRequest): Promise<number> {
    const w = this.worker(pod)
    const name = this.containerName(w, req.container)
    if (!w.handle(name)) throw new NodeError(400, `container not found ("${name}")`)
    const spec = await w.containerSpec(name)
    if (!spec) throw new NodeError(400, `container not found ("${name}")`)
    const code = await this.runtime.exec(w.sandbox(), spec, req.command, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty, resize: req.resize, signal: req.signal })
    const hint = code !== 0 ? localhostHint(req.command) : undefined
    const out = req.tty ? req.stdout : req.stderr
    if (hint && out?.writable) out.write(hint)
    return code
  }

  async attach(pod: PodRef, req: AttachRequest): Promise<void> {
    const w = this.worker(pod)
    const name = this.containerName(w, req.container)
    // The kubelet's GetAttach: only a running container can be attached to.
    if (!w.handle(name) || !this.runtime.attach) throw new NodeError(400, `container not found (${JSON.stringify(name)})`)
    await this.runtime.attach(w.sandbox(), name, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty, resize: req.resize, signal: req.signal })
  }

  portForward(pod: PodRef, port: number): Promise<Duplex> {
    const w = this.worker(pod)
    const ip = w.ip
    if (!ip || w.isTerminated) return Promise.reject(new NodeError(400, `pod "${w.name}" is not running`))
    return new Promise((resolve, reject) => {
      const sock: Socket = connect({ host: ip, port })
      sock.once('connect', () => {
        sock.removeAllListeners('error')
        resolve(sock)
      })
      sock.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ECONNREFUSED' ? `dial tcp4 ${ip}:${port}: connect: connection refused` : err.message
        reject(new NodeError(500, `error forwarding port ${port} to pod ${w.uid}, uid : failed to connect to ${ip}:${port} inside the pod: ${why}`))
      })
    })
  }
}

/**
 * Said after a failed command that named the loopback: pods share the host's network namespace
 * (each on its own 127.244.x.y), so inside a pod `localhost` is not the pod's own, unlike on a real
 * node (the Kubernetes Basics tutorial's `curl http://localhost:8080`). Not silently: this line.
 */
export function localhostHint(command: string[]): string | undefined {
  if (!command.some((a) => /(^|[/@\s])(localhost|127\.0\.0\.1)([:/\s]|$)/.test(a))) return undefined
  return 'kubelite: inside a pod, localhost is the host\'s loopback, not the pod\'s own (pods share the host network, each on its own 127.244.x.y address): use the pod\'s name, e.g. http://$(hostname):8080, or its IP (docs/pod-sandbox.md)\n'
}
