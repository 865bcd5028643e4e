// The files a pod gets from its node as upstream's kubelet writes them, and who its containers
// run as. Pure.
//   hostname:    spec.hostname, else the pod's name cut to 63 characters (GeneratePodHostNameAndDomain)
//   /etc/hosts:  managedHostsFileContent (kubelet_pods.go): the header, localhost lines, the pod's
//                own entry, then spec.hostAliases
//   resolv.conf: the kubelet's DNS policy (pkg/kubelet/network/dns) in containerd's layout
//                (search, nameserver, options)
import type { Container, Pod, PodDNSConfig } from 'kubernetes-types/core/v1.js'
import type { ContainerUser } from '../runtime/types.js'

export const clusterDomain = 'cluster.local'
/** The kube-dns Service's ClusterIP: the 10th address of the Service range, as on kubeadm's clusters. */
export const clusterDNS = '127.96.0.10'

const maxHostnameLength = 63

/** The pod's hostname and, with spec.subdomain, its domain (`<subdomain>.<ns>.svc.<cluster domain>`). */
export function podHostnameAndDomain(pod: Pod, domain = clusterDomain): { hostname: string; domain?: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || ''
  if (hostname.length > maxHostnameLength) hostname = hostname.slice(0, maxHostnameLength).replace(/[-.]+$/, '')
  const sub = pod.spec?.subdomain
  return sub ? { hostname, domain: `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${domain}` } : { hostname }
}

/** /etc/hosts for a pod with the given IPs. */
export function hostsFileContent(podIPs: string[], pod: Pod, domain = clusterDomain): string {
  const { hostname, domain: hostDomain } = podHostnameAndDomain(pod, domain)
  let out = '# Kubernetes-managed hosts file.\n'
  out += '127.0.0.1\tlocalhost\n'
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n'
  out += 'fe00::0\tip6-localnet\n'
  out += 'fe00::0\tip6-mcastprefix\n'
  out += 'fe00::1\tip6-allnodes\n'
  out += 'fe00::2\tip6-allrouters\n'
  for (const ip of podIPs) out += hostDomain ? `${ip}\t${hostname}.${hostDomain}\t${hostname}\n` : `${ip}\t${hostname}\n`
  const aliases = pod.spec?.hostAliases ?? []
  if (aliases.length) {
    out += '\n# Entries added by HostAliases.\n'
    for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`
  }
  return out
}

// Upstream's limits (pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPaths).
const maxNameservers = 3
const maxSearches = 32

const unique = (xs: string[]) => [...new Set(xs.filter((x) => x !== ''))]

/** Options by name, later ones winning (mergeDNSOptions); `name` or `name:value`. */
function mergeOptions(base: string[], extra: PodDNSConfig['options']): string[] {
  const byName = new Map<string, string>()
  for (const o of base) byName.set(o.split(':')[0], o)
  for (const o of extra ?? []) if (o.name) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name)
  return [...byName.values()]
}

/**
 * The pod's resolv.conf, or undefined under dnsPolicy Default without a dnsConfig (the node's own
 * file stays). ClusterFirst: the cluster DNS server, the namespace's search path, ndots:5.
 */
export function resolvConfContent(pod: Pod, opts: { clusterDNS?: string; domain?: string; hostResolvConf?: string } = {}): string | undefined {
  const domain = opts.domain ?? clusterDomain
  const ns = pod.metadata?.namespace ?? 'default'
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst'
  const cfg = pod.spec?.dnsConfig
  let servers: string[] = []
  let searches: string[] = []
  let options: string[] = []
  if (policy === 'Default') {
    if (!cfg) return undefined
    const host = parseResolvConf(opts.hostResolvConf ?? '')
    ;({ servers, searches, options } = host)
  } else if (policy !== 'None') {
    servers = [opts.clusterDNS ?? clusterDNS]
    searches = [`${ns}.svc.${domain}`, `svc.${domain}`, domain]
    options = ['ndots:5']
  }
  if (cfg) {
    servers = unique([...servers, ...(cfg.nameservers ?? [])])
    searches = unique([...searches, ...(cfg.searches ?? [])])
    options = mergeOptions(options, cfg.options)
  }
  servers = servers.slice(0, maxNameservers)
  searches = searches.slice(0, maxSearches)
  let out = ''
  if (searches.length) out += `search ${searches.join(' ')}\n`
  for (const s of servers) out += `nameserver ${s}\n`
  if (options.length) out += `options ${options.join(' ')}\n`
  return out
}

export function parseResolvConf(text: string): { servers: string[]; searches: string[]; options: string[] } {
  const r = { servers: [] as string[], searches: [] as string[], options: [] as string[] }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const [key, ...rest] = line.split(/\s+/)
    if (key === 'nameserver' && rest[0]) r.servers.push(rest[0])
    else if (key === 'search' || key === 'domain') r.searches = rest
    else if (key === 'options') r.options.push(...rest)
  }
  return r
}

/** Who a container runs as: its securityContext over the pod's (runAsUser, runAsGroup, fsGroup, supplementalGroups). */
export function containerUser(pod: Pod, c: Container): ContainerUser | undefined {
  const psc = pod.spec?.securityContext
  const csc = c.securityContext
  const uid = csc?.runAsUser ?? psc?.runAsUser
  const gid = csc?.runAsGroup ?? psc?.runAsGroup
  const groups = [...(psc?.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc?.supplementalGroups ?? [])]
  if (uid === undefined && gid === undefined && groups.length === 0) return undefined
  const user: ContainerUser = {}
  if (uid !== undefined) user.uid = uid
  if (gid !== undefined) user.gid = gid
  if (groups.length) user.supplementalGroups = [...new Set(groups)]
  return user
}

/** True when some container of the pod runs as uid 0 by its securityContext. */
export function podRequestsRoot(pod: Pod): boolean {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => containerUser(pod, c)?.uid === 0)
}
