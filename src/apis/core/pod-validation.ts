// PodSpec and PodTemplateSpec validation: the parts of upstream's ValidatePodSpec /
// ValidatePodTemplateSpec (pkg/apis/core/validation/validation.go) that users meet, with the exact
// field paths, order and wording.
import {
  duplicate, forbidden, invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue,
  notFound, notSupported, portRangeMsg, required, validateAnnotations, validateLabels,
  type FieldError,
} from '../validation.js'
import { isObject } from './pod-defaults.js'
import { isConfigMapKey, isEnvVarName, isValidPortName } from './names.js'
import { validateResourceRequirements } from './resources.js'

type Obj = Record<string, unknown>

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const obj = (v: unknown): Obj => (isObject(v) ? v : {})
const isSet = (v: unknown): boolean => v !== undefined && v !== null
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

function dns1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m))
}

function dns1123Subdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(path, value, m))
}

/** validation.IsValidPortNum for an int-or-string's int side, or IsValidPortName for its string side. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return port >= 1 && port <= 65535 && Number.isInteger(port) ? [] : [invalid(path, port, portRangeMsg)]
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m))
  return [invalid(path, port ?? 0, portRangeMsg)]
}

function validateNonnegative(value: unknown, path: string): FieldError[] {
  return num(value) < 0 ? [invalid(path, value, 'must be greater than or equal to 0')] : []
}

// ---- volumes ---------------------------------------------------------------------------------

const volumeSourceKeys = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume',
  'configMap', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos',
  'projected', 'scaleIO', 'csi', 'ephemeral', 'image',
]

function validateVolumeSource(vol: Obj, path: string): FieldError[] {
  const errs: FieldError[] = []
  let count = 0
  for (const key of volumeSourceKeys) {
    if (!isSet(vol[key])) continue
    // Upstream spells this path with a typo; kept for exact messages.
    const childName = key === 'downwardAPI' ? 'downwarAPI' : key === 'cephfs' ? 'cephFS' : key
    if (count > 0) {
      errs.push(forbidden(`${path}.${childName}`, 'may not specify more than 1 volume type'))
      continue
    }
    count++
    const src = obj(vol[key])
    if (key === 'hostPath' && str(src.path) === '') errs.push(required(`${path}.hostPath.path`))
    if (key === 'secret' && str(src.secretName) === '') errs.push(required(`${path}.secret.secretName`))
    if (key === 'configMap' && str(src.name) === '') errs.push(required(`${path}.configMap.name`))
    if (key === 'persistentVolumeClaim' && str(src.claimName) === '') errs.push(required(`${path}.persistentVolumeClaim.claimName`))
    if (key === 'secret' || key === 'configMap') errs.push(...validateKeyToPaths(src.items, `${path}.${key}.items`))
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'))
  return errs
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  list(items).forEach((item, i) => {
    const it = obj(item)
    const p = `${path}[${i}]`
    if (str(it.key) === '') errs.push(required(`${p}.key`))
    if (str(it.path) === '') errs.push(required(`${p}.path`))
    else errs.push(...validateLocalDescendingPath(str(it.path), `${p}.path`))
  })
  return errs
}

function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'))
  if (target.split(/[\\/]/).includes('..')) errs.push(invalid(path, target, "must not contain '..'"))
  return errs
}

/** ValidateVolumes: returns the names that validated, for volumeMounts to refer to. */
function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>()
  const errs: FieldError[] = []
  list(volumes).forEach((v, i) => {
    const vol = obj(v)
    const p = `${path}[${i}]`
    const name = str(vol.name)
    const el = validateVolumeSource(vol, p)
    if (name === '') el.push(required(`${p}.name`))
    else el.push(...dns1123Label(name, `${p}.name`))
    if (names.has(name)) el.push(duplicate(`${p}.name`, name))
    if (el.length === 0) names.add(name)
    else errs.push(...el)
  })
  return { names, errs }
}

// ---- containers ------------------------------------------------------------------------------

