// What each of a pod's volumes holds, as upstream's volume plugins compute it (configMap, secret,
// downwardAPI, projected: files per key with their modes; emptyDir; hostPath), and where each
// container mounts them. Pure: the shell (worker.ts) fetches the sources and writes the files
// (atomic-writer.ts). Errors carry upstream's FailedMount wording after
// `MountVolume.SetUp failed for volume "<name>" : `.
import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js'
import type { Payload } from './atomic-writer.js'
import { fieldRefValue, resourceFieldValue } from './env.js'

/** kubernetes.io default for configMap, secret, downwardAPI and projected volumes (0644). */
export const defaultVolumeMode = 0o644

export interface VolumeSources {
  /** null: NotFound. */
  configMaps: Map<string, ConfigMap | null>
  secrets: Map<string, Secret | null>
  /** serviceAccountToken sources, by their path in the volume. */
  tokens: Map<string, string>
  nodeAllocatable?: Record<string, string>
  /** persistentVolumeClaim sources by claim name: the bound volume's directory on this host, or why it cannot be mounted. */
  claims?: Map<string, { path: string; create: boolean } | { error: string }>
}

export type VolumeContent =
  | { kind: 'files'; plugin: 'configmap' | 'secret' | 'downward-api' | 'projected'; payload: Payload }
  | { kind: 'emptyDir'; memory: boolean }
  | { kind: 'hostPath'; path: string; create?: boolean }
  | { kind: 'unsupported' }

export type VolumePlan = VolumeContent | { error: string }

/** The ConfigMaps and Secrets a pod's volumes name (projected sources included). */
export function volumeSources(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>()
  const secrets = new Set<string>()
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name)
    if (v.secret?.secretName) secrets.add(v.secret.secretName)
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name)
      if (s.secret?.name) secrets.add(s.secret.name)
    }
  }
  return { configMaps, secrets }
}

type Data = Map<string, Buffer>

const configMapData = (cm: ConfigMap): Data =>
  new Map([
    ...Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer]),
    ...Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as [string, Buffer]),
  ])

const secretData = (s: Secret): Data =>
  new Map([
    ...Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as [string, Buffer]),
    ...Object.entries(s.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer]),
  ])

/**
 * Upstream's MakePayload for configMap/secret: every key (no items) or the items named; a missing
 * key is an error unless the source is optional.
 */
function keysToPayload(out: Payload, data: Data, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean, missingKey: (key: string) => string): string | undefined {
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode: defaultMode })
    return undefined
  }
  for (const it of items) {
    const v = data.get(it.key)
    if (v === undefined) {
      if (optional) continue
      return missingKey(it.key)
    }
    out.set(it.path, { data: v, mode: it.mode ?? defaultMode })
  }
  return undefined
}

function downwardPayload(out: Payload, pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, allocatable: Record<string, string> | undefined): string | undefined {
  for (const it of items) {
    let value: string | { error: string }
    if (it.fieldRef) value = fieldRefValue(it.fieldRef.fieldPath, { pod, podIPs: [], hostIPs: [], serviceEnv: {} })
    else if (it.resourceFieldRef) {
      const c = (pod.spec?.containers ?? []).find((x) => x.name === it.resourceFieldRef!.containerName) ?? pod.spec?.containers?.[0]
      if (!c) return `container ${JSON.stringify(it.resourceFieldRef.containerName ?? '')} not found`
      value = resourceFieldValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor, allocatable)
    } else continue
    if (typeof value !== 'string') return value.error
    out.set(it.path, { data: Buffer.from(value), mode: it.mode ?? defaultMode })
  }
  return undefined
}

