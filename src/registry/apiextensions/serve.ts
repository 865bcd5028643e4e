// What the apiextensions-apiserver's controllers do inside kube-apiserver, for every stored
// CustomResourceDefinition: the naming controller (status.acceptedNames and the NamesAccepted
// condition: a plural, singular, kind, listKind or short name another CRD of the group already
// holds is refused), the establishing controller (Established), serving the kind's versions at
// once (discovery, OpenAPI and the REST paths follow the served set), and the finalizer that,
// when a CRD is deleted, deletes every instance before the CRD goes and serving stops.
//
// A CRD for a group and resource kubelite serves built in (argoproj.io's rollouts, ...) is
// accepted and established as upstream accepts one that collides with a built-in API, while the
// built-in kind keeps answering (upstream: the built-in handler is matched before the CRD
// handler); deleting such a CRD leaves the built-in kind's objects alone.
import type { StoredObject } from '../../apis/meta.js'
import { statusErrorFrom } from '../../apis/status.js'
import { registerDefinitions, unregisterDefinitions } from '../../apis/schema.js'
import type { ResourceStore } from '../rest.js'
import type { ResourceDef } from '../types.js'
import { cleanupFinalizer, condition, definitionsOf, servedVersions, type Crd, type CrdCondition, type CrdNames, type ServedVersion } from './crd.js'
import { customResourceDef } from './customresource.js'

export interface CustomResourceServingDeps {
  crds: ResourceStore
  /** True for a group/resource served built in (a CRD for it never replaces that kind). */
  isBuiltIn(group: string, resource: string): boolean
  /** Serve these versions of one kind from now on (replacing what was served for it). */
  serve(defs: ResourceDef[]): void
  /** Stop serving every version of group/resource. */
  unserve(group: string, resource: string): void
  /** The storage of a served group/resource, to delete instances. */
  resource(group: string, resource: string): ResourceStore | undefined
  clock?: () => Date
  log?: { error(obj: unknown, msg?: string): void }
  /** Delay before another cleanup pass over instances that still wait on finalizers (default 1 s). */
  retryMs?: number
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** `v1` > `v1beta2` > `v1beta1` > `v1alpha1` > `foo` (upstream's CompareKubeAwareVersionStrings, as a sort key). */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v)
    if (!m) return [0, 0, 0, v] as const
    return [1, m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)] as const
  }
  const [ka, sa, ma, na] = parse(a)
  const [kb, sb, mb, nb] = parse(b)
  if (ka !== kb) return kb - ka
  if (ka === 0) return a.localeCompare(b)
  // GA of any major first, then beta, then alpha; within each, the higher major, then minor.
  if (sa !== sb) return (sb as number) - (sa as number)
  if (ma !== mb) return (mb as number) - (ma as number)
  return (nb as number) - (na as number)
}

/** Upstream's default deprecation warning of a served version. */
export function deprecationWarning(crd: Crd, version: string): string {
  const spec = crd.spec
  const msg = `${spec.group}/${version} ${spec.names.kind} is deprecated`
  const newer = spec.versions
    .filter((v) => v.served && !v.deprecated && compareKubeAwareVersions(version, v.name) > 0)
    .map((v) => v.name)
    .sort(compareKubeAwareVersions)
  return newer.length ? `${msg}; use ${spec.group}/${newer[0]} ${spec.names.kind}` : msg
}

interface Accepted {
  names: Partial<CrdNames>
  conflict?: { reason: string; message: string }
}

export class CustomResourceServing {
  private readonly deps: CustomResourceServingDeps
  /** What is served per CRD name: its group/resource and definition names. */
  private readonly served = new Map<string, { group: string; resource: string; definitions: string[] }>()
  private readonly queue = new Set<string>()
  /** CRDs being deleted: their kinds take no new instances. */
  private readonly terminating = new Set<string>()
  private running: Promise<void> | undefined
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(deps: CustomResourceServingDeps) {
    this.deps = deps
  }

  private now(): Date {
    return (this.deps.clock ?? (() => new Date()))()
  }

