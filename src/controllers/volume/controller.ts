// The persistent volume controllers (upstream kube-controller-manager's
// persistentvolume-binder-controller, persistentvolumeclaim-protection-controller and
// persistentvolume-protection-controller) and kubelite's local-path provisioner (kind's
// rancher.io/local-path: a directory per claim on the node). Thin shells over plan.ts.
import { isAlreadyExists, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { annBindCompleted, annBoundByController, isDefaultClassAnnotation, localPathProvisioner, pvcProtectionFinalizer, pvProtectionFinalizer, storageClassOf } from '../../apis/storage.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import {
  claimInUse,
  consumerNode,
  planClaim,
  planProvision,
  planVolume,
  shouldDeleteProvisioned,
  type BinderAction,
  type ClaimObj,
  type ClassObj,
  type PodObj,
  type VolumeObj,
} from './plan.js'

export const volumeGVRs = {
  claims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  volumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  classes: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  pods: { group: '', version: 'v1', resource: 'pods' },
} as const satisfies Record<string, GVR>

const claimVolumeNames = (p: PodObj) => (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []))

const clone = <T>(o: T): T => structuredClone(o)

export const binderControllerName = 'persistentvolume-binder-controller'

/** Binds claims to volumes both ways and keeps their phases (pv_controller.go). */
export class PersistentVolumeBinder implements Reconciler {
  readonly name = binderControllerName
  private readonly queue = new WorkQueue()
  private readonly claims: Informer<ClaimObj>
  private readonly volumes: Informer<VolumeObj>
  private readonly classes: Informer<ClassObj>
  private readonly pods: Informer<PodObj>
  private readonly recorder: EventRecorder

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions & { externalProvisioners?: string[] } = {},
  ) {
    this.recorder = new EventRecorder(client, { component: 'persistentvolume-controller' }, opts.clock, (err) => opts.log?.error({ err }, 'persistentvolume event'))
    this.claims = informers.informer<ClaimObj>(volumeGVRs.claims)
    this.volumes = informers.informer<VolumeObj>(volumeGVRs.volumes)
    this.classes = informers.informer<ClassObj>(volumeGVRs.classes)
    this.pods = informers.informer<PodObj>(volumeGVRs.pods)
    const claim = (c: ClaimObj) => this.queue.add(`claim/${objectKey(c)}`)
    const volume = (v: VolumeObj) => {
      this.queue.add(`volume/${v.metadata.name}`)
      const ref = v.spec?.claimRef
      if (ref?.name) this.queue.add(`claim/${ref.namespace}/${ref.name}`)
      // A free volume may match a claim that found none (upstream finds it on its 15 s resync).
      else for (const c of this.claims.list((x) => !x.spec?.volumeName)) claim(c)
    }
    this.claims.on({
      add: claim,
      update: (_, c) => claim(c),
      delete: (c) => {
        for (const v of this.volumes.list((x) => x.spec?.claimRef?.uid === c.metadata.uid)) this.queue.add(`volume/${v.metadata.name}`)
      },
    })
    this.volumes.on({
      add: volume,
      update: (_, v) => volume(v),
      delete: (v) => {
        const ref = v.spec?.claimRef
        if (ref?.name) this.queue.add(`claim/${ref.namespace}/${ref.name}`)
        // A volume gone frees nothing else, but unbound claims may now match another: re-check them.
        for (const c of this.claims.list((x) => !x.spec?.volumeName)) claim(c)
      },
    })
    const pod = (p: PodObj) => {
      for (const n of claimVolumeNames(p)) this.queue.add(`claim/${p.metadata.namespace}/${n}`)
    }
    this.pods.on({ add: pod, update: (a, b) => (a.spec?.nodeName !== b.spec?.nodeName ? pod(b) : undefined) })
    this.classes.on({ add: () => this.claims.list((c) => !c.spec?.volumeName).forEach(claim) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.claims.waitForSync(), this.volumes.waitForSync(), this.classes.waitForSync(), this.pods.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 1, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const [kind, ...rest] = key.split('/')
    if (kind === 'volume') return this.syncVolume(rest.join('/'))
    return this.syncClaim(rest.join('/'))
  }

  private async syncVolume(name: string): Promise<void> {
    const v = this.volumes.get(undefined, name)
    if (!v) return
    const ref = v.spec?.claimRef
    const claim = ref?.name ? this.claims.get(ref.namespace ?? '', ref.name) : undefined
    await this.perform(planVolume(v, claim, this.opts.externalProvisioners ?? [localPathProvisioner]), undefined, v)
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.getByKey(key)
    if (!claim) return
    const className = storageClassOf(claim)
    const cls = className ? this.classes.get(undefined, className) : undefined
    const pods = this.pods.byIndex('namespace', claim.metadata.namespace ?? '')
    await this.perform(planClaim(claim, this.volumes.list(), cls, consumerNode(claim, pods)), claim)
  }

  private async perform(actions: BinderAction[], claimIn: ClaimObj | undefined, volumeIn?: VolumeObj): Promise<void> {
    const claimsApi = this.client.resource<ClaimObj>(volumeGVRs.claims)
    const volumesApi = this.client.resource<VolumeObj>(volumeGVRs.volumes)
    let claim = claimIn
    const volumes = new Map<string, VolumeObj>()
    const volumeOf = (name: string) => volumes.get(name) ?? this.volumes.get(undefined, name) ?? (volumeIn?.metadata.name === name ? volumeIn : undefined)
    for (const a of actions) {
      switch (a.kind) {
        case 'event': {
          const obj = a.on === 'claim' ? claim : volumeIn
          if (obj) this.recorder.event(obj, a.type, a.reason, a.message)
          break
        }
        case 'annotateClaim': {
          const next = clone(claim!)
          next.metadata.annotations = { ...next.metadata.annotations, ...a.annotations }
          claim = await claimsApi.update(next)
          break
        }
        case 'bindVolume': {
          const next = clone(volumeOf(a.volume)!)
          const c = claim!
          next.spec = { ...next.spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, apiVersion: 'v1', resourceVersion: c.metadata.resourceVersion } }
          if (a.byController) next.metadata.annotations = { ...next.metadata.annotations, [annBoundByController]: 'yes' }
          volumes.set(a.volume, await volumesApi.update(next))
          break
        }
        case 'unbindVolume': {
          const next = clone(volumeOf(a.volume)!)
          if (next.spec) delete next.spec.claimRef
          if (next.metadata.annotations) delete next.metadata.annotations[annBoundByController]
          volumes.set(a.volume, await volumesApi.update(next))
          break
        }
        case 'volumePhase': {
          const next = clone(volumeOf(a.volume)!)
          next.status = { ...next.status, phase: a.phase, message: a.message, reason: a.reason }
          if (!a.message) delete next.status.message
          if (!a.reason) delete next.status.reason
          volumes.set(a.volume, await volumesApi.update(next, { subresource: 'status' }))
          break
        }
        case 'bindClaim': {
          const next = clone(claim!)
          next.spec = { ...next.spec, volumeName: a.volume }
          const ann: Record<string, string> = { ...next.metadata.annotations, [annBindCompleted]: 'yes' }
          if (a.byController) ann[annBoundByController] = 'yes'
          next.metadata.annotations = ann
          claim = await claimsApi.update(next)
          break
        }
        case 'claimStatus': {
          const next = clone(claim!)
          const v = a.volume
          next.status = v ? { ...next.status, phase: a.phase, accessModes: v.spec?.accessModes, capacity: v.spec?.capacity } : { ...next.status, phase: a.phase }
          claim = await claimsApi.update(next, { subresource: 'status' })
          break
        }
      }
    }
  }
}

