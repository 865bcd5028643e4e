// What the API server asks of a node (upstream: the kubelet's HTTP API on :10250, and its client
// pkg/kubelet/client): logs, exec, attach, port-forward and proxying to a pod. In one process the agent
// implements it directly; an agent on another machine would serve it over HTTPS. It is client/'s
// because both ends use it: node/ implements it, api/ calls it, and api/ imports only its types
// (.dependency-cruiser.cjs), so a NodeError is known there by its name and code (isNodeError).
import type { Duplex, Readable, Writable } from 'node:stream'
import type { NodeResourceUsage } from '../apis/metrics/usage.js'

export interface LogOptions {
  container: string
  follow?: boolean
  previous?: boolean
  tailLines?: number
  sinceSeconds?: number
  sinceTime?: string
  timestamps?: boolean
  limitBytes?: number
  signal?: AbortSignal
}

export interface ExecRequest {
  container: string
  command: string[]
  stdin?: Readable
  stdout?: Writable
  stderr?: Writable
  tty?: boolean
  resize?: AsyncIterable<{ width: number; height: number }>
  signal?: AbortSignal
}

/** An attach session: the streams of an exec, to the container's own main process. */
export type AttachRequest = Omit<ExecRequest, 'command'>

/** A pod on this node, named as the API names it. */
export interface PodRef {
  namespace: string
  name: string
  uid?: string
}

/** How a node refuses a request. The API server recognises it by `name` and `code`, not by class. */
export class NodeError extends Error {
  constructor(
    /** HTTP code the API server should answer with (400: bad request, 404: no such container...). */
    readonly code: number,
    message: string,
  ) {
    super(message)
    this.name = 'NodeError'
  }
}

export interface NodeConnection {
  /** The container's log as a stream (ends unless follow). Throws NodeError. */
  logs(pod: PodRef, opts: LogOptions): Promise<Readable>
  /** Runs the command; resolves to its exit code. Throws NodeError. */
  exec(pod: PodRef, req: ExecRequest): Promise<number>
  /**
   * Attaches to a running container's main process until it ends or `signal` aborts: its output
   * from now on, its stdin (if it has one), its terminal's size (if it has one). Throws NodeError.
   */
  attach(pod: PodRef, req: AttachRequest): Promise<void>
  /** A TCP connection to the pod's port (its IP on loopback). Throws NodeError. */
  portForward(pod: PodRef, port: number): Promise<Duplex>
  /**
   * What the node and its pods' containers use (upstream: the kubelet's /metrics/resource, which
   * metrics-server scrapes): rates over the node's last sampling window. Nodes that cannot tell
   * leave it out.
   */
  resourceUsage?(): Promise<NodeResourceUsage>
}

export type { NodeResourceUsage, PodUsage, UsageSample } from '../apis/metrics/usage.js'

/** Finds the connection for a node by name (undefined: no such node agent). */
export type NodeDialer = (nodeName: string) => NodeConnection | undefined
