// What every pod streaming subresource does before it reaches the node, as upstream's
// pkg/registry/core/pod/strategy.go does it: pick and check the container, find the node, and
// turn the node's errors into the Status the API server would answer with.
import type { StoredObject } from '../../apis/meta.js'
import { errors, statusErrorFrom, StatusError, type StatusReason } from '../../apis/status.js'
import type { NodeConnection, NodeDialer, NodeError, PodRef } from '../../client/node-connection.js'

interface Container {
  name: string
  ports?: { containerPort?: number; name?: string }[]
}

/** The fields of a Pod these handlers read. */
export interface PodView extends StoredObject {
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] }
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[] }
}

/** Every container name in upstream's VisitContainers order: init, regular, ephemeral. */
export function containerNames(pod: PodView): string[] {
  const s = pod.spec ?? {}
  return [...(s.initContainers ?? []), ...(s.containers ?? []), ...(s.ephemeralContainers ?? [])].map((c) => c.name)
}

/**
 * The container a request is about (upstream validateContainer): the one named, which must
 * exist; else the only one. kubectl always names one (the default-container annotation or the
 * first), so the annotation is not consulted here, as upstream does not.
 */
export function chooseContainer(pod: PodView, requested: string | null | undefined): string {
  const name = pod.metadata.name ?? ''
  if (requested) {
    if (!containerNames(pod).includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`)
    return requested
  }
  const containers = pod.spec?.containers ?? []
  if (containers.length === 1) return containers[0].name
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`)
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`)
}

export function podRef(pod: PodView): PodRef {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid }
}

/** The connection to the pod's node; undefined if the pod is not bound yet. Throws NotFound for a node without an agent. */
export function nodeOf(dialer: NodeDialer, pod: PodView): NodeConnection | undefined {
  const nodeName = pod.spec?.nodeName
  if (!nodeName) return undefined
  const conn = dialer(nodeName)
  if (!conn) throw errors.notFound({ group: '', resource: 'nodes' }, nodeName)
  return conn
}

/** exec, attach and port-forward need a node: upstream's 400 when there is none yet. */
export function requireNode(dialer: NodeDialer, pod: PodView): NodeConnection {
  const conn = nodeOf(dialer, pod)
  if (!conn) throw errors.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`)
  return conn
}

const genericMessages: Record<number, [StatusReason, string]> = {
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
}

/**
 * A node's refusal (client/node-connection.ts NodeError), known by its name and HTTP code rather
 * than its class: api/ imports client/ for types only, and an agent in another process would send
 * the code and text, not the object.
 */
export function isNodeError(err: unknown): err is NodeError {
  return err instanceof Error && err.name === 'NodeError' && typeof (err as { code?: unknown }).code === 'number'
}

/**
 * A node's error answer as the API server relays it (upstream GenericHttpResponseChecker):
 * 400 and 500 keep the node's text; other codes get apimachinery's generic message with
 * `( pods/log NAME)` appended (the verb is empty there, hence the double space).
 */
export function nodeErrorStatus(err: unknown, subresource: string, name: string): StatusError {
  if (err instanceof StatusError) return err
  if (!isNodeError(err)) return errors.internal(err instanceof Error ? err.message : String(err))
  if (err.code === 400) return errors.badRequest(err.message)
  if (err.code === 500) return errors.internal(err.message)
  if (err.code === 403) return statusErrorFrom(403, 'Forbidden', `${err.message} ( pods/${subresource} ${name})`, { name, kind: `pods/${subresource}` })
  const [reason, text] = genericMessages[err.code] ?? (err.code >= 500 ? ['InternalError', `an error on the server (${JSON.stringify(err.message)}) has prevented the request from succeeding`] : [undefined, `the server responded with the status code ${err.code} but did not return more information`])
  return statusErrorFrom(err.code, reason, `${text} ( pods/${subresource} ${name})`, { name, kind: `pods/${subresource}` })
}

/** Go's rendering of a failed dial (`dial tcp 127.0.0.1:8080: connect: connection refused`), for messages that quote one. */
export function dialErrorText(err: unknown, host: string, port: number | string): string {
  if (isNodeError(err)) return err.message
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const why: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    ETIMEDOUT: 'i/o timeout',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    EADDRNOTAVAIL: 'connect: cannot assign requested address',
    ECONNRESET: 'read: connection reset by peer',
  }
  if (code && why[code]) return `dial tcp ${host}:${port}: ${why[code]}`
  return err instanceof Error ? err.message : String(err)
}
