// The container runtime interface the node agent drives (a small CRI). Two implementations:
// `process` (containers are host processes in their own process group, bound to the pod IP) and
// `sim` (no processes; containers "run" after a configurable delay, for scale tests like kwok).
import type { AttachRequest, ExecRequest } from '../../client/node-connection.js'

/** Everything a runtime needs to know about the pod a container belongs to. */
export interface SandboxSpec {
  podUid: string
  podName: string
  namespace: string
  /** The pod's own loopback address (127.244.x.y); its processes bind to it. */
  podIP: string
  /** Directory for this pod's logs: `<logDir>/<container>/<restartCount>.log`. */
  logDir: string
  /** The pod's hostname (spec.hostname or its name), set in its UTS namespace where there is one. */
  hostname?: string
  /** /etc/hosts and /etc/resolv.conf as the pod sees them (runtimes with a mount namespace per pod). */
  hostsFile?: string
  resolvConf?: string
  /** Volumes at their mountPath, for every container of the pod (one mount namespace a pod). */
  mounts?: SandboxMount[]
  /** Some container asked to run as uid 0 (securityContext.runAsUser: 0). */
  rootRequested?: boolean
}

export interface SandboxMount {
  /** Where the volume's files are on the host. */
  hostPath: string
  containerPath: string
  readOnly?: boolean
}

/** Who a container's processes are (securityContext runAsUser/runAsGroup/supplementalGroups, fsGroup). */
export interface ContainerUser {
  uid?: number
  gid?: number
  supplementalGroups?: number[]
}

export interface ContainerSpec {
  name: string
  image: string
  /** Resolved like Docker: command overrides the image ENTRYPOINT, args its CMD. */
  command?: string[]
  args?: string[]
  /** Fully resolved environment (the agent expands valueFrom and $(VAR) references). */
  env: Record<string, string>
  workingDir?: string
  /** Container ports, for runtimes that need them (documentation only for `process`). */
  ports?: { containerPort: number; protocol?: string; name?: string }[]
  /** How many times this container has been restarted (names the log file). */
  restartCount: number
  tty?: boolean
  stdin?: boolean
  /** stdin closes when the first attach session that writes it ends (upstream stdinOnce). */
  stdinOnce?: boolean
  /** From the securityContext; unset: the runtime's default (an unprivileged uid where it isolates). */
  user?: ContainerUser
}

export interface ExitStatus {
  exitCode: number
  /** e.g. 'SIGKILL' when the process died of a signal (exitCode is then 128 + signal number). */
  signal?: string
  /** Upstream's terminated reason: Completed (0), Error (non-zero), OOMKilled... */
  reason: 'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun'
  startedAt: Date
  finishedAt: Date
  /** Last lines of output, for terminationMessagePolicy FallbackToLogsOnError. */
  message?: string
}

export interface ContainerHandle {
  /** `<runtime>://<64 hex>`, as containerStatuses[].containerID. */
  id: string
  startedAt: Date
  /** Host pid of the container's main process (process runtime only). */
  pid?: number
  /** Log file of this run. */
  logPath: string
  /** Resolves once the container has exited. */
  readonly exited: Promise<ExitStatus>
  /** SIGTERM the process group; after graceSeconds SIGKILL. Resolves when it has exited. */
  stop(graceSeconds: number): Promise<ExitStatus>
}

export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    message: string,
  ) {
    super(message)
    this.name = 'ImagePullError'
  }
}

/** An image as a runtime uses it: what an ImageSource resolves a reference to. */
export interface Image {
  /** containerStatuses[].imageID: `<repository>@sha256:<64 hex>`. */
  imageID: string
  /** Bytes, for the `Pulled` event. */
  size: number
  /** The image's ENV. */
  env: Record<string, string>
}

/** How a container starts (shim.mjs reads it): its image's Node program, or a command on the host. */
export type Launch = { kind: 'program'; program: string; args: string[] } | { kind: 'host'; argv: string[] }

