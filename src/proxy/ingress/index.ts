// kubelite's Ingress controller (wiring: see controller.ts; rules: match.ts; docs/ingress.md).
export { IngressProxy, ingressClassName, ingressController, type IngressProxyOptions } from './controller.js'
export { compileRoutes, matchRequest } from './match.js'
