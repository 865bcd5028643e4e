// The cluster DNS component's boundary (see server.ts; docs/dns.md).
export { DnsServer, type DnsServerOptions, type DnsAddresses, type DnsLog } from './server.js'
export { ensureKubeDnsService, kubeDnsClusterIP, type KubeDnsOptions } from './service.js'
export { parseUpstream, type Upstream } from './resolvconf.js'
export { lowPortAccess, type LowPortAccess } from './ports.js'
