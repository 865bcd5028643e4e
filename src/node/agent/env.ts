// A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
// envFrom first, then env (later wins), `$(VAR)` expansion over the variables declared so far and
// the service variables, valueFrom sources, and finally the service variables not already set.
// Pure: the shell fetches the referenced ConfigMaps and Secrets first (`referencedSources`).
import type { ConfigMap, Container, Pod, Secret } from 'kubernetes-types/core/v1.js'
import { parseQuantity } from '../../apis/core/quantity.js'

/** A fetched source: the object, or null when the API said NotFound. */
export interface EnvSources {
  configMaps: Map<string, ConfigMap | null>
  secrets: Map<string, Secret | null>
}

export interface EnvContext {
  pod: Pod
  podIPs: string[]
  hostIPs: string[]
  /** Service links (`<SVC>_SERVICE_HOST`...), see serviceEnv. */
  serviceEnv: Record<string, string>
  /** Node allocatable, the default for unset limits in resourceFieldRef. */
  nodeAllocatable?: Record<string, string>
}

export type EnvResult = { env: Record<string, string> } | { error: string }

/** The ConfigMaps and Secrets a container's env and envFrom refer to. */
export function referencedSources(c: Container): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>()
  const secrets = new Set<string>()
  for (const f of c.envFrom ?? []) {
    if (f.configMapRef?.name) configMaps.add(f.configMapRef.name)
    if (f.secretRef?.name) secrets.add(f.secretRef.name)
  }
  for (const e of c.env ?? []) {
    if (e.value) continue
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name)
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name)
  }
  return { configMaps, secrets }
}

/** third_party/forked/golang/expansion.Expand: `$(VAR)` references, `$$` escapes; unknown references stay. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = ''
  let checkpoint = 0
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue
    out += input.slice(checkpoint, cursor)
    const rest = input.slice(cursor + 1)
    let advance = 1
    if (rest[0] === '$') out += '$'
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1)
      if (close >= 0) {
        const name = rest.slice(1, close)
        out += lookup(name) ?? `$(${name})`
        advance = close + 1
      } else out += '$('
    } else out += '$' + rest[0]
    cursor += advance
    checkpoint = cursor + 1
  }
  return out + input.slice(checkpoint)
}

const base64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'))

/** FormatMap: `key="value"` lines, sorted by key. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n')
}

/** Downward API fieldRef values (podFieldSelectorRuntimeValue). */
export function fieldRefValue(fieldPath: string, ctx: EnvContext): string | { error: string } {
  const { pod } = ctx
  const m = pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath)
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]] ?? ''
  switch (fieldPath) {
    case 'metadata.name':
      return m.name ?? ''
    case 'metadata.namespace':
      return m.namespace ?? ''
    case 'metadata.uid':
      return m.uid ?? ''
    case 'metadata.labels':
      return formatMap(m.labels)
    case 'metadata.annotations':
      return formatMap(m.annotations)
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? ''
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? ''
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? ''
    case 'status.hostIPs':
      return ctx.hostIPs.join(',')
    case 'status.podIP':
      return ctx.podIPs[0] ?? ''
    case 'status.podIPs':
      return ctx.podIPs.join(',')
  }
  return { error: `unsupported fieldPath: ${fieldPath}` }
}

/** resourceFieldRef (ExtractContainerResourceValue): ceil(value / divisor); unset limits default to allocatable. */
export function resourceFieldValue(c: Container, resource: string, divisor: string | undefined, allocatable: Record<string, string> = {}): string | { error: string } {
  const dot = resource.indexOf('.')
  const kind = resource.slice(0, dot)
  const name = resource.slice(dot + 1)
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) return { error: `unsupported container resource : ${resource}` }
  const res = c.resources ?? {}
  let q = (kind === 'limits' ? res.limits : res.requests)?.[name]
  if (q === undefined && kind === 'limits') q = allocatable[name]
  if (q === undefined && kind === 'requests') q = res.limits?.[name]
  const value = parseQuantity(q ?? '0') ?? 0
  const d = parseQuantity(divisor ?? '1') || 1
  return String(Math.ceil(value / d - 1e-9))
}

/** The container's final environment, or the error upstream reports (CreateContainerConfigError). */
export function resolveEnv(c: Container, ctx: EnvContext, sources: EnvSources): EnvResult {
  const ns = ctx.pod.metadata?.namespace ?? ''
  const tmp = new Map<string, string>()
  for (const f of c.envFrom ?? []) {
    const prefix = f.prefix ?? ''
    if (f.configMapRef) {
      const name = f.configMapRef.name ?? ''
      const cm = sources.configMaps.get(name)
      if (!cm) {
        if (f.configMapRef.optional) continue
        return { error: `configmap "${name}" not found` }
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) tmp.set(prefix + k, v)
    } else if (f.secretRef) {
      const name = f.secretRef.name ?? ''
      const s = sources.secrets.get(name)
      if (!s) {
        if (f.secretRef.optional) continue
        return { error: `secret "${name}" not found` }
      }
      for (const [k, v] of Object.entries(s.data ?? {})) tmp.set(prefix + k, base64(v) ?? '')
    }
  }
  const lookup = (name: string) => tmp.get(name) ?? ctx.serviceEnv[name]
  for (const e of c.env ?? []) {
    let value = e.value ?? ''
    if (value !== '') value = expand(value, lookup)
    else if (e.valueFrom) {
      const vf = e.valueFrom
      if (vf.fieldRef) {
        const v = fieldRefValue(vf.fieldRef.fieldPath, ctx)
        if (typeof v !== 'string') return v
        value = v
      } else if (vf.resourceFieldRef) {
        const target = vf.resourceFieldRef.containerName ? (ctx.pod.spec?.containers ?? []).concat(ctx.pod.spec?.initContainers ?? []).find((x) => x.name === vf.resourceFieldRef!.containerName) : c
        const v = resourceFieldValue(target ?? c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined, ctx.nodeAllocatable)
        if (typeof v !== 'string') return v
        value = v
      } else if (vf.configMapKeyRef) {
        const { name = '', key, optional } = vf.configMapKeyRef
        const cm = sources.configMaps.get(name)
        if (!cm) {
          if (optional) continue
          return { error: `configmap "${name}" not found` }
        }
        const v = cm.data?.[key]
        if (v === undefined) {
          if (optional) continue
          return { error: `couldn't find key ${key} in ConfigMap ${ns}/${name}` }
        }
        value = v
      } else if (vf.secretKeyRef) {
        const { name = '', key, optional } = vf.secretKeyRef
        const s = sources.secrets.get(name)
        if (!s) {
          if (optional) continue
          return { error: `secret "${name}" not found` }
        }
        const v = base64(s.data?.[key])
        if (v === undefined) {
          if (optional) continue
          return { error: `couldn't find key ${key} in Secret ${ns}/${name}` }
        }
        value = v
      }
    }
    tmp.set(e.name, value)
  }
  const env: Record<string, string> = {}
  for (const [k, v] of tmp) env[k] = v
  for (const [k, v] of Object.entries(ctx.serviceEnv)) if (!tmp.has(k)) env[k] = v
  return { env }
}

/** Command and args with `$(VAR)` expanded against the final environment (ExpandContainerCommandAndArgs). */
export function expandCommand(words: string[] | undefined, env: Record<string, string>): string[] | undefined {
  return words?.map((w) => expand(w, (name) => env[name]))
}
