// The Service allocation step as an admission plugin (upstream does it in the Service REST
// storage's beginCreate/beginUpdate: pkg/registry/core/service/storage/alloc.go). It runs after
// defaulting and validation, before the write: it fills spec.clusterIP(s) and the node ports, or
// rejects with upstream's 422 / 500 wording. Values are never released here (see allocator.ts:
// released lazily, by rebuilding from the store), so a DELETE that fails leaks nothing.
import { errors } from '../../apis/status.js'
import { invalid, type FieldError } from '../../apis/validation.js'
import { goStringSlice, withGoValue } from '../core/gosyntax.js'
import type { Admission, AdmissionAttributes } from '../rest.js'
import { AllocationError, type Owner, type Reservation, type ServiceAllocator } from './allocator.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function isHeadless(spec: Obj): boolean {
  const ips = list(spec.clusterIPs)
  return (ips.length > 0 && ips[0] === 'None') || spec.clusterIP === 'None'
}

const needsClusterIP = (spec: Obj): boolean => spec.type !== 'ExternalName' && !isHeadless(spec)

/** Upstream shouldAllocateNodePorts. */
function shouldAllocateNodePorts(spec: Obj): boolean {
  if (spec.type === 'NodePort') return true
  if (spec.type === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false
  return false
}

const needsHealthCheckNodePort = (spec: Obj): boolean => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local'

function nodePortsOf(spec: Obj): Set<number> {
  const out = new Set<number>()
  for (const p of list(spec.ports)) if (isObj(p) && typeof p.nodePort === 'number' && p.nodePort > 0) out.add(p.nodePort)
  return out
}

function isAllocationError(err: unknown): err is AllocationError {
  return err instanceof AllocationError
}

class ServiceAllocation {
  private readonly reservation: Reservation = { ips: [], ports: [] }

  constructor(
    private readonly alloc: ServiceAllocator,
    private readonly name: string,
    private readonly owner: Owner,
    private readonly dryRun: boolean,
  ) {}

  private invalid(err: FieldError) {
    return errors.invalid({ group: '', kind: 'Service' }, this.name, [err])
  }

  async clusterIPs(spec: Obj, old: Obj | undefined): Promise<void> {
    if (!needsClusterIP(spec)) return
    const requested = list(spec.clusterIPs).map(str).filter((ip) => ip !== '')
    if (requested.length === 0 && str(spec.clusterIP)) requested.push(str(spec.clusterIP))
    const held = new Set(old && needsClusterIP(old) ? [...list(old.clusterIPs).map(str), str(old.clusterIP)] : [])
    if (requested.length === 0) {
      let ip: string
      try {
        ip = await this.alloc.allocateNextIP(this.owner, this.dryRun)
      } catch (err) {
        if (isAllocationError(err)) throw errors.internal(`failed to allocate a serviceIP: ${err.message}`)
        throw err
      }
      this.reservation.ips.push(ip)
      spec.clusterIP = ip
      spec.clusterIPs = [ip]
      return
    }
    for (const ip of requested) {
      if (held.has(ip)) continue
      try {
        await this.alloc.allocateIP(ip, this.owner, this.dryRun)
      } catch (err) {
        if (isAllocationError(err)) {
          throw this.invalid(withGoValue(invalid('spec.clusterIPs', list(spec.clusterIPs), `failed to allocate IP ${ip}: ${err.message}`), goStringSlice(list(spec.clusterIPs))))
        }
        throw err
      }
      this.reservation.ips.push(ip)
    }
  }

  /** Upstream initNodePorts (create) and updateNodePorts (update). */
  async nodePorts(spec: Obj, old: Obj | undefined): Promise<void> {
    const ports = list(spec.ports)
    const allocate = shouldAllocateNodePorts(spec)
    const nodePortOf = (p: Obj) => (typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : 0)
    if (old) {
      const oldHeld = nodePortsOf(old)
      const done = new Set<number>()
      for (const [i, p] of ports.entries()) {
        if (!isObj(p)) continue
        const np = nodePortOf(p)
        if (np === 0 && !allocate) continue
        if (np !== 0) {
          if (!oldHeld.has(np) && !done.has(np)) await this.requestPort(np, i)
          done.add(np)
        } else {
          p.nodePort = await this.nextPort(nodePortsOf(spec))
        }
      }
      return
    }
    // Ports that share a port number (TCP and UDP 53) share one node port, as upstream.
    const byPortNumber = new Map<unknown, number>()
    for (const [i, p] of ports.entries()) {
      if (!isObj(p)) continue
      const np = nodePortOf(p)
      if (np === 0 && !allocate) continue
      const allocated = byPortNumber.get(p.port)
      if (allocated === undefined) {
        const requested = findRequestedNodePort(p.port, ports)
        if (requested !== 0) {
          await this.requestPort(requested, i)
          p.nodePort = requested
          byPortNumber.set(p.port, requested)
        } else {
          const next = await this.nextPort(nodePortsOf(spec))
          p.nodePort = next
          byPortNumber.set(p.port, next)
        }
      } else if (np !== allocated) {
        if (np === 0) p.nodePort = allocated
        else await this.requestPort(np, i)
      }
    }
  }

  private async nextPort(avoid: Set<number>): Promise<number> {
    try {
      const port = await this.alloc.allocateNextPort(this.owner, this.dryRun, avoid)
      this.reservation.ports.push(port)
      return port
    } catch (err) {
      if (isAllocationError(err)) throw errors.internal(`failed to allocate a nodePort: ${err.message}`)
      throw err
    }
  }

  async healthCheckNodePort(spec: Obj, old: Obj | undefined): Promise<void> {
    if (!needsHealthCheckNodePort(spec)) return
    const requested = typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0 ? spec.healthCheckNodePort : 0
    if (requested && old && old.healthCheckNodePort === requested) return
    if (requested) {
      try {
        await this.alloc.allocatePort(requested, this.owner, this.dryRun)
      } catch (err) {
        if (isAllocationError(err)) throw this.invalid(invalid('spec.healthCheckNodePort', requested, `failed to allocate requested HealthCheck NodePort ${requested}: ${err.message}`))
        throw err
      }
      this.reservation.ports.push(requested)
      return
    }
    spec.healthCheckNodePort = await this.nextPort(nodePortsOf(spec))
  }

  private async requestPort(port: number, index: number): Promise<void> {
    try {
      await this.alloc.allocatePort(port, this.owner, this.dryRun)
    } catch (err) {
      if (isAllocationError(err)) throw this.invalid(invalid(`spec.ports[${index}].nodePort`, port, err.message))
      throw err
    }
    this.reservation.ports.push(port)
  }

  undo(): void {
    if (!this.dryRun) this.alloc.undo(this.reservation)
  }
}

/** The first node port requested by a service port with this port number. */
function findRequestedNodePort(port: unknown, ports: unknown[]): number {
  for (const p of ports) if (isObj(p) && p.port === port && typeof p.nodePort === 'number' && p.nodePort > 0) return p.nodePort
  return 0
}

/**
 * Admission plugin "ServiceAllocation": ClusterIPs and node ports for Services on create and on
 * update of the main resource (type changes allocate what the new type needs; what the old type
 * held is released lazily). DELETE only ends what is pending for the Service: see allocator.ts.
 */
export function serviceAllocation(alloc: ServiceAllocator): Admission {
  return {
    name: 'ServiceAllocation',
    async admit(attrs: AdmissionAttributes) {
      if (attrs.def.group !== '' || attrs.def.resource !== 'services' || attrs.subresource) return
      if (attrs.operation === 'DELETE') {
        const uid = attrs.oldObject?.metadata.uid
        if (uid && !attrs.dryRun) await alloc.release(uid, attrs.oldObject?.spec)
        return
      }
      if (!attrs.object) return
      const svc = attrs.object
      if (!isObj(svc.spec)) return
      const spec = svc.spec
      const old = attrs.operation === 'UPDATE' && attrs.oldObject && isObj(attrs.oldObject.spec) ? attrs.oldObject.spec : undefined
      const owner = { uid: svc.metadata.uid ?? '', namespace: attrs.namespace, name: attrs.name, resourceVersion: attrs.operation === 'UPDATE' ? attrs.oldObject?.metadata.resourceVersion : undefined }
      const a = new ServiceAllocation(alloc, attrs.name, owner, attrs.dryRun)
      try {
        await a.clusterIPs(spec, old)
        await a.nodePorts(spec, old)
        await a.healthCheckNodePort(spec, old)
      } catch (err) {
        a.undo()
        throw err
      }
    },
  }
}
