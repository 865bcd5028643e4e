// What a container is started with: its environment (the referenced ConfigMaps and Secrets
// fetched, then env.ts's pure resolution) and the runtime's ContainerSpec built from it.
import type { ConfigMap, Container, Secret, Service } from 'kubernetes-types/core/v1.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { ContainerSpec } from '../runtime/types.js'
import { expandCommand, referencedSources, resolveEnv, type EnvResult, type EnvSources } from './env.js'
import { containerUser } from './podfiles.js'
import { serviceEnv } from './service-env.js'

export interface EnvDeps {
  hostIP: string
  services(): Service[]
  /** null: NotFound. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | null>
  getSecret(namespace: string, name: string): Promise<Secret | null>
  nodeAllocatable(): Record<string, string>
}

/** The container's variables, or the error that keeps it from starting (CreateContainerConfigError). */
export async function containerEnv(deps: EnvDeps, pod: PodObj, podIP: string | undefined, c: Container): Promise<EnvResult> {
  const ns = pod.metadata.namespace ?? ''
  const refs = referencedSources(c)
  const sources: EnvSources = { configMaps: new Map(), secrets: new Map() }
  try {
    for (const name of refs.configMaps) sources.configMaps.set(name, await deps.getConfigMap(ns, name))
    for (const name of refs.secrets) sources.secrets.set(name, await deps.getSecret(ns, name))
  } catch (err) {
    return { error: (err as Error).message }
  }
  const links = pod.spec?.enableServiceLinks !== false
  return resolveEnv(
    c,
    {
      pod,
      podIPs: podIP ? [podIP] : [],
      hostIPs: [deps.hostIP],
      serviceEnv: serviceEnv(deps.services(), ns, links),
      nodeAllocatable: deps.nodeAllocatable(),
    },
    sources,
  )
}

/**
 * The runtime's view of a container. `started`: the one a start uses (ports, terminal); without it,
 * the spec rebuilt for a container adopted from an earlier life of the agent (exec, logs).
 */
export function containerSpecOf(pod: PodObj, c: Container, env: Record<string, string>, restartCount: number, started: boolean): ContainerSpec {
  const spec: ContainerSpec = {
    name: c.name,
    image: c.image ?? '',
    command: expandCommand(c.command, env),
    args: expandCommand(c.args, env),
    env,
    workingDir: c.workingDir,
    restartCount,
    user: containerUser(pod, c),
  }
  if (!started) return spec
  return {
    ...spec,
    ports: c.ports?.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, name: p.name })),
    tty: c.tty,
    stdin: c.stdin,
    stdinOnce: c.stdinOnce,
  }
}
