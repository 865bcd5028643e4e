// The service proxy's boundary (wiring: see proxy.ts and the report in docs).
export { ServiceProxy, ServiceDialError, type ServiceProxyOptions, type ProxyLog, type ListenerInfo } from './proxy.js'
export { assignBackends } from './weights.js'
export { ProxyTraffic, type TrafficTarget } from './traffic.js'
export { ProxyMetrics, type TrafficStats } from './metrics.js'
export { planPorts, listenSpecs, type Backend, type PortPlan, type ListenSpec } from './endpoints.js'