/**
 * The images a runtime can pull and how their containers start. node/ does not import images/:
 * cli/ hands every runtime the built-in ones (images/index.ts, builtinImages).
 */
export interface ImageSource {
  /** The image a reference names, or undefined: the pull fails with imagePullErrorMessage. */
  resolveImage(reference: string): Image | undefined
  /** containerd's words for a pull of a reference that names no image. */
  imagePullErrorMessage(reference: string): string
  /** True when the repository (`docker.io/library/nginx`) is one of this source's. */
  isBuiltinRepository(repository: string): boolean
  /** What to run for a container of `image` (one resolveImage returned) given its command and args. */
  planLaunch(image: Image, command?: string[], args?: string[]): Launch
}

export interface PulledImage {
  /** e.g. `gcr.io/google-samples/kubernetes-bootcamp@sha256:<hex>` (containerStatuses[].imageID). */
  imageID: string
  /** Size in bytes for the `Pulled` event text. */
  size: number
}

/** What exec passes through to a runtime: the request's streams and terminal, less its target. */
export type ExecOptions = Omit<ExecRequest, 'container' | 'command'>

/** What attach passes through to a runtime: the request's streams and terminal, less its target. */
export type AttachOptions = Omit<AttachRequest, 'container'>

export interface Runtime {
  readonly name: 'process' | 'sim'
  /** `kubelite://1.0` style, for nodeInfo.containerRuntimeVersion. */
  readonly version: string
  /** Resolve an image reference; unknown references throw ImagePullError (→ ErrImagePull). */
  pullImage(image: string): Promise<PulledImage>
  startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerHandle>
  /** Run a command "inside" a running container (same env, working dir and pod IP). Resolves to the exit code. */
  exec(sandbox: SandboxSpec, container: ContainerSpec, command: string[], opts: ExecOptions): Promise<number>
  /**
   * Attach to a running container's main process (output from now on, stdin, resizes); resolves
   * when the container ends or opts.signal aborts. Runtimes without it cannot attach.
   */
  attach?(sandbox: SandboxSpec, container: string, opts: AttachOptions): Promise<void>
  /**
   * Containers this runtime left running in an earlier life of the agent (process runtime: read
   * from its state dir), so the agent can adopt or stop them: never orphan processes.
   */
  listRunning(): Promise<{ podUid: string; container: string; handle: ContainerHandle }[]>
  /**
   * Whether some process on this host (another cluster, a leftover) already listens on `ip`, so
   * the agent hands that address to no pod. Only runtimes whose pods bind real addresses answer.
   */
  addressInUse?(ip: string): boolean
  /** Mounts pods' volumes at their mountPath (the agent then writes their files). */
  readonly mountsVolumes?: boolean
  /** Who containers run as when their securityContext does not say (volume files are theirs). */
  readonly defaultUser?: { uid: number; gid: number }
  /** How pods are isolated from the host and each other (for the start-up log). */
  readonly isolation?: string
  /** Ends a pod's sandbox once none of its containers runs (pod finished or deleted). */
  removePodSandbox?(podUid: string): Promise<void>
  /** Pods that have a sandbox (so a restarted agent can remove those of pods that are gone). */
  listPodSandboxes?(): string[]
  /**
   * What running containers use now (the kubelet's cAdvisor figures): cumulative CPU seconds and
   * resident memory of each one's processes, in the order given; undefined for one that is gone.
   * The process runtime reads /proc; the sim runtime has no processes and answers zero.
   */
  measure?(handles: ContainerHandle[]): (ContainerUsage | undefined)[]
  /** Stop everything (agent shutdown with SIGTERM → grace → SIGKILL). */
  close(graceSeconds: number): Promise<void>
}

/** A container's resource use at one moment. */
export interface ContainerUsage {
  /** CPU time used since the container started, seconds (all its processes, user + system). */
  cpuSeconds: number
  /** Its processes' resident memory, bytes (what the process runtime calls the working set). */
  memoryBytes: number
}