const supportedProtocols = ['SCTP', 'TCP', 'UDP']

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  list(ports).forEach((p, i) => {
    const port = obj(p)
    const ip = `${path}[${i}]`
    const name = str(port.name)
    if (name.length > 0) {
      const msgs = isValidPortName(name)
      if (msgs.length) for (const m of msgs) errs.push(invalid(`${ip}.name`, name, m))
      else if (names.has(name)) errs.push(duplicate(`${ip}.name`, name))
      else names.add(name)
    }
    const cp = port.containerPort
    if (!cp) errs.push(required(`${ip}.containerPort`))
    else if (!isPortNum(cp)) errs.push(invalid(`${ip}.containerPort`, cp, portRangeMsg))
    if (port.hostPort && !isPortNum(port.hostPort)) errs.push(invalid(`${ip}.hostPort`, port.hostPort, portRangeMsg))
    const proto = str(port.protocol)
    if (proto === '') errs.push(required(`${ip}.protocol`))
    else if (!supportedProtocols.includes(proto)) errs.push(notSupported(`${ip}.protocol`, proto, supportedProtocols))
  })
  return errs
}

const isPortNum = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535

const envFieldPaths = [
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  list(env).forEach((e, i) => {
    const ev = obj(e)
    const p = `${path}[${i}]`
    const name = str(ev.name)
    if (name === '') errs.push(required(`${p}.name`))
    else for (const m of isEnvVarName(name)) errs.push(invalid(`${p}.name`, name, m))
    if (!isSet(ev.valueFrom)) return
    const vf = obj(ev.valueFrom)
    const vp = `${p}.valueFrom`
    let sources = 0
    if (isSet(vf.fieldRef)) {
      sources++
      const fr = obj(vf.fieldRef)
      if (str(fr.apiVersion) === '') errs.push(required(`${vp}.fieldRef.apiVersion`))
      else if (str(fr.fieldPath) === '') errs.push(required(`${vp}.fieldRef.fieldPath`))
      else {
        const fp = str(fr.fieldPath)
        const sub = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(fp)
        if (sub) {
          const key = sub[1] === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2]
          for (const m of isQualifiedName(key)) errs.push(invalid(`${vp}.fieldRef`, key, m))
        } else if (!envFieldPaths.includes(fp) || fp === 'metadata.annotations' || fp === 'metadata.labels') {
          const supported = envFieldPaths.filter((x) => x !== 'metadata.annotations' && x !== 'metadata.labels')
          errs.push(notSupported(`${vp}.fieldRef.fieldPath`, fp, supported))
        }
      }
    }
    if (isSet(vf.resourceFieldRef)) {
      sources++
      if (str(obj(vf.resourceFieldRef).resource) === '') errs.push(required(`${vp}.resourceFieldRef.resource`))
    }
    for (const kind of ['configMapKeyRef', 'secretKeyRef'] as const) {
      if (!isSet(vf[kind])) continue
      sources++
      const ref = obj(vf[kind])
      const refName = str(ref.name)
      for (const m of isDNS1123Subdomain(refName)) errs.push(invalid(`${vp}.${kind}.name`, refName, m))
      const key = str(ref.key)
      if (key === '') errs.push(required(`${vp}.${kind}.key`))
      else for (const m of isConfigMapKey(key)) errs.push(invalid(`${vp}.${kind}.key`, key, m))
    }
    if (sources === 0) errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'))
    else if (str(ev.value) !== '') errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'))
    else if (sources > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'))
  })
  return errs
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  list(envFrom).forEach((e, i) => {
    const ef = obj(e)
    const p = `${path}[${i}]`
    const prefix = str(ef.prefix)
    if (prefix.length > 0) for (const m of isEnvVarName(prefix)) errs.push(invalid(`${p}.prefix`, prefix, m))
    let sources = 0
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      if (!isSet(ef[kind])) continue
      sources++
      const name = str(obj(ef[kind]).name)
      if (name === '') errs.push(required(`${p}.${kind}.name`))
      else for (const m of isDNS1123Subdomain(name)) errs.push(invalid(`${p}.${kind}.name`, name, m))
    }
    if (sources === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'))
    else if (sources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'))
  })
  return errs
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const mountPoints = new Set<string>()
  list(mounts).forEach((m, i) => {
    const mnt = obj(m)
    const p = `${path}[${i}]`
    const name = str(mnt.name)
    const mountPath = str(mnt.mountPath)
    if (name === '') errs.push(required(`${p}.name`))
    if (!volumes.has(name)) errs.push(notFound(`${p}.name`, name))
    if (mountPath === '') errs.push(required(`${p}.mountPath`))
    if (mountPoints.has(mountPath)) errs.push(invalid(`${p}.mountPath`, mountPath, 'must be unique'))
    mountPoints.add(mountPath)
    if (str(mnt.subPath) !== '') errs.push(...validateLocalDescendingPath(str(mnt.subPath), `${path}.subPath`))
  })
  return errs
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never']

function validateHandler(handler: Obj, gracePeriod: number | undefined, path: string, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = []
  let n = 0
  for (const kind of kinds) {
    if (!isSet(handler[kind])) continue
    if (n > 0) {
      errs.push(forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'))
      continue
    }
    n++
    const h = obj(handler[kind])
    const p = `${path}.${kind}`
    if (kind === 'exec' && list(h.command).length === 0) errs.push(required(`${p}.command`))
    if (kind === 'httpGet') {
      if (str(h.path) === '') errs.push(required(`${p}.path`))
      errs.push(...validatePortNumOrName(h.port, `${p}.port`))
      const scheme = str(h.scheme)
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(`${p}.scheme`, scheme, ['HTTP', 'HTTPS']))
    }
    if (kind === 'tcpSocket') errs.push(...validatePortNumOrName(h.port, `${p}.port`))
    if (kind === 'grpc') errs.push(...validatePortNumOrName(num(h.port), `${p}.port`))
    if (kind === 'sleep' && gracePeriod !== undefined) {
      const s = num(h.seconds)
      if (s <= 0 || s > gracePeriod)
        errs.push(invalid(p, s, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`))
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'))
  return errs
}

const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const
const lifecycleHandlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const

function validateProbe(probe: unknown, gracePeriod: number | undefined, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!isSet(probe)) return []
  const p = obj(probe)
  const errs = validateHandler(p, gracePeriod, path, probeHandlers)
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'])
    errs.push(...validateNonnegative(p[f], `${path}.${f}`))
  if (isSet(p.terminationGracePeriodSeconds) && num(p.terminationGracePeriodSeconds) <= 0)
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'))
  if (kind !== 'readiness' && num(p.successThreshold) !== 1) errs.push(invalid(`${path}.successThreshold`, p.successThreshold ?? 0, 'must be 1'))
  if (kind === 'readiness' && isSet(p.terminationGracePeriodSeconds))
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'))
  return errs
}

function validateLifecycle(lifecycle: unknown, gracePeriod: number | undefined, path: string): FieldError[] {
  const l = obj(lifecycle)
  const errs: FieldError[] = []
  if (isSet(l.postStart)) errs.push(...validateHandler(obj(l.postStart), gracePeriod, `${path}.postStart`, lifecycleHandlers))
  if (isSet(l.preStop)) errs.push(...validateHandler(obj(l.preStop), gracePeriod, `${path}.preStop`, lifecycleHandlers))
  return errs
}

function validateContainerCommon(c: Obj, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const name = str(c.name)
  if (name === '') errs.push(required(`${path}.name`))
  else errs.push(...dns1123Label(name, `${path}.name`))
  if (str(c.image) === '') errs.push(required(`${path}.image`))
  const tmp = str(c.terminationMessagePolicy)
  if (tmp === '') errs.push(required(`${path}.terminationMessagePolicy`))
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']))
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`))
  errs.push(...validateEnv(c.env, `${path}.env`))
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`))
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`))
  const pp = str(c.imagePullPolicy)
  if (pp === '') errs.push(required(`${path}.imagePullPolicy`))
  else if (!pullPolicies.includes(pp)) errs.push(notSupported(`${path}.imagePullPolicy`, pp, pullPolicies))
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`))
  return errs
}

/** Host ports must not collide across containers (protocol/hostIP/port). */
function checkHostPortConflicts(containers: Obj[], path: string): FieldError[] {
  const seen = new Set<string>()
  const errs: FieldError[] = []
  containers.forEach((c, ci) => {
    list(c.ports).forEach((p, pi) => {
      const port = obj(p)
      if (!port.hostPort) return
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${String(port.hostPort)}`
      if (seen.has(key)) errs.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key))
      else seen.add(key)
    })
  })
  return errs
}

