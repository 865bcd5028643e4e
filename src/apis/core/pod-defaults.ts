// Pod and PodSpec defaulting, as upstream's SetDefaults_* in pkg/apis/core/v1/defaults.go plus the
// declarative `+default` markers (zz_generated.defaults.go). Objects arrive from users, so every
// step tolerates fields of the wrong shape: it leaves them for validation to report.
import type { Container, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js'
import { isObj as isObject } from '../../lib/guards.js'
export { isObject }

export type Obj = Record<string, unknown>

function objectsIn(list: unknown): Obj[] {
  return Array.isArray(list) ? list.filter(isObject) : []
}

/** Upstream parsers.ParseImageName's tag: `latest` when neither tag nor digest is given. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@')
  const withoutDigest = at >= 0 ? image.slice(0, at) : image
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  if (colon > lastSlash) return withoutDigest.slice(colon + 1)
  return at >= 0 ? undefined : 'latest'
}

// A reference docker's parser accepts (lower-case path components, optional host[:port], tag, digest).
const referenceRe = /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/

/** `Always` for `:latest` or no tag, else `IfNotPresent` (unparsable references too, as upstream). */
export function defaultImagePullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  if (typeof image !== 'string' || !referenceRe.test(image)) return 'IfNotPresent'
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent'
}

function defaultHTTPGet(handler: unknown): void {
  if (!isObject(handler) || !isObject(handler.httpGet)) return
  const h = handler.httpGet
  if (h.path === undefined || h.path === '') h.path = '/'
  if (h.scheme === undefined || h.scheme === '') h.scheme = 'HTTP'
}

function defaultGRPC(handler: Obj): void {
  if (isObject(handler.grpc) && handler.grpc.service === undefined) handler.grpc.service = ''
}

export function defaultProbe(probe: Probe | Obj | undefined): void {
  if (!isObject(probe)) return
  const p = probe as Obj
  if (!p.timeoutSeconds) p.timeoutSeconds = 1
  if (!p.periodSeconds) p.periodSeconds = 10
  if (!p.successThreshold) p.successThreshold = 1
  if (!p.failureThreshold) p.failureThreshold = 3
  defaultHTTPGet(p)
  defaultGRPC(p)
}

function defaultFieldRef(holder: unknown): void {
  if (isObject(holder) && isObject(holder.fieldRef) && !holder.fieldRef.apiVersion) holder.fieldRef.apiVersion = 'v1'
}

/** SetDefaults_Container plus what the generated defaulters do for its nested fields. */
export function defaultContainer(container: Container | Obj): void {
  if (!isObject(container)) return
  const c = container as Obj
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultImagePullPolicy(c.image)
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log'
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File'
  // Go always serialises the (non-pointer) resources struct: `resources: {}`.
  if (c.resources === undefined || c.resources === null) c.resources = {}
  for (const port of objectsIn(c.ports)) if (!port.protocol) port.protocol = 'TCP'
  for (const env of objectsIn(c.env)) defaultFieldRef(env.valueFrom)
  defaultProbe(c.livenessProbe as Obj)
  defaultProbe(c.readinessProbe as Obj)
  defaultProbe(c.startupProbe as Obj)
  if (isObject(c.lifecycle)) {
    defaultHTTPGet(c.lifecycle.postStart)
    defaultHTTPGet(c.lifecycle.preStop)
  }
}

const volumeSourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
]

/** 0644, upstream's default mode for secret, configMap, downwardAPI and projected volumes. */
const defaultVolumeMode = 420

export function defaultVolume(volume: Volume | Obj): void {
  if (!isObject(volume)) return
  const v = volume as Obj
  if (!volumeSourceKeys.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {}
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = v[k]
    if (isObject(src) && (src.defaultMode === undefined || src.defaultMode === null)) src.defaultMode = defaultVolumeMode
  }
  if (isObject(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = ''
  if (isObject(v.downwardAPI)) for (const item of objectsIn(v.downwardAPI.items)) defaultFieldRef(item)
  if (isObject(v.projected)) {
    for (const src of objectsIn(v.projected.sources)) {
      if (isObject(src.downwardAPI)) for (const item of objectsIn(src.downwardAPI.items)) defaultFieldRef(item)
      if (isObject(src.serviceAccountToken) && src.serviceAccountToken.expirationSeconds === undefined) src.serviceAccountToken.expirationSeconds = 3600
    }
  }
  if (isObject(v.image) && !v.image.pullPolicy) v.image.pullPolicy = defaultImagePullPolicy(v.image.reference)
}

/**
 * SetDefaults_PodSpec and the nested defaults: what every pod spec gets, in pods and in templates
 * (Deployment, ReplicaSet, ...). Mutates.
 */
export function defaultPodSpec(spec: PodSpec | Obj): void {
  if (!isObject(spec)) return
  const s = spec as Obj
  if (!s.dnsPolicy) s.dnsPolicy = 'ClusterFirst'
  if (!s.restartPolicy) s.restartPolicy = 'Always'
  if (s.securityContext === undefined || s.securityContext === null) s.securityContext = {}
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) s.terminationGracePeriodSeconds = 30
  if (!s.schedulerName) s.schedulerName = 'default-scheduler'
  for (const c of objectsIn(s.initContainers)) defaultContainer(c)
  for (const c of objectsIn(s.containers)) defaultContainer(c)
  for (const c of objectsIn(s.ephemeralContainers)) defaultContainer(c)
  for (const v of objectsIn(s.volumes)) defaultVolume(v)
}

/** A pod template's defaults: only its spec's (SetDefaults_Pod is for Pods alone). Mutates. */
export function defaultPodTemplateSpec(template: PodTemplateSpec | Obj): void {
  if (!isObject(template)) return
  if (isObject(template.spec)) defaultPodSpec(template.spec)
}

/** SetDefaults_Pod: what only real Pods get, on top of defaultPodSpec. Mutates. */
export function defaultPodOnlyFields(spec: PodSpec | Obj): void {
  if (!isObject(spec)) return
  const s = spec as Obj
  // Requests default to limits, per container, when only limits are given.
  for (const list of [s.containers, s.initContainers]) {
    for (const c of objectsIn(list)) {
      if (!isObject(c.resources) || !isObject(c.resources.limits)) continue
      const requests: Obj = isObject(c.resources.requests) ? c.resources.requests : {}
      for (const [k, v] of Object.entries(c.resources.limits)) if (!(k in requests)) requests[k] = v
      c.resources.requests = requests
    }
  }
  if (s.enableServiceLinks === undefined || s.enableServiceLinks === null) s.enableServiceLinks = true
  if (s.hostNetwork === true) {
    for (const list of [s.containers, s.initContainers]) {
      for (const c of objectsIn(list)) for (const p of objectsIn(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort
    }
  }
}