export interface VolumeDirs {
  /** Makes the directory (and its parents) for a new volume, world-writable as local-path's helper pod makes it. */
  create(path: string): Promise<void>
  /** Removes the directory of a deleted volume and everything in it. */
  remove(path: string): Promise<void>
}

export const localPathProvisionerName = 'local-path-provisioner-controller'

/**
 * kubelite's provisioner (kind's local-path-provisioner): the `standard` class (default, Delete,
 * WaitForFirstConsumer) on start; a hostPath volume `pvc-<uid>` with its own directory under
 * `root` for each claim handed to it; the directory and the volume removed once released.
 */
export class LocalPathProvisioner implements Reconciler {
  readonly name = localPathProvisionerName
  private readonly queue = new WorkQueue()
  private readonly claims: Informer<ClaimObj>
  private readonly volumes: Informer<VolumeObj>
  private readonly classes: Informer<ClassObj>
  private readonly recorder: EventRecorder

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly root: string,
    private readonly dirs: VolumeDirs,
    private readonly opts: ControllerOptions & { provisioner?: string; defaultClass?: string } = {},
  ) {
    this.recorder = new EventRecorder(client, { component: `${this.provisioner}_kubelite` }, opts.clock, (err) => opts.log?.error({ err }, 'provisioner event'))
    this.claims = informers.informer<ClaimObj>(volumeGVRs.claims)
    this.volumes = informers.informer<VolumeObj>(volumeGVRs.volumes)
    this.classes = informers.informer<ClassObj>(volumeGVRs.classes)
    const claim = (c: ClaimObj) => this.queue.add(`claim/${objectKey(c)}`)
    const volume = (v: VolumeObj) => this.queue.add(`volume/${v.metadata.name}`)
    this.claims.on({ add: claim, update: (_, c) => claim(c) })
    this.volumes.on({ add: volume, update: (_, v) => volume(v) })
  }

  private get provisioner(): string {
    return this.opts.provisioner ?? localPathProvisioner
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.claims.waitForSync(), this.volumes.waitForSync(), this.classes.waitForSync()])
    await this.ensureDefaultClass()
    await runWorkers(this.queue, this, this.opts.workers ?? 2, signal, this.opts.log)
  }

  /** The `standard` class, as kind installs it (created once; a user's edits and deletion stand until the next start). */
  private async ensureDefaultClass(): Promise<void> {
    const name = this.opts.defaultClass ?? 'standard'
    if (this.classes.get(undefined, name)) return
    const sc = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name, annotations: { [isDefaultClassAnnotation]: 'true' } },
      provisioner: this.provisioner,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    }
    try {
      await this.client.resource(volumeGVRs.classes).create(undefined, sc)
    } catch (err) {
      if (!isAlreadyExists(err)) this.opts.log?.error({ err }, 'creating the default StorageClass failed')
    }
  }

  async reconcile(key: string): Promise<Result | void> {
    const [kind, ...rest] = key.split('/')
    if (kind === 'volume') return this.syncVolume(rest.join('/'))
    const claim = this.claims.getByKey(rest.join('/'))
    if (!claim) return
    const className = storageClassOf(claim)
    const cls = className ? this.classes.get(undefined, className) : undefined
    const existing = new Set(this.volumes.list().map((v) => v.metadata.name!))
    const d = planProvision(claim, cls, this.provisioner, existing, this.root)
    if (d.kind !== 'provision') return
    const ref = `${claim.metadata.namespace}/${claim.metadata.name}`
    this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ref}"`)
    try {
      await this.dirs.create(d.path)
    } catch (err) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls!.metadata.name}": ${(err as Error).message}`)
      throw err
    }
    try {
      await this.client.resource(volumeGVRs.volumes).create(undefined, d.volume)
    } catch (err) {
      if (isAlreadyExists(err)) return
      throw err
    }
    this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${d.volume.metadata.name}`)
  }

  private async syncVolume(name: string): Promise<void> {
    const v = this.volumes.get(undefined, name)
    if (!v || !shouldDeleteProvisioned(v, this.provisioner)) return
    const path = v.spec?.hostPath?.path
    // Only ever a directory this provisioner made: under its root, one level down.
    if (path && path.startsWith(`${this.root}/`) && !path.slice(this.root.length + 1).includes('/')) await this.dirs.remove(path)
    try {
      await this.client.resource(volumeGVRs.volumes).delete(undefined, name, { preconditions: { uid: v.metadata.uid } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}

/**
 * The protection controllers: a deleted claim loses kubernetes.io/pvc-protection once no scheduled
 * pod mounts it, a deleted volume kubernetes.io/pv-protection once it is not Bound.
 */
export class StorageProtection implements Reconciler {
  readonly name: string
  private readonly queue = new WorkQueue()
  private readonly claims?: Informer<ClaimObj>
  private readonly volumes?: Informer<VolumeObj>
  private readonly pods?: Informer<PodObj>

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly what: 'claims' | 'volumes',
    private readonly opts: ControllerOptions = {},
  ) {
    this.name = what === 'claims' ? 'persistentvolumeclaim-protection-controller' : 'persistentvolume-protection-controller'
    if (what === 'claims') {
      this.claims = informers.informer<ClaimObj>(volumeGVRs.claims)
      this.pods = informers.informer<PodObj>(volumeGVRs.pods)
      const claim = (c: ClaimObj) => (c.metadata.deletionTimestamp ? this.queue.add(objectKey(c)) : undefined)
      this.claims.on({ add: claim, update: (_, c) => claim(c) })
      const pod = (p: PodObj) => claimVolumeNames(p).forEach((n) => this.queue.add(`${p.metadata.namespace}/${n}`))
      this.pods.on({ delete: pod, update: (_, p) => pod(p) })
    } else {
      this.volumes = informers.informer<VolumeObj>(volumeGVRs.volumes)
      const volume = (v: VolumeObj) => (v.metadata.deletionTimestamp ? this.queue.add(v.metadata.name!) : undefined)
      this.volumes.on({ add: volume, update: (_, v) => volume(v) })
    }
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.claims?.waitForSync(), this.volumes?.waitForSync(), this.pods?.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 1, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<void> {
    if (this.what === 'claims') {
      const c = this.claims!.getByKey(key)
      if (!c?.metadata.deletionTimestamp || !(c.metadata.finalizers ?? []).includes(pvcProtectionFinalizer)) return
      if (claimInUse(c, this.pods!.byIndex('namespace', c.metadata.namespace ?? ''))) return
      const next = clone(c)
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== pvcProtectionFinalizer)
      await this.client.resource<ClaimObj>(volumeGVRs.claims).update(next)
      return
    }
    const v = this.volumes!.get(undefined, key)
    if (!v?.metadata.deletionTimestamp || !(v.metadata.finalizers ?? []).includes(pvProtectionFinalizer)) return
    if (v.status?.phase === 'Bound') return
    const next = clone(v)
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== pvProtectionFinalizer)
    await this.client.resource<VolumeObj>(volumeGVRs.volumes).update(next)
  }
}
