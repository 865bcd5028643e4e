// The kubelet's volume manager and token manager for one pod: every volume's files written (only
// what changed, atomically, volumes.ts plans them), service-account tokens requested and renewed,
// and the mounts the sandbox gets. Until every volume can be set up, nothing starts.
import { chmodSync, mkdirSync, realpathSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret } from 'kubernetes-types/core/v1.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { Runtime, SandboxMount } from '../runtime/types.js'
import { writeAtomic, type Owner } from './atomic-writer.js'
import type { EventSink } from './containers.js'
import { claimMount, claimNames, failedMountMessage, planVolume, podMounts, volumeSources, type VolumeSources } from './volumes.js'

export interface VolumeDeps {
  runtime: Runtime
  events: EventSink
  /** Where pods' volumes live: `<podsDir>/<pod uid>/volumes/kubernetes.io~<plugin>/<volume>`. */
  podsDir: string
  /** null: NotFound. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | null>
  getSecret(namespace: string, name: string): Promise<Secret | null>
  /** persistentVolumeClaim volumes: the claim and the volume it is bound to (null: NotFound). */
  getClaim?(namespace: string, name: string): Promise<PersistentVolumeClaim | null>
  getVolume?(name: string): Promise<PersistentVolume | null>
  /** TokenRequest (serviceaccounts/<name>/token) for a token bound to the pod. Throws the API's error. */
  requestToken(namespace: string, serviceAccount: string, req: { expirationSeconds: number; audience?: string; podName: string; podUid: string }): Promise<{ token: string; expirationTimestamp: Date }>
  nodeAllocatable(): Record<string, string>
  clock(): Date
}

/** When the pod's worker should sync again: a token falls due for renewal, a failed set-up is retried. */
export interface VolumeSchedule {
  wakeAfter(ms: number): void
  retryDelay(): number
}

export class PodVolumes {
  /** The pod's volumes at their mountPaths, once set up (the sandbox mounts them). */
  mounts: SandboxMount[] = []
  /** Service-account tokens of projected volumes, by volume/path: kept until 80% of their life. */
  private readonly tokens = new Map<string, { token: string; refreshAt: number }>()

  constructor(
    private readonly deps: VolumeDeps,
    private readonly uid: string,
    private readonly schedule: VolumeSchedule,
  ) {}

  private volumesDir(): string {
    return join(this.deps.podsDir, this.uid)
  }

  /** Memory-backed emptyDirs live on the host's /dev/shm (a tmpfs), shared by the pod's containers. */
  private memoryDir(): string {
    return join('/dev/shm', `kubelite-${this.uid}`)
  }