  /** Serves every stored CRD (before the API listens), then follows changes until `signal` aborts. */
  async start(signal: AbortSignal): Promise<() => Promise<void>> {
    const list = await this.deps.crds.list(undefined)
    for (const crd of list.items) await this.sync(crd.metadata.name!)
    const follow = async () => {
      let rv = list.resourceVersion
      while (!signal.aborted) {
        try {
          for await (const ev of this.deps.crds.watch(undefined, { resourceVersion: rv }, signal)) {
            if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue
            const obj = ev.object as StoredObject
            rv = obj.metadata.resourceVersion ?? rv
            this.enqueue(obj.metadata.name!)
          }
        } catch (err) {
          if (signal.aborted) break
          this.deps.log?.error({ err }, 'customresourcedefinitions watch failed')
          // Start again from a fresh list (the revision may be compacted).
          try {
            const again = await this.deps.crds.list(undefined)
            rv = again.resourceVersion
            for (const crd of again.items) this.enqueue(crd.metadata.name!)
            for (const name of this.served.keys()) this.enqueue(name)
          } catch {
            await new Promise((r) => setTimeout(r, 1000))
          }
        }
      }
      for (const t of this.timers) clearTimeout(t)
      await this.running
    }
    return follow
  }

  private enqueue(name: string): void {
    this.queue.add(name)
    if (this.running) return
    this.running = (async () => {
      while (this.queue.size) {
        const [next] = this.queue
        this.queue.delete(next)
        try {
          await this.sync(next)
        } catch (err) {
          this.deps.log?.error({ err, crd: next }, 'customresourcedefinition sync failed')
          this.later(next)
        }
      }
      this.running = undefined
    })()
  }

