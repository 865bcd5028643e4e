// The Docker-link style variables the kubelet injects for Services (pkg/kubelet/envvars):
// `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORT NAME>]`, `<NAME>_PORT`, `<NAME>_PORT_<p>_<PROTO>[...]`.
// Services of the pod's namespace when enableServiceLinks (default true), plus the `kubernetes`
// Service of the default namespace always.
import type { Service } from 'kubernetes-types/core/v1.js'

const masterServices = new Set(['kubernetes'])

const envName = (s: string) => s.replaceAll('-', '_').toUpperCase()

function isIPSet(s: Service): boolean {
  const ip = s.spec?.clusterIP
  return !!ip && ip !== 'None'
}

/** Variables for a list of services (FromServices), in order. */
export function fromServices(services: Service[]): [string, string][] {
  const out: [string, string][] = []
  for (const svc of services) {
    if (!isIPSet(svc)) continue
    const ports = svc.spec?.ports ?? []
    if (ports.length === 0) continue
    const ip = svc.spec!.clusterIP!
    const prefix = envName(svc.metadata?.name ?? '')
    out.push([`${prefix}_SERVICE_HOST`, ip])
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)])
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)])
    const host = ip.includes(':') ? `[${ip}]` : ip
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase()
      const url = `${proto}://${host}:${p.port}`
      if (i === 0) out.push([`${prefix}_PORT`, url])
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`
      out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip])
    })
  }
  return out
}

/** The service variables for a pod in `namespace` (getServiceEnvVarMap). */
export function serviceEnv(services: Service[], namespace: string, enableServiceLinks: boolean): Record<string, string> {
  const chosen = new Map<string, Service>()
  const sorted = [...services].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
  for (const svc of sorted) {
    if (!isIPSet(svc)) continue
    const name = svc.metadata?.name ?? ''
    const ns = svc.metadata?.namespace ?? ''
    if (ns === 'default' && masterServices.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc)
    } else if (ns === namespace && enableServiceLinks) chosen.set(name, svc)
  }
  return Object.fromEntries(fromServices([...chosen.values()]))
}