function validateContainers(containers: unknown, volumes: Set<string>, gracePeriod: number | undefined, path: string): FieldError[] {
  const cs = list(containers).map(obj)
  if (cs.length === 0) return [required(path)]
  const errs: FieldError[] = []
  const names = new Set<string>()
  cs.forEach((c, i) => {
    const p = `${path}[${i}]`
    errs.push(...validateContainerCommon(c, volumes, p))
    const name = str(c.name)
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name))
    else names.add(name)
    if (isSet(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, `${p}.lifecycle`))
    errs.push(...validateProbe(c.livenessProbe, gracePeriod, `${p}.livenessProbe`, 'liveness'))
    errs.push(...validateProbe(c.readinessProbe, gracePeriod, `${p}.readinessProbe`, 'readiness'))
    errs.push(...validateProbe(c.startupProbe, gracePeriod, `${p}.startupProbe`, 'startup'))
    if (isSet(c.restartPolicy)) errs.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'))
  })
  errs.push(...checkHostPortConflicts(cs, path))
  return errs
}

function validateInitContainers(inits: unknown, regular: unknown, volumes: Set<string>, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set(list(regular).map((c) => str(obj(c).name)))
  list(inits).map(obj).forEach((c, i) => {
    const p = `${path}[${i}]`
    errs.push(...validateContainerCommon(c, volumes, p))
    let restartAlways = false
    if (isSet(c.restartPolicy)) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']))
      restartAlways = c.restartPolicy === 'Always'
    }
    const name = str(c.name)
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name))
    else if (name.length > 0) names.add(name)
    errs.push(...checkHostPortConflicts([c], path))
    if (restartAlways) {
      if (isSet(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, `${p}.lifecycle`))
      errs.push(...validateProbe(c.livenessProbe, gracePeriod, `${p}.livenessProbe`, 'liveness'))
      errs.push(...validateProbe(c.readinessProbe, gracePeriod, `${p}.readinessProbe`, 'readiness'))
      errs.push(...validateProbe(c.startupProbe, gracePeriod, `${p}.startupProbe`, 'startup'))
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'])
        if (isSet(c[f])) errs.push(forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'))
    }
  })
  return errs
}