  private later(name: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      this.enqueue(name)
    }, this.deps.retryMs ?? 1000)
    t.unref()
    this.timers.add(t)
  }

  /** Waits until every queued change is served (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running
  }

  private async get(name: string): Promise<Crd | undefined> {
    try {
      return (await this.deps.crds.get(undefined, name)) as Crd
    } catch (err) {
      if ((err as { status?: { code?: number } }).status?.code === 404) return undefined
      throw err
    }
  }

  /** Level-triggered: makes what is served and the CRD's status match the stored CRD. */
  async sync(name: string): Promise<void> {
    const crd = await this.get(name)
    if (!crd) return this.stopServing(name)
    if (crd.metadata.deletionTimestamp) return this.cleanup(crd)
    const accepted = await this.acceptNames(crd)
    if (!accepted.conflict) this.startServing(crd)
    await this.writeStatus(crd, accepted)
  }

  /** The naming controller's check against the other CRDs of the group. */
  private async acceptNames(crd: Crd): Promise<Accepted> {
    const { group, names } = crd.spec
    const others = (await this.deps.crds.list(undefined)).items.map((o) => o as Crd).filter((o) => o.metadata.name !== crd.metadata.name && o.spec.group === group)
    const taken = { plural: new Set<string>(), kind: new Set<string>() }
    for (const o of others) {
      const a = o.status?.acceptedNames ?? {}
      for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (n) taken.plural.add(n)
      for (const n of [a.kind, a.listKind]) if (n) taken.kind.add(n)
    }
    const check: [string, Set<string>, string | undefined][] = [
      ['PluralConflict', taken.plural, names.plural],
      ['SingularConflict', taken.plural, names.singular],
      ...(names.shortNames ?? []).map((s): [string, Set<string>, string] => ['ShortNamesConflict', taken.plural, s]),
      ['KindConflict', taken.kind, names.kind],
      ['ListKindConflict', taken.kind, names.listKind],
    ]
    const prev = crd.status?.acceptedNames ?? {}
    for (const [reason, set, n] of check) {
      if (n && set.has(n)) return { names: prev, conflict: { reason, message: `"${n}" is already in use` } }
    }
    const out: Partial<CrdNames> = { plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind }
    if (names.shortNames?.length) out.shortNames = names.shortNames
    if (names.categories?.length) out.categories = names.categories
    return { names: out }
  }

  private startServing(crd: Crd): void {
    const { group, names } = crd.spec
    const name = crd.metadata.name!
    if (this.deps.isBuiltIn(group, names.plural)) return
    const versions = servedVersions(crd).sort((a, b) => compareKubeAwareVersions(a.kind.version, b.kind.version))
    const prev = this.served.get(name)
    const definitions: Record<string, import('../../apis/schema.js').Schema> = {}
    for (const v of versions) Object.assign(definitions, definitionsOf(v))
    if (prev) unregisterDefinitions(prev.definitions.filter((d) => !(d in definitions)))
    if (prev && (prev.group !== group || prev.resource !== names.plural)) this.deps.unserve(prev.group, prev.resource)
    registerDefinitions(definitions)
    this.deps.serve(versions.map((v) => this.resourceDef(crd, v)))
    this.served.set(name, { group, resource: names.plural, definitions: Object.keys(definitions) })
  }

  private resourceDef(crd: Crd, v: ServedVersion): ResourceDef {
    const def = customResourceDef(v.kind, v.schema, { cel: true })
    const name = crd.metadata.name!
    const prepare = def.prepareForCreate
    // Upstream's CRD handler: no new instances while the CRD's deletion removes them.
    def.prepareForCreate = (obj) => {
      if (this.terminating.has(name)) throw statusErrorFrom(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating')
      prepare?.(obj)
    }
    if (v.deprecated) def.deprecationWarning = v.deprecationWarning ?? deprecationWarning(crd, v.kind.version)
    return def
  }

  private stopServing(name: string): void {
    const prev = this.served.get(name)
    if (!prev) return
    this.served.delete(name)
    this.terminating.delete(name)
    this.deps.unserve(prev.group, prev.resource)
    unregisterDefinitions(prev.definitions)
  }

  /** NamesAccepted and Established as upstream writes them, through /status, only when changed. */
  private async writeStatus(crd: Crd, accepted: Accepted): Promise<void> {
    const now = rfc3339(this.now())
    const set = (conditions: CrdCondition[], c: CrdCondition): CrdCondition[] => {
      const old = conditions.find((x) => x.type === c.type)
      const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now }
      return [...conditions.filter((x) => x.type !== c.type), next]
    }
    let conditions = [...(crd.status?.conditions ?? [])]
    conditions = set(
      conditions,
      accepted.conflict
        ? { type: 'NamesAccepted', status: 'False', reason: accepted.conflict.reason, message: accepted.conflict.message }
        : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
    )
    const established = condition(crd, 'Established')?.status === 'True'
    if (!established)
      conditions = set(
        conditions,
        accepted.conflict
          ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }
          : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      )
    const order = ['NamesAccepted', 'Established', 'Terminating']
    conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))
    const status = { ...(crd.status ?? {}), acceptedNames: accepted.names, conditions }
    if (JSON.stringify(status) === JSON.stringify(crd.status ?? {})) return
    await this.deps.crds.guaranteedUpdate(
      undefined,
      crd.metadata.name!,
      (current) => {
        const c = current as Crd
        return { ...c, status: { ...(c.status ?? {}), acceptedNames: accepted.names, conditions } } as StoredObject
      },
      { subresource: 'status', fieldManager: 'kube-apiserver' },
    )
  }

  /** The cleanup finalizer: delete every instance, then release the CRD. */
  private async cleanup(crd: Crd): Promise<void> {
    if (!(crd.metadata.finalizers ?? []).includes(cleanupFinalizer)) return
    this.terminating.add(crd.metadata.name!)
    const { group, names } = crd.spec
    if (!this.deps.isBuiltIn(group, names.plural)) {
      const rs = this.deps.resource(group, names.plural)
      if (rs) {
        await this.setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' })
        await rs.deleteCollection(undefined, {}, { propagationPolicy: 'Background' })
        const left = (await rs.list(undefined, { limit: 1 })).items.length
        if (left > 0) {
          await this.setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionCheck', message: `could not confirm zero CustomResources remaining: ${left} remaining` })
          this.later(crd.metadata.name!)
          return
        }
      }
    }
    this.stopServing(crd.metadata.name!)
    await this.deps.crds.guaranteedUpdate(
      undefined,
      crd.metadata.name!,
      (current) => {
        const next = { ...current, metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== cleanupFinalizer) } }
        if (!next.metadata.finalizers.length) delete (next.metadata as { finalizers?: string[] }).finalizers
        return next
      },
      { fieldManager: 'kube-apiserver' },
    )
  }

  private async setCondition(crd: Crd, c: CrdCondition): Promise<void> {
    const old = condition(crd, c.type)
    if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return
    const updated = await this.deps.crds.guaranteedUpdate(
      undefined,
      crd.metadata.name!,
      (current) => {
        const cur = current as Crd
        const conditions = [...(cur.status?.conditions ?? []).filter((x) => x.type !== c.type), { ...c, lastTransitionTime: rfc3339(this.now()) }]
        return { ...cur, status: { ...(cur.status ?? {}), conditions } } as StoredObject
      },
      { subresource: 'status', fieldManager: 'kube-apiserver' },
    )
    crd.status = (updated as Crd).status
  }
}