  /**
   * Writes every volume's files (only what changed, atomically) and works out the mounts. False,
   * with upstream's FailedMount event, while one cannot be set up (a missing ConfigMap...): the
   * pod stays ContainerCreating and the sync is retried.
   */
  async setUp(pod: PodObj): Promise<boolean> {
    const vols = pod.spec?.volumes ?? []
    if (!this.deps.runtime.mountsVolumes || vols.length === 0) return true
    const namespace = pod.metadata.namespace ?? ''
    const names = volumeSources(pod)
    const src: VolumeSources = { configMaps: new Map(), secrets: new Map(), tokens: new Map(), nodeAllocatable: this.deps.nodeAllocatable() }
    for (const n of names.configMaps) src.configMaps.set(n, await this.deps.getConfigMap(namespace, n))
    for (const n of names.secrets) src.secrets.set(n, await this.deps.getSecret(namespace, n))
    const claims = claimNames(pod)
    if (claims.length > 0) {
      src.claims = new Map()
      for (const n of claims) {
        const claim = (await this.deps.getClaim?.(namespace, n)) ?? null
        const volumeName = claim?.spec?.volumeName
        const volume = volumeName ? ((await this.deps.getVolume?.(volumeName)) ?? null) : undefined
        src.claims.set(n, claimMount(namespace, n, claim, volume))
      }
    }
    const owner = this.owner(pod)
    const tokenErr = await this.fetchTokens(pod, src)
    if (tokenErr) {
      this.deps.events.event(pod, 'Warning', 'FailedMount', failedMountMessage(tokenErr.volume, tokenErr.reason))
      // Soon: in a namespace just made, the ServiceAccount controller is about to create `default`.
      this.schedule.wakeAfter(Math.min(1000, this.schedule.retryDelay()))
      return false
    }
    const dirs = new Map<string, { path: string; files: boolean }>()
    for (const v of vols) {
      const plan = planVolume(pod, v, src)
      if ('error' in plan) {
        this.deps.events.event(pod, 'Warning', 'FailedMount', failedMountMessage(v.name, plan.error))
        this.schedule.wakeAfter(this.schedule.retryDelay())
        return false
      }
      if (plan.kind === 'files') {
        const dir = join(this.volumesDir(), 'volumes', `kubernetes.io~${plan.plugin}`, v.name)
        writeAtomic(dir, plan.payload, { owner, now: this.deps.clock() })
        dirs.set(v.name, { path: dir, files: true })
      } else if (plan.kind === 'emptyDir') {
        const dir = plan.memory ? join(this.memoryDir(), v.name) : join(this.volumesDir(), 'volumes', 'kubernetes.io~empty-dir', v.name)
        mkdirSync(dir, { recursive: true })
        chmodSync(dir, 0o777) // upstream's emptyDir: anyone in the pod may write
        dirs.set(v.name, { path: dir, files: false })
      } else if (plan.kind === 'hostPath') {
        if (plan.create) mkdirSync(plan.path, { recursive: true })
        dirs.set(v.name, { path: plan.path, files: false })
      }
    }
    this.mounts = podMounts(pod).flatMap((m) => {
      const d = dirs.get(m.volume)
      if (!d) return []
      let hostPath = d.path
      if (m.subPath) {
        hostPath = join(d.path, m.subPath)
        // A subPath of a projected volume binds the file the key points at now (..data/<key>): it
        // does not follow later updates, as upstream. In an emptyDir it is made if missing.
        if (d.files) hostPath = realpathSync(hostPath)
        else mkdirSync(hostPath, { recursive: true })
      }
      return [{ hostPath, containerPath: m.mountPath, readOnly: m.readOnly }]
    })
    return true
  }

  /**
   * The kubelet's token manager: a TokenRequest per serviceAccountToken source, bound to the pod,
   * renewed once 80% of its life has passed (the sync is woken then). Per volume, by path.
   */
  private async fetchTokens(pod: PodObj, src: VolumeSources): Promise<{ volume: string; reason: string } | undefined> {
    const now = this.deps.clock().getTime()
    const sa = pod.spec?.serviceAccountName || 'default'
    for (const v of pod.spec?.volumes ?? []) {
      for (const s of v.projected?.sources ?? []) {
        const t = s.serviceAccountToken
        if (!t) continue
        const key = `${v.name}/${t.path}`
        let have = this.tokens.get(key)
        if (!have || have.refreshAt <= now) {
          try {
            const r = await this.deps.requestToken(pod.metadata.namespace ?? '', sa, {
              expirationSeconds: t.expirationSeconds ?? 3600,
              audience: t.audience,
              podName: pod.metadata.name ?? '',
              podUid: this.uid,
            })
            const ttl = r.expirationTimestamp.getTime() - now
            have = { token: r.token, refreshAt: now + Math.min(ttl * 0.8, 24 * 3600_000) }
            this.tokens.set(key, have)
          } catch (err) {
            return { volume: v.name, reason: `failed to fetch token: ${(err as Error).message}` }
          }
        }
        this.schedule.wakeAfter(have.refreshAt - now)
        // Sources of one volume share the map: the volume is planned alone, so a path is enough.
        src.tokens.set(t.path, have.token)
      }
    }
    return undefined
  }

  /** Who owns volume files: the pod's user where the runtime runs containers as another uid than kubelite's. */
  private owner(pod: PodObj): Owner | undefined {
    const def = this.deps.runtime.defaultUser
    if (!def) return undefined
    const psc = pod.spec?.securityContext
    return { uid: psc?.runAsUser ?? def.uid, gid: psc?.fsGroup ?? psc?.runAsGroup ?? def.gid }
  }

  /** The pod is gone: its volumes' files go too (in the background). */
  remove(): void {
    if (!this.deps.runtime.mountsVolumes) return
    void rm(this.volumesDir(), { recursive: true, force: true }).catch(() => undefined)
    void rm(this.memoryDir(), { recursive: true, force: true }).catch(() => undefined)
  }
}