/** What an ephemeral container may set (upstream allowedEphemeralContainerFields, the `true` ones). */
const ephemeralAllowed = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'envFrom', 'env', 'volumeMounts', 'volumeDevices',
  'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty', 'targetContainerName',
])
/** Fields of a container an ephemeral one may not set (upstream's `false` entries; others are not in its schema). */
const ephemeralForbidden = ['ports', 'resources', 'resizePolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'restartPolicy']

/** Upstream validateEphemeralContainers: a debugging container, not part of the workload. */
function validateEphemeralContainers(ephemeral: unknown, containers: unknown, inits: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const others = new Set([...list(containers), ...list(inits)].map((c) => str(obj(c).name)))
  const all = new Set(others)
  list(ephemeral).map(obj).forEach((c, i) => {
    const p = `${path}[${i}]`
    errs.push(...validateContainerCommon(c, volumes, p))
    const name = str(c.name)
    if (all.has(name)) errs.push(duplicate(`${p}.name`, name))
    else all.add(name)
    const target = str(c.targetContainerName)
    if (target !== '' && !others.has(target)) errs.push(notFound(`${p}.targetContainerName`, target))
    for (const f of ephemeralForbidden) {
      if (ephemeralAllowed.has(f)) continue
      const v = c[f]
      if (isSet(v) && !(isObject(v) && Object.keys(v).length === 0)) errs.push(forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'))
    }
    list(c.volumeMounts).map(obj).forEach((vm, vi) => {
      if (str(vm.subPath) !== '') errs.push(forbidden(`${p}.volumeMounts[${vi}].subPath`, 'cannot be set for an Ephemeral Container'))
      if (str(vm.subPathExpr) !== '') errs.push(forbidden(`${p}.volumeMounts[${vi}].subPathExpr`, 'cannot be set for an Ephemeral Container'))
    })
  })
  return errs
}

// ---- the pod spec ----------------------------------------------------------------------------

const restartPolicies = ['Always', 'OnFailure', 'Never']
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  list(tolerations).map(obj).forEach((t, i) => {
    const p = `${path}[${i}]`
    const key = str(t.key)
    const op = str(t.operator)
    const effect = str(t.effect)
    if (key.length > 0) for (const m of isQualifiedName(key)) errs.push(invalid(`${p}.key`, key, m))
    if (key.length === 0 && op !== 'Exists')
      errs.push(invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'))
    if (isSet(t.tolerationSeconds) && effect !== 'NoExecute')
      errs.push(invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
    const value = str(t.value)
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value)
      if (msgs.length) errs.push(invalid(`${p}.operator`, value, msgs.join(';')))
    } else if (op === 'Exists') {
      if (value.length > 0) errs.push(invalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"))
    } else errs.push(notSupported(`${p}.operator`, op, ['Equal', 'Exists']))
    if (effect.length > 0 && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect))
      errs.push(notSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']))
  })
  return errs
}

/**
 * Upstream ValidatePodSpec for a spec at `path` (`spec` for Pods, `spec.template.spec` for
 * templates). Expects defaults already applied (as upstream: validation runs after defaulting).
 */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  if (!isObject(spec)) return [required(path)]
  const s = spec
  const errs: FieldError[] = []
  if (!isSet(s.terminationGracePeriodSeconds)) errs.push(required(`${path}.terminationGracePeriodSeconds`))
  const gracePeriod = typeof s.terminationGracePeriodSeconds === 'number' ? s.terminationGracePeriodSeconds : undefined
  const vols = validateVolumes(s.volumes, `${path}.volumes`)
  errs.push(...vols.errs)
  errs.push(...validateContainers(s.containers, vols.names, gracePeriod, `${path}.containers`))
  errs.push(...validateInitContainers(s.initContainers, s.containers, vols.names, gracePeriod, `${path}.initContainers`))
  errs.push(...validateEphemeralContainers(s.ephemeralContainers, s.containers, s.initContainers, vols.names, `${path}.ephemeralContainers`))
  if (s.hostNetwork === true) {
    list(s.containers).map(obj).forEach((c, ci) => {
      list(c.ports).map(obj).forEach((port, pi) => {
        const hp = num(port.hostPort)
        if (hp !== 0 && hp !== num(port.containerPort))
          errs.push(invalid(`${path}.containers[${ci}].ports[${pi}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'))
      })
    })
  }
  const rp = str(s.restartPolicy)
  if (rp === '') errs.push(required(`${path}.restartPolicy`))
  else if (!restartPolicies.includes(rp)) errs.push(notSupported(`${path}.restartPolicy`, rp, restartPolicies))
  const dp = str(s.dnsPolicy)
  if (dp === '') errs.push(required(`${path}.dnsPolicy`))
  else if (!dnsPolicies.includes(dp)) errs.push(notSupported(`${path}.dnsPolicy`, dp, dnsPolicies))
  if (isSet(s.nodeSelector)) errs.push(...validateLabels(s.nodeSelector as Record<string, string>, `${path}.nodeSelector`))
  list(s.imagePullSecrets).forEach((ps, i) => {
    const o = obj(ps)
    if (Object.keys(o).some((k) => k !== 'name')) errs.push(invalid(`${path}.imagePullSecrets[${i}]`, o, 'only name may be set'))
  })
  if (dp === 'None') {
    if (!isSet(s.dnsConfig)) errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'))
    else if (list(obj(s.dnsConfig).nameservers).length === 0)
      errs.push(required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'))
  }
  list(s.readinessGates).forEach((g, i) => {
    const ct = str(obj(g).conditionType)
    for (const m of isQualifiedName(ct)) errs.push(invalid(`${path}.readinessGates[${i}].conditionType`, ct, m))
  })
  const sa = str(s.serviceAccountName)
  if (sa.length > 0) errs.push(...dns1123Subdomain(sa, `${path}.serviceAccountName`))
  const nodeName = str(s.nodeName)
  if (nodeName.length > 0) errs.push(...dns1123Subdomain(nodeName, `${path}.nodeName`))
  if (isSet(s.activeDeadlineSeconds)) {
    const v = num(s.activeDeadlineSeconds)
    if (v < 1 || v > 2147483647) errs.push(invalid(`${path}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'))
  }
  const hostname = str(s.hostname)
  if (hostname.length > 0) errs.push(...dns1123Label(hostname, `${path}.hostname`))
  const subdomain = str(s.subdomain)
  if (subdomain.length > 0) errs.push(...dns1123Label(subdomain, `${path}.subdomain`))
  if (list(s.tolerations).length > 0) errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`))
  const pcn = str(s.priorityClassName)
  if (pcn.length > 0) errs.push(...dns1123Subdomain(pcn, `${path}.priorityClassName`))
  if (isSet(s.preemptionPolicy)) {
    const pp = str(s.preemptionPolicy)
    if (pp === '') errs.push(required(`${path}.preemptionPolicy`))
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(notSupported(`${path}.preemptionPolicy`, pp, ['PreemptLowerPriority', 'Never']))
  }
  return errs
}

/** Upstream ValidatePodTemplateSpec: labels, annotations and spec of a template at `path`. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  if (!isObject(template)) return [required(path)]
  const meta = obj(template.metadata)
  const errs: FieldError[] = []
  errs.push(...validateLabels(meta.labels as Record<string, string> | undefined, `${path}.labels`))
  errs.push(...validateAnnotations(meta.annotations as Record<string, string> | undefined, `${path}.annotations`))
  errs.push(...validatePodSpec(template.spec, `${path}.spec`))
  if (list(obj(template.spec).ephemeralContainers).length > 0)
    errs.push(forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'))
  return errs
}
