// Which backend of which Ingress answers a request: pure, from the Ingresses a controller serves.
// The rules are the Ingress spec's (https://kubernetes.io/docs/concepts/services-networking/ingress/):
//   - hosts: a precise host matches the Host header exactly (case-insensitive, port dropped);
//     `*.foo.com` matches exactly one more label (`bar.foo.com`, not `foo.com`, not
//     `baz.bar.foo.com`). As ingress-nginx picks a server block, a precise host wins over a
//     wildcard and a wildcard over rules without a host, and only the chosen host's paths count.
//   - paths: `Exact` is an exact, case-sensitive match; `Prefix` matches element by element on
//     `/` (`/aaa/bbb` matches `/aaa/bbb`, `/aaa/bbb/` and `/aaa/bbb/ccc`, not `/aaa/bbbxyz`; a
//     trailing `/` in the rule is ignored); `ImplementationSpecific` is treated as `Prefix` here.
//     The longest matching path wins; at equal length `Exact` wins over `Prefix`.
//   - nothing matches: the Ingress's defaultBackend (the oldest Ingress's when several have one);
//     none: the caller answers 404 as ingress-nginx's default server does.
// Several Ingresses naming the same host merge their paths (ingress-nginx does the same); a tie on
// host, path and type goes to the oldest Ingress.

export interface IngressServiceBackend {
  name: string
  port: { number?: number; name?: string }
}

export interface IngressLike {
  metadata: { namespace?: string; name?: string; creationTimestamp?: string }
  spec?: {
    defaultBackend?: { service?: IngressServiceBackend; resource?: unknown }
    rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: { service?: IngressServiceBackend; resource?: unknown } }[] } }[]
  }
}

/** Where a matched request goes: a Service port in the Ingress's namespace. */
export interface MatchedBackend {
  namespace: string
  /** `namespace/name` of the Ingress that routed it. */
  ingress: string
  service?: IngressServiceBackend
  /** A `resource` backend (not a Service): kubelite cannot serve it. */
  resource?: boolean
}

interface CompiledPath {
  type: 'Exact' | 'Prefix'
  path: string
  /** Prefix: the path's elements (`/aaa/bbb/` → ['aaa', 'bbb']). */
  segments: string[]
  backend: MatchedBackend
  order: number
}

export interface RouteTable {
  exact: Map<string, CompiledPath[]>
  /** Wildcard rules by the suffix after `*.` (`*.foo.com` → `foo.com`). */
  wildcard: Map<string, CompiledPath[]>
  any: CompiledPath[]
  defaultBackend?: MatchedBackend
}

const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s !== '')

function toBackend(ing: IngressLike, b: { service?: IngressServiceBackend; resource?: unknown } | undefined): MatchedBackend {
  const namespace = ing.metadata.namespace ?? 'default'
  const out: MatchedBackend = { namespace, ingress: `${namespace}/${ing.metadata.name ?? ''}` }
  if (b?.service) out.service = b.service
  else out.resource = true
  return out
}

/** Oldest first, then by namespace/name: the order ties are broken in. */
function byAge(a: IngressLike, b: IngressLike): number {
  const t = (i: IngressLike) => Date.parse(i.metadata.creationTimestamp ?? '') || 0
  return t(a) - t(b) || `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`)
}

export function compileRoutes(ingresses: readonly IngressLike[]): RouteTable {
  const table: RouteTable = { exact: new Map(), wildcard: new Map(), any: [] }
  let order = 0
  for (const ing of [...ingresses].sort(byAge)) {
    if (!table.defaultBackend && ing.spec?.defaultBackend) table.defaultBackend = toBackend(ing, ing.spec.defaultBackend)
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase()
      let list: CompiledPath[]
      if (host === '') list = table.any
      else {
        const map = host.startsWith('*.') ? table.wildcard : table.exact
        const key = host.startsWith('*.') ? host.slice(2) : host
        list = map.get(key) ?? []
        map.set(key, list)
      }
      for (const p of rule.http?.paths ?? []) {
        const type = p.pathType === 'Exact' ? 'Exact' : 'Prefix'
        const path = p.path === undefined || p.path === '' ? '/' : p.path
        list.push({ type, path, segments: segmentsOf(path), backend: toBackend(ing, p.backend), order: order++ })
      }
    }
  }
  return table
}

/** Whether a `Prefix` rule's elements are the first elements of the request path's. */
function prefixMatches(rule: string[], request: string[]): boolean {
  if (rule.length > request.length) return false
  return rule.every((s, i) => s === request[i])
}

/** The best path of one host's rules for a request path (no query string). */
export function matchPath(paths: readonly CompiledPath[], requestPath: string): CompiledPath | undefined {
  const reqSegments = segmentsOf(requestPath)
  let best: CompiledPath | undefined
  let bestLen = -1
  for (const p of paths) {
    const ok = p.type === 'Exact' ? p.path === requestPath : prefixMatches(p.segments, reqSegments)
    if (!ok) continue
    // Length of what matched: the rule's path (Prefix: without the trailing slash it ignores).
    const len = p.type === 'Exact' ? p.path.length : p.segments.join('/').length + 1
    const better = len > bestLen || (len === bestLen && best !== undefined && best.type === 'Prefix' && p.type === 'Exact')
    if (better) {
      best = p
      bestLen = len
    }
  }
  return best
}

/** The Host header's name: lower case, without a port or a trailing dot. */
export function hostName(hostHeader: string | undefined): string {
  let h = (hostHeader ?? '').trim().toLowerCase()
  if (h.startsWith('[')) h = h.slice(0, h.indexOf(']') + 1)
  else if (h.includes(':')) h = h.slice(0, h.indexOf(':'))
  return h.endsWith('.') ? h.slice(0, -1) : h
}

/** The rules a host uses: its precise ones, else its wildcard's, else the host-less ones. */
export function rulesForHost(table: RouteTable, host: string): readonly CompiledPath[] {
  const exact = table.exact.get(host)
  if (exact) return exact
  const dot = host.indexOf('.')
  const wildcard = dot > 0 ? table.wildcard.get(host.slice(dot + 1)) : undefined
  return wildcard ?? table.any
}

/** Where a request for `host` and `path` goes; undefined: nowhere (404). */
export function matchRequest(table: RouteTable, host: string, path: string): MatchedBackend | undefined {
  const q = path.search(/[?#]/)
  const clean = q < 0 ? path : path.slice(0, q)
  return matchPath(rulesForHost(table, hostName(host)), clean === '' ? '/' : clean)?.backend ?? table.defaultBackend
}