/** One volume's content, or the FailedMount reason. */
export function planVolume(pod: Pod, v: Volume, src: VolumeSources): VolumePlan {
  if (v.configMap) {
    const name = v.configMap.name ?? ''
    const cm = src.configMaps.get(name)
    const payload: Payload = new Map()
    if (!cm) return v.configMap.optional ? { kind: 'files', plugin: 'configmap', payload } : { error: `configmap ${JSON.stringify(name)} not found` }
    const err = keysToPayload(payload, configMapData(cm), v.configMap.items, v.configMap.defaultMode ?? defaultVolumeMode, !!v.configMap.optional, (k) => `configmap references non-existent config key: ${k}`)
    return err ? { error: err } : { kind: 'files', plugin: 'configmap', payload }
  }
  if (v.secret) {
    const name = v.secret.secretName ?? ''
    const s = src.secrets.get(name)
    const payload: Payload = new Map()
    if (!s) return v.secret.optional ? { kind: 'files', plugin: 'secret', payload } : { error: `secret ${JSON.stringify(name)} not found` }
    const err = keysToPayload(payload, secretData(s), v.secret.items, v.secret.defaultMode ?? defaultVolumeMode, !!v.secret.optional, (k) => `references non-existent secret key: ${k}`)
    return err ? { error: err } : { kind: 'files', plugin: 'secret', payload }
  }
  if (v.downwardAPI) {
    const payload: Payload = new Map()
    const err = downwardPayload(payload, pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? defaultVolumeMode, src.nodeAllocatable)
    return err ? { error: err } : { kind: 'files', plugin: 'downward-api', payload }
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? defaultVolumeMode
    const payload: Payload = new Map()
    for (const s of v.projected.sources ?? []) {
      let err: string | undefined
      if (s.configMap) {
        const name = s.configMap.name ?? ''
        const cm = src.configMaps.get(name)
        if (!cm) err = s.configMap.optional ? undefined : `configmap ${JSON.stringify(name)} not found`
        else err = keysToPayload(payload, configMapData(cm), s.configMap.items, mode, !!s.configMap.optional, (k) => `configmap references non-existent config key: ${k}`)
      } else if (s.secret) {
        const name = s.secret.name ?? ''
        const sec = src.secrets.get(name)
        if (!sec) err = s.secret.optional ? undefined : `secret ${JSON.stringify(name)} not found`
        else err = keysToPayload(payload, secretData(sec), s.secret.items, mode, !!s.secret.optional, (k) => `references non-existent secret key: ${k}`)
      } else if (s.downwardAPI) {
        err = downwardPayload(payload, pod, s.downwardAPI.items ?? [], mode, src.nodeAllocatable)
      } else if (s.serviceAccountToken) {
        const token = src.tokens.get(s.serviceAccountToken.path)
        if (token === undefined) err = `failed to fetch token: no token for ${s.serviceAccountToken.path}`
        else payload.set(s.serviceAccountToken.path, { data: Buffer.from(token), mode })
      }
      if (err) return { error: err }
    }
    return { kind: 'files', plugin: 'projected', payload }
  }
  if (v.emptyDir) return { kind: 'emptyDir', memory: v.emptyDir.medium === 'Memory' }
  if (v.hostPath) return { kind: 'hostPath', path: v.hostPath.path }
  if (v.persistentVolumeClaim) {
    const c = src.claims?.get(v.persistentVolumeClaim.claimName)
    if (!c) return { error: `persistentvolumeclaim ${JSON.stringify(v.persistentVolumeClaim.claimName)} not found` }
    return 'error' in c ? c : { kind: 'hostPath', path: c.path, create: c.create }
  }
  return { kind: 'unsupported' }
}

/** The claims a pod's volumes name. */
export function claimNames(pod: Pod): string[] {
  return [...new Set((pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [])))]
}

/**
 * The kubelet's volume manager on a claim (desired_state_of_world_populator): the directory of the
 * volume it is bound to (hostPath or local; made when DirectoryOrCreate), or upstream's reason.
 */
export function claimMount(
  namespace: string,
  name: string,
  claim: PersistentVolumeClaim | null,
  volume: PersistentVolume | null | undefined,
): { path: string; create: boolean } | { error: string } {
  const prefix = `error processing PVC ${namespace}/${name}`
  if (!claim) return { error: `${prefix}: failed to fetch PVC from API server: persistentvolumeclaims ${JSON.stringify(name)} not found` }
  if (claim.metadata?.deletionTimestamp) return { error: `${prefix}: can't start pod because PVC is being deleted` }
  const volumeName = claim.spec?.volumeName ?? ''
  if (claim.status?.phase !== 'Bound' || volumeName === '') return { error: `${prefix}: PVC is not bound` }
  if (!volume) return { error: `${prefix}: failed to fetch PV ${JSON.stringify(volumeName)} from API server: persistentvolumes ${JSON.stringify(volumeName)} not found` }
  const ref = volume.spec?.claimRef
  if (!ref || ref.uid !== claim.metadata?.uid) return { error: `${prefix}: PV ${volumeName} is not bound to PVC ${namespace}/${name}` }
  if (volume.spec?.hostPath?.path) return { path: volume.spec.hostPath.path, create: volume.spec.hostPath.type === 'DirectoryOrCreate' }
  if (volume.spec?.local?.path) return { path: volume.spec.local.path, create: false }
  return { error: `${prefix}: PV ${volumeName} has a volume source this node cannot mount (only hostPath and local)` }
}

/** The events' text for a volume that cannot be set up. */
export function failedMountMessage(volume: string, reason: string): string {
  return `MountVolume.SetUp failed for volume ${JSON.stringify(volume)} : ${reason}`
}

/** Where a container mounts what: mountPath → the volume (and subPath), readOnly. */
export interface ContainerMount {
  volume: string
  mountPath: string
  subPath?: string
  readOnly: boolean
}

/**
 * The mounts of all the pod's containers (one mount namespace a pod): init containers first, the
 * first to claim a mountPath keeps it. Volumes not defined by the pod are skipped (validation
 * rejects them).
 */
export function podMounts(pod: Pod): ContainerMount[] {
  const defined = new Set((pod.spec?.volumes ?? []).map((v) => v.name))
  const seen = new Set<string>()
  const out: ContainerMount[] = []
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
  for (const c of all) {
    for (const m of c.volumeMounts ?? []) {
      if (!defined.has(m.name) || seen.has(m.mountPath)) continue
      seen.add(m.mountPath)
      out.push({ volume: m.name, mountPath: m.mountPath, subPath: m.subPath || undefined, readOnly: !!m.readOnly })
    }
  }
  return out
}
