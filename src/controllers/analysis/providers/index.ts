// Picks a metric's provider, as Argo's ProviderFactory.NewProvider: an error message for a metric
// no provider serves (`no valid provider in metric 'name'`).
import type { Client } from '../../../client/types.js'
import type { Metric } from '../types.js'
import { jobProvider } from './job.js'
import { kubeliteProvider, kubelitePluginName, kubeliteSpec, type TrafficSource } from './kubelite.js'

export { kubelitePluginName, kubeliteSpec }
import { prometheusProvider } from './prometheus.js'
import type { Provider } from './provider.js'
import { webProvider } from './web.js'

export interface ProviderDeps {
  client: Client
  now: () => Date
  traffic?: TrafficSource
  env?: Record<string, string | undefined>
}

export function providerFor(metric: Metric, deps: ProviderDeps): Provider | string {
  const p = metric.provider ?? {}
  if (p.prometheus) return prometheusProvider(deps.now, deps.env)
  if (p.job) return jobProvider(deps.client, deps.now)
  if (p.web) return webProvider(deps.now)
  if (kubeliteSpec(metric)) return kubeliteProvider(deps.traffic, deps.now)
  if (p.plugin) return `failed to create plugin: plugin ${Object.keys(p.plugin as object).join(', ')} is not installed (kubelite serves ${kubelitePluginName})`
  return `no valid provider in metric '${metric.name}'`
}
