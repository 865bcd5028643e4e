// Generic storage for one kind (upstream: k8s.io/apiserver/pkg/registry/generic/registry.Store).
//
// It owns what every kind shares: metadata (uid, timestamps, generation, resourceVersion),
// defaulting and validation through the kind's ResourceDef, the status/spec split, optimistic
// concurrency, graceful deletion and finalizers, dry run, selectors, paging and watch. It speaks in
// objects and StatusErrors; HTTP is the api/ layer's business.
import { randomUUID, randomInt } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { isDeepStrictEqual } from 'node:util'
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js'
import { apiVersionOf, clone, finalizers as knownFinalizers, type KObject, type StoredObject, type ObjectMeta } from '../apis/meta.js'
import { dropEmptyOmitted } from '../apis/gotypes/omitempty.js'
import type { FieldError } from '../apis/validation.js'
import { errors, StatusError, successStatus, type Status } from '../apis/status.js'
import { rfc3339 } from '../lib/duration.js'
import {
  fieldsMatch,
  matches,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldRequirement,
  type Selector,
} from '../lib/selector.js'
import { isStoreError, type KeyValue, type Store, type WatchEvent } from '../store/types.js'
import { decodeObject, encodeObject, keyOf, prefixOf, type KeySpace } from './keys.js'
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js'
import type { ResourceDef } from './types.js'

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE'

export interface AdmissionAttributes {
  operation: Operation
  def: ResourceDef
  namespace: string | undefined
  name: string
  /** The object being written (mutable by mutating plugins); undefined on DELETE. */
  object?: StoredObject
  oldObject?: StoredObject
  subresource?: string
  dryRun: boolean
  /** Who asks; undefined for in-process writes. */
  user?: RequestUser
  /** Collects `Warning:` header texts for the response (validating admission policies' Warn action). */
  warnings?: string[]
}

/** An admission plugin: may mutate attrs.object, or reject by throwing a StatusError. */
export interface Admission {
  name: string
  admit(attrs: AdmissionAttributes): Promise<void>
}

/** Tracks managedFields (server-side apply). Injected so the generic store stays small. */
export interface FieldManager {
  /** managedFields after a create/update/patch by `manager`. */
  update(args: { def: ResourceDef; live?: StoredObject; updated: StoredObject; manager: string; subresource?: string; now: Date }): ManagedFieldsEntry[] | undefined
  /** Merge an applied configuration into the live object (undefined: create). Throws StatusError on conflicts. */
  apply(args: { def: ResourceDef; live?: StoredObject; applied: KObject; manager: string; force: boolean; now: Date }): StoredObject
}

/** Applies JSON, merge and strategic merge patches. Injected; throws StatusError on bad patches. */
export type Patcher = (def: ResourceDef, contentType: string, original: KObject, body: string) => KObject

export interface RestDeps {
  store: Store
  clock?: () => Date
  admission?: Admission[]
  fieldManager?: FieldManager
  patcher?: Patcher
  /** Paths of the fields the kind's schema does not know, which it also drops from the object. */
  unknownFields?: (def: ResourceDef, obj: KObject) => string[]
  /** A value whose JSON type cannot decode into the kind's type (Go's wording), if any. */
  typeError?: (def: ResourceDef, obj: KObject) => string | undefined
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore'

export interface WriteOptions {
  dryRun?: boolean
  fieldManager?: string
  fieldValidation?: FieldValidation
  /** Collects `Warning:` header texts for the response. */
  warnings?: string[]
  /** Who asks (an HTTP request's user); in-process writes carry none and are the system's own. */
  user?: RequestUser
}

/** The requesting user as admission sees it (upstream user.Info). */
export interface RequestUser {
  username: string
  groups: string[]
  /** system:masters: bypasses authorization. */
  admin?: boolean
}

export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  limit?: number
  continue?: string
  resourceVersion?: string
  resourceVersionMatch?: string
}

export interface ListResult {
  items: StoredObject[]
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

export interface DeleteOptions {
  gracePeriodSeconds?: number
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'
  orphanDependents?: boolean
  preconditions?: { uid?: string; resourceVersion?: string }
  dryRun?: boolean
}

export interface DeleteResult {
  /** The object as it is now (deleted: its last state), or a Status for kinds that return one. */
  object: StoredObject
  /** True when the object is gone from the store; false when deletion is pending (grace period, finalizers). */
  deleted: boolean
}

export type WatchEventKind = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface ApiWatchEvent {
  type: WatchEventKind
  object: StoredObject | Status
}

export interface WatchOptions {
  labelSelector?: string
  fieldSelector?: string
  resourceVersion?: string
  sendInitialEvents?: boolean
}

const MAX_UPDATE_RETRIES = 10

/**
 * Reads see committed revisions only, while a write is checked against the newest row, committed
 * or not (group commit). A retry after a conflict first lets the open batch commit (and, on a
 * store that commits off the loop, become visible) — otherwise all retries would run against the
 * same stale read and fail alike.
 */
const pendingWrites = (store: Store) => (store.settled ? store.settled() : new Promise<void>((resolve) => setImmediate(resolve)))
const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789'

/** Five characters from upstream's alphabet (no vowels, no confusable digits). */
export function randomSuffix(n = 5): string {
  let s = ''
  for (let i = 0; i < n; i++) s += nameAlphabet[randomInt(nameAlphabet.length)]
  return s
}

interface ContinueToken {
  rv: number
  start: string
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url')
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'))
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token')
    return { rv: t.rv, start: t.start }
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data at input byte 0')
  }
}

/** Kinds whose DELETE returns the object rather than a Status (upstream ReturnDeletedObject). */
const returnsDeletedObject = new Set(['pods', 'services', 'namespaces', 'nodes'])

export class ResourceStore {
  readonly def: ResourceDef
  private readonly space: KeySpace
  private readonly store: Store
  private readonly clock: () => Date
  private readonly deps: RestDeps

  constructor(def: ResourceDef, deps: RestDeps) {
    this.def = def
    this.deps = deps
    this.store = deps.store
    this.clock = deps.clock ?? (() => new Date())
    this.space = def.storage
      ? { group: def.storage.group, resource: def.storage.resource, namespaced: def.namespaced }
      : { group: def.group, resource: def.resource, namespaced: def.namespaced }
  }

  private get ref() {
    return { group: this.def.group, resource: this.def.resource }
  }

  private key(namespace: string | undefined, name: string): string {
    return keyOf(this.space, namespace, name)
  }

  /** Stored value → this version's object, with apiVersion/kind set. */
  private decode(kv: KeyValue, revision?: number): StoredObject {
    let obj = decodeObject(kv, revision)
    if (this.def.storage) obj = this.def.storage.fromStorage(obj)
    obj.apiVersion = apiVersionOf(this.def.group, this.def.version)
    obj.kind = this.def.kind
    return obj
  }

  private encode(obj: StoredObject): string {
    const stored = this.def.storage ? this.def.storage.toStorage(obj) : obj
    return encodeObject(stored)
  }

  private ns(namespace: string | undefined): string | undefined {
    return this.def.namespaced ? namespace : undefined
  }

  // ---- read ---------------------------------------------------------------------------------

  async get(namespace: string | undefined, name: string): Promise<StoredObject> {
    if (this.def.computed) return this.def.computed.get(this.ns(namespace), name)
    const kv = await this.store.get(this.key(this.ns(namespace), name))
    if (!kv) throw errors.notFound(this.ref, name)
    return this.decode(kv)
  }

  /** Parse selectors once; errors are 400s with upstream-like wording. */
  compileSelectors(labelSelector?: string, fieldSelector?: string): (obj: StoredObject) => boolean {
    let labels: Selector = []
    let fields: FieldRequirement[] = []
    try {
      if (labelSelector) labels = parseLabelSelector(labelSelector)
      if (fieldSelector) fields = parseFieldSelector(fieldSelector)
    } catch (err) {
      if (err instanceof SelectorError) throw errors.badRequest(err.message)
      throw err
    }
    const extra = this.def.fieldSelectors ?? {}
    for (const f of fields) {
      if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace' && !(f.field in extra)) {
        throw errors.badRequest(`field label not supported: ${f.field}`)
      }
    }
    if (labels.length === 0 && fields.length === 0) return () => true
    return (obj) =>
      matches(labels, obj.metadata.labels) &&
      fieldsMatch(fields, (field) => {
        if (field === 'metadata.name') return obj.metadata.name
        if (field === 'metadata.namespace') return obj.metadata.namespace ?? ''
        return extra[field](obj)
      })
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const filter = this.compileSelectors(opts.labelSelector, opts.fieldSelector)
    const filtered = Boolean(opts.labelSelector || opts.fieldSelector)
    if (this.def.computed) return { items: (await this.def.computed.list(this.ns(namespace))).filter(filter), resourceVersion: '' }
    const prefix = prefixOf(this.space, this.ns(namespace))
    let revision: number | undefined
    let startAfter: string | undefined
    if (opts.continue) {
      const t = decodeContinue(opts.continue)
      revision = t.rv
      startAfter = prefix + t.start
    } else if (opts.resourceVersion && opts.resourceVersion !== '0' && opts.resourceVersionMatch === 'Exact') {
      revision = parseResourceVersion(opts.resourceVersion)
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = parseResourceVersion(opts.resourceVersion)
      const current = await this.store.currentRevision()
      if (rv > current) throw errors.timeout(`Too large resource version: ${rv}, current: ${current}`)
    }
    // Any int64 is a valid limit; past 2^53 it means "all" and must stay an integer for the store.
    const limit = opts.limit && opts.limit > 0 ? Math.min(opts.limit, Number.MAX_SAFE_INTEGER) : 0
    const items: StoredObject[] = []
    let readAt = revision
    let remaining = 0
    let lastKey: string | undefined
    try {
      for (;;) {
        const page = await this.store.list(prefix, { revision: readAt, limit: limit ? limit - items.length + (filtered ? 50 : 0) : 0, startAfter })
        readAt = page.revision
        for (const kv of page.items) {
          lastKey = kv.key
          const obj = this.decode(kv)
          if (filter(obj)) items.push(obj)
          if (limit && items.length >= limit) break
        }
        remaining = page.remaining
        if (limit && items.length >= limit) {
          // Items after the one we stopped at, in this page and beyond it.
          const idx = page.items.findIndex((kv) => kv.key === lastKey)
          remaining += page.items.length - idx - 1
          break
        }
        if (!limit || page.remaining === 0 || page.items.length === 0) {
          remaining = 0
          break
        }
        startAfter = lastKey
      }
    } catch (err) {
      if (isStoreError(err, 'Expired')) {
        if (opts.continue) {
          throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.')
        }
        throw errors.expired(`too old resource version: ${revision} (${await this.store.compactedRevision()})`)
      }
      throw err
    }
    const result: ListResult = { items, resourceVersion: String(readAt) }
    if (limit && remaining > 0 && lastKey) {
      result.continue = encodeContinue({ rv: readAt!, start: lastKey.slice(prefix.length) })
      if (!filtered) result.remainingItemCount = remaining
    }
    return result
  }

  // ---- create -------------------------------------------------------------------------------

  /** `decoded`: a create or update body, which upstream decodes whole (its strict errors say which kind could not be decoded). */
  private checkFields(body: KObject, opts: WriteOptions, decoded = false): void {
    const typeError = this.deps.typeError?.(this.def, body)
    if (typeError) {
      throw errors.badRequest(`${this.def.kind} in version ${JSON.stringify(this.def.version)} cannot be handled as a ${this.def.kind}: ${typeError}`)
    }
    // Unknown fields never reach storage (decoding into upstream's Go types drops them); the
    // field validation mode only decides whether they are an error, a warning or nothing.
    const unknown = this.deps.unknownFields?.(this.def, body) ?? []
    const mode = opts.fieldValidation ?? 'Warn'
    if (mode === 'Ignore' || unknown.length === 0) return
    if (mode === 'Strict') {
      const msgs = unknown.map((f) => `unknown field ${JSON.stringify(f)}`)
      const strict = `strict decoding error: ${msgs.join(', ')}`
      throw errors.badRequest(decoded ? `${this.def.kind} in version ${JSON.stringify(this.def.version)} cannot be handled as a ${this.def.kind}: ${strict}` : strict)
    }
    for (const f of unknown) opts.warnings?.push(`unknown field ${JSON.stringify(f)}`)
  }

  private checkTypeMeta(body: KObject): void {
    const want = apiVersionOf(this.def.group, this.def.version)
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== want) {
      throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${want})`)
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== this.def.kind) {
      throw errors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${this.def.kind})`)
    }
  }

  private invalid(obj: StoredObject, errs: FieldError[]): StatusError {
    return errors.invalid({ group: this.def.group, kind: this.def.kind }, obj.metadata.name ?? obj.metadata.generateName ?? '', errs)
  }

  private async admit(attrs: AdmissionAttributes): Promise<void> {
    for (const plugin of this.deps.admission ?? []) await plugin.admit(attrs)
  }

  private managedFields(live: StoredObject | undefined, updated: StoredObject, manager: string | undefined, subresource?: string): void {
    if (!this.deps.fieldManager || !manager) return
    const mf = this.deps.fieldManager.update({ def: this.def, live, updated, manager, subresource, now: this.clock() })
    if (mf && mf.length) updated.metadata.managedFields = mf
    else delete updated.metadata.managedFields
  }

  /** Prepare a new object for storage (everything but the write). */
  private prepareCreate(namespace: string | undefined, body: KObject, opts: WriteOptions): StoredObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was not a JSON object')
    this.checkTypeMeta(body)
    this.checkFields(body, opts, true)
    const obj = clone(body) as StoredObject
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}
    const m = obj.metadata
    if (this.def.namespaced) {
      if (m.namespace && namespace && m.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
      }
      m.namespace = namespace ?? m.namespace
    } else {
      delete m.namespace
    }
    if (m.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created')
    if (!m.name && m.generateName) m.name = m.generateName + randomSuffix()
    m.uid = randomUUID()
    m.creationTimestamp = rfc3339(this.clock())
    delete m.deletionTimestamp
    delete m.deletionGracePeriodSeconds
    delete (m as Record<string, unknown>).selfLink
    if (this.def.generation) m.generation = 1
    else delete m.generation
    obj.apiVersion = apiVersionOf(this.def.group, this.def.version)
    obj.kind = this.def.kind
    dropEmptyOmitted(obj, obj.apiVersion, obj.kind)
    if (this.def.hasStatus && !this.def.keepStatusOnCreate && !this.def.statusOnMainResource) obj.status = {}
    this.def.defaults?.(obj)
    this.def.prepareForCreate?.(obj)
    const errs = [...validateObjectMeta(this.def, obj), ...(this.def.validate?.(obj) ?? [])]
    if (errs.length) throw this.invalid(obj, errs)
    return obj
  }

  async create(namespace: string | undefined, body: KObject, opts: WriteOptions = {}): Promise<StoredObject> {
    const obj = this.prepareCreate(this.ns(namespace), body, opts)
    return this.createPrepared(obj, opts, body.metadata?.generateName !== undefined && !body.metadata?.name)
  }

  private async createPrepared(obj: StoredObject, opts: WriteOptions, generated: boolean): Promise<StoredObject> {
    const m = obj.metadata
    await this.admit({ operation: 'CREATE', def: this.def, namespace: m.namespace, name: m.name!, object: obj, dryRun: Boolean(opts.dryRun), user: opts.user, warnings: opts.warnings })
    this.managedFields(undefined, obj, opts.fieldManager)
    if (opts.dryRun) {
      if (await this.store.get(this.key(m.namespace, m.name!))) throw errors.alreadyExists(this.ref, m.name!)
      obj.metadata.resourceVersion = String(await this.store.currentRevision())
      return obj
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const kv = await this.store.create(this.key(m.namespace, m.name!), this.encode(obj))
        return this.decode(kv)
      } catch (err) {
        if (isStoreError(err, 'AlreadyExists')) {
          // A generated name that collided: pick another, as upstream retries.
          if (generated && attempt < 8) {
            m.name = m.generateName + randomSuffix()
            continue
          }
          throw errors.alreadyExists(this.ref, m.name!)
        }
        throw err
      }
    }
  }

  // ---- update -------------------------------------------------------------------------------

  /**
   * Build the next version from the current one and a client's full object. Main resource: the
   * client's object with system metadata kept and (for kinds with a status subresource) the old
   * status. `status` subresource: the old object with the client's status.
   */
  private composeUpdate(current: StoredObject, body: KObject, subresource: string | undefined): StoredObject {
    let next: StoredObject
    if (subresource === 'status') {
      next = clone(current)
      if ('status' in body) next.status = clone(body.status)
      else delete next.status
      if (this.def.statusTakesAnnotations) {
        const annotations = body.metadata?.annotations
        if (annotations && Object.keys(annotations).length) next.metadata.annotations = clone(annotations)
        else delete next.metadata.annotations
      }
    } else if (subresource && this.def.specSubresources?.[subresource]) {
      next = this.def.specSubresources[subresource].compose(current, body as StoredObject)
    } else {
      next = clone(body) as StoredObject
      next.metadata = next.metadata && typeof next.metadata === 'object' ? next.metadata : {}
      const m = next.metadata
      const o = current.metadata
      m.name = o.name
      if (this.def.namespaced) m.namespace = o.namespace
      else delete m.namespace
      if (!m.uid) m.uid = o.uid
      m.creationTimestamp = o.creationTimestamp
      if (o.deletionTimestamp) {
        m.deletionTimestamp = o.deletionTimestamp
        m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds
      } else {
        delete m.deletionTimestamp
        delete m.deletionGracePeriodSeconds
      }
      if (o.generation !== undefined) m.generation = o.generation
      else delete m.generation
      if (this.def.hasStatus && !this.def.statusOnMainResource) {
        if (current.status !== undefined) next.status = clone(current.status)
        else delete next.status
      }
    }
    next.apiVersion = apiVersionOf(this.def.group, this.def.version)
    next.kind = this.def.kind
    return next
  }

  private specChanged(next: StoredObject, current: StoredObject): boolean {
    const strip = (o: StoredObject) => {
      const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o
      return rest
    }
    return !isDeepStrictEqual(strip(next), strip(current))
  }

  /**
   * Validate and write `next` over `current` (whose resourceVersion is the CAS precondition).
   * Returns the stored object; a no-op write returns `current` unchanged, as upstream does.
   */
  private async writeUpdate(current: StoredObject, next: StoredObject, opts: WriteOptions, subresource?: string): Promise<StoredObject> {
    const key = this.key(current.metadata.namespace, current.metadata.name!)
    dropEmptyOmitted(next, apiVersionOf(this.def.group, this.def.version), this.def.kind)
    this.def.defaults?.(next)
    // The main resource and `scale` change the spec; `status` and the spec subresources (which
    // compose only their part) do not go through the main resource's PrepareForUpdate.
    const specWrite = subresource === undefined || subresource === 'scale'
    if (specWrite) this.def.prepareForUpdate?.(next, current)
    if (this.def.generation && specWrite && this.specChanged(next, current)) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1
    }
    const own = subresource ? this.def.specSubresources?.[subresource]?.validateUpdate : undefined
    const errs = [
      ...validateObjectMetaUpdate(this.def, next, current),
      ...(own ? own(next, current) : this.def.validateUpdate ? this.def.validateUpdate(next, current) : this.def.validate?.(next) ?? []),
    ]
    if (errs.length) throw this.invalid(next, errs)
    await this.admit({ operation: 'UPDATE', def: this.def, namespace: next.metadata.namespace, name: next.metadata.name!, object: next, oldObject: current, subresource, dryRun: Boolean(opts.dryRun), user: opts.user, warnings: opts.warnings })

    // A deleting object whose last finalizer is removed is deleted for real.
    if (next.metadata.deletionTimestamp && !this.hasFinalizers(next) && !this.waitsForGrace(next)) {
      if (opts.dryRun) return next
      try {
        const kv = await this.store.delete(key, Number(current.metadata.resourceVersion))
        return this.decode(kv)
      } catch (err) {
        throw this.translateWriteError(err, next.metadata.name!)
      }
    }

    const rv = current.metadata.resourceVersion
    next.metadata.resourceVersion = rv
    this.managedFields(current, next, opts.fieldManager, subresource)
    if (isDeepStrictEqual(withoutManagedFieldTimes(next), withoutManagedFieldTimes(current))) return current
    if (opts.dryRun) return next
    try {
      const kv = await this.store.update(key, this.encode(next), Number(rv))
      return this.decode(kv)
    } catch (err) {
      throw this.translateWriteError(err, next.metadata.name!)
    }
  }

  private hasFinalizers(obj: StoredObject): boolean {
    return (obj.metadata.finalizers ?? []).length > 0 || (this.def.pendingFinalizers?.(obj) ?? []).length > 0
  }

  /** Pods with a grace period still running wait for the node; others go at once. */
  private waitsForGrace(obj: StoredObject): boolean {
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0
  }

  private translateWriteError(err: unknown, name: string): unknown {
    if (isStoreError(err, 'Conflict')) return errors.conflict(this.ref, name)
    if (isStoreError(err, 'NotFound')) return errors.notFound(this.ref, name)
    return err
  }

  async update(namespace: string | undefined, name: string, body: KObject, opts: WriteOptions & { subresource?: string } = {}): Promise<StoredObject> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was not a JSON object')
    this.checkTypeMeta(body)
    this.checkFields(body, opts, true)
    const bodyName = body.metadata?.name
    if (bodyName && bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`)
    const bodyNs = body.metadata?.namespace
    if (this.def.namespaced && bodyNs && namespace && bodyNs !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    const precondition = body.metadata?.resourceVersion
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(namespace, name)
      if (precondition && precondition !== current.metadata.resourceVersion) throw errors.conflict(this.ref, name)
      const next = this.composeUpdate(current, body, opts.subresource)
      try {
        return await this.writeUpdate(current, next, opts, opts.subresource)
      } catch (err) {
        // Unconditional updates (no resourceVersion in the body) retry on a race.
        if (!precondition && isConflict(err) && attempt < MAX_UPDATE_RETRIES) {
          await pendingWrites(this.store)
          continue
        }
        throw err
      }
    }
  }

  /**
   * Read-modify-write with retries (upstream GuaranteedUpdate): `mutate` returns the client's
   * view of the next object (a full object, as a PUT body would be).
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: StoredObject) => KObject,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<StoredObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(namespace, name)
      const body = mutate(clone(current))
      const precondition = body.metadata?.resourceVersion
      if (precondition && precondition !== current.metadata.resourceVersion) throw errors.conflict(this.ref, name)
      if (body.metadata?.name && body.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`)
      }
      const next = this.composeUpdate(current, body, opts.subresource)
      try {
        return await this.writeUpdate(current, next, opts, opts.subresource)
      } catch (err) {
        if (isConflict(err) && attempt < MAX_UPDATE_RETRIES && !(precondition && precondition !== current.metadata.resourceVersion)) {
          await pendingWrites(this.store)
          continue
        }
        throw err
      }
    }
  }

  async patch(
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: string,
    opts: WriteOptions & { subresource?: string; force?: boolean } = {},
  ): Promise<{ object: StoredObject; created: boolean }> {
    if (contentType === 'application/apply-patch+yaml') return this.apply(namespace, name, body, opts)
    const patcher = this.deps.patcher
    if (!patcher) throw errors.unsupportedPatchType()
    const object = await this.guaranteedUpdate(
      namespace,
      name,
      (current) => {
        const patched = patcher(this.def, contentType, current, body)
        this.checkFields(patched, opts)
        return patched
      },
      opts,
    )
    return { object, created: false }
  }

  /** Server-side apply: create if absent, else merge with field ownership. */
  private async apply(
    namespace: string | undefined,
    name: string,
    body: string,
    opts: WriteOptions & { subresource?: string; force?: boolean },
  ): Promise<{ object: StoredObject; created: boolean }> {
    const fm = this.deps.fieldManager
    if (!fm) throw errors.unsupportedPatchType()
    if (!opts.fieldManager) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    let applied: KObject
    try {
      applied = parseApplyBody(body)
    } catch (err) {
      throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`)
    }
    this.checkTypeMeta(applied)
    if (!applied.apiVersion || !applied.kind) throw errors.badRequest('apiVersion and kind must be set in an applied configuration')
    if (applied.metadata?.name && applied.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`)
    }
    this.checkFields(applied, opts)
    for (let attempt = 0; ; attempt++) {
      let live: StoredObject | undefined
      try {
        live = await this.get(namespace, name)
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err
      }
      const now = this.clock()
      if (!live) {
        if (opts.subresource) throw errors.notFound(this.ref, name)
        const merged = fm.apply({ def: this.def, applied: { ...applied, metadata: { ...applied.metadata, name } }, manager: opts.fieldManager, force: Boolean(opts.force), now })
        const managed = merged.metadata.managedFields
        const obj = this.prepareCreate(this.ns(namespace), merged, { ...opts, fieldValidation: 'Ignore' })
        if (managed) obj.metadata.managedFields = managed
        try {
          return { object: await this.createPrepared(obj, { ...opts, fieldManager: undefined }, false), created: true }
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'AlreadyExists' && attempt < MAX_UPDATE_RETRIES) {
            await pendingWrites(this.store)
            continue
          }
          throw err
        }
      }
      const merged = fm.apply({ def: this.def, live, applied, manager: opts.fieldManager, force: Boolean(opts.force), now })
      const next = this.composeUpdate(live, merged, opts.subresource)
      next.metadata.managedFields = merged.metadata.managedFields
      try {
        return { object: await this.writeUpdate(live, next, { ...opts, fieldManager: undefined }, opts.subresource), created: false }
      } catch (err) {
        if (isConflict(err) && attempt < MAX_UPDATE_RETRIES) {
          await pendingWrites(this.store)
          continue
        }
        throw err
      }
    }
  }

  // ---- delete -------------------------------------------------------------------------------

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(namespace, name)
      try {
        return await this.deleteOnce(current, opts)
      } catch (err) {
        if (isConflict(err) && !opts.preconditions?.resourceVersion && attempt < MAX_UPDATE_RETRIES) {
          await pendingWrites(this.store)
          continue
        }
        throw err
      }
    }
  }

  private async deleteOnce(current: StoredObject, opts: DeleteOptions): Promise<DeleteResult> {
    const name = current.metadata.name!
    const pre = opts.preconditions
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw errors.conflict(this.ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`)
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(this.ref, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`)
    }
    await this.admit({ operation: 'DELETE', def: this.def, namespace: current.metadata.namespace, name, oldObject: current, dryRun: Boolean(opts.dryRun) })

    const next = clone(current)
    const m = next.metadata
    const fins = new Set(m.finalizers ?? [])
    const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined)
    if (policy === 'Orphan') {
      fins.add(knownFinalizers.orphan)
      fins.delete(knownFinalizers.foregroundDeletion)
    } else if (policy === 'Foreground') {
      fins.add(knownFinalizers.foregroundDeletion)
      fins.delete(knownFinalizers.orphan)
    } else if (policy === 'Background' && !current.metadata.deletionTimestamp) {
      fins.delete(knownFinalizers.orphan)
      fins.delete(knownFinalizers.foregroundDeletion)
    }
    // Upstream only adds GC finalizers when dependents may exist; an object with no finalizers
    // at all and Orphan/Foreground policy still waits for the garbage collector.
    const now = this.clock()
    // Only kinds with a graceful-deletion strategy (pods) honour a grace period; upstream's
    // BeforeDelete deletes everything else at once, whatever gracePeriodSeconds says.
    let grace = this.def.gracePeriodSeconds ? (opts.gracePeriodSeconds ?? this.def.gracePeriodSeconds(current) ?? 0) : 0
    // Any int64 is accepted; the deletion timestamp must stay a date (≈ 31 years at most).
    grace = Math.min(Math.max(grace, 0), 1e9)
    const pending = fins.size > 0 || (this.def.pendingFinalizers?.(current) ?? []).length > 0
    const already = current.metadata.deletionTimestamp !== undefined

    if (grace > 0 || pending) {
      const prevGrace = current.metadata.deletionGracePeriodSeconds ?? 0
      if (already) {
        // Shortening the grace period is allowed; otherwise deletion is already under way.
        if (grace >= prevGrace && isDeepStrictEqual([...fins].sort(), [...(current.metadata.finalizers ?? [])].sort())) {
          return { object: current, deleted: false }
        }
      }
      // Upstream BeforeDelete: a second delete may only shorten the grace period — down to 0,
      // so an object waiting on finalizers goes as soon as the last one is removed (a kubelet's
      // final delete of a pod the garbage collector still holds).
      if (!already || grace < prevGrace) {
        m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000))
        m.deletionGracePeriodSeconds = grace
      }
      m.finalizers = [...fins]
      if (m.finalizers.length === 0) delete m.finalizers
      this.def.prepareForDelete?.(next)
      if (this.def.generation && !already && (m.generation ?? 0) > 0) m.generation = (m.generation ?? 0) + 1
      if (opts.dryRun) return { object: next, deleted: false }
      try {
        const kv = await this.store.update(this.key(m.namespace, name), this.encode(next), Number(current.metadata.resourceVersion))
        return { object: this.decode(kv), deleted: false }
      } catch (err) {
        throw this.translateWriteError(err, name)
      }
    }
    if (opts.dryRun) return { object: current, deleted: true }
    try {
      const kv = await this.store.delete(this.key(m.namespace, name), Number(current.metadata.resourceVersion))
      return { object: this.decode(kv), deleted: true }
    } catch (err) {
      throw this.translateWriteError(err, name)
    }
  }

  /** What DELETE answers: the object for some kinds, a Success Status for the rest. */
  deleteResponse(result: DeleteResult): StoredObject | Status {
    if (!result.deleted || returnsDeletedObject.has(this.def.resource)) return result.object
    const m = result.object.metadata
    return successStatus({ name: m.name, group: this.def.group || undefined, kind: this.def.resource, uid: m.uid })
  }

  async deleteCollection(namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions): Promise<StoredObject[]> {
    const { items } = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector })
    const out: StoredObject[] = []
    for (const item of items) {
      try {
        const r = await this.delete(item.metadata.namespace, item.metadata.name!, opts)
        out.push(r.object)
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue
        throw err
      }
    }
    return out
  }

  // ---- watch --------------------------------------------------------------------------------

  /**
   * Watch as upstream: with no resourceVersion (or "0"), first ADDED for every current object,
   * then changes; from resourceVersion N, every change after N. Objects entering or leaving the
   * selector appear as ADDED / DELETED. A compacted N yields one ERROR event (410 Expired).
   */
  async *watch(namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncGenerator<ApiWatchEvent> {
    const filter = this.compileSelectors(opts.labelSelector, opts.fieldSelector)
    const filtered = Boolean(opts.labelSelector || opts.fieldSelector)
    const prefix = prefixOf(this.space, this.ns(namespace))
    let after: number
    const rv = opts.resourceVersion
    if (!rv || rv === '0' || opts.sendInitialEvents) {
      const list = await this.store.list(prefix, rv && rv !== '0' ? { revision: parseResourceVersion(rv) } : {})
      for (const kv of list.items) {
        const obj = this.decode(kv)
        if (filter(obj)) yield { type: 'ADDED', object: obj }
      }
      after = list.revision
      if (opts.sendInitialEvents) {
        const apiVersion = apiVersionOf(this.def.group, this.def.version)
        yield {
          type: 'BOOKMARK',
          object: { kind: this.def.kind, apiVersion, metadata: { resourceVersion: String(after), annotations: { 'k8s.io/initial-events-end': 'true' } } },
        }
      }
    } else {
      after = parseResourceVersion(rv)
    }
    try {
      for await (const ev of this.store.watch(prefix, { afterRevision: after, signal })) {
        const out = this.translate(ev, filter, filtered)
        if (out) yield out
      }
    } catch (err) {
      if (isStoreError(err, 'Expired')) {
        const compacted = await this.store.compactedRevision()
        yield { type: 'ERROR', object: errors.expired(`too old resource version: ${after} (${compacted})`).status }
        return
      }
      if (signal.aborted) return
      throw err
    }
  }

  /** `filtered`: the watch has selectors, so the previous version is decoded to tell an object entering them from one changing within them. */
  private translate(ev: WatchEvent, filter: (o: StoredObject) => boolean, filtered: boolean): ApiWatchEvent | undefined {
    if (ev.type === 'delete') {
      const obj = this.decode(ev.kv, ev.revision)
      return filter(obj) ? { type: 'DELETED', object: obj } : undefined
    }
    const obj = this.decode(ev.kv)
    const now = filter(obj)
    // Without selectors every version passes: the previous one need not be decoded (each update event carries it).
    const before = ev.prevKv ? !filtered || filter(this.decode(ev.prevKv)) : false
    if (now && (ev.type === 'create' || !before)) return { type: 'ADDED', object: obj }
    if (now) return { type: 'MODIFIED', object: obj }
    if (before) return { type: 'DELETED', object: obj }
    return undefined
  }
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.reason === 'Conflict' && err.status.details?.causes === undefined
}

function withoutManagedFieldTimes(o: StoredObject): unknown {
  const mf = o.metadata.managedFields?.map((e) => (e && typeof e === 'object' ? { ...e, time: undefined } : e))
  return { ...o, metadata: { ...o.metadata, managedFields: mf } }
}

export function parseResourceVersion(rv: string): number {
  const n = Number(rv)
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`)
  return n
}

/** SSA bodies are JSON or YAML (kubectl sends JSON). */
function parseApplyBody(body: string): KObject {
  let v: unknown
  try {
    v = JSON.parse(body)
  } catch {
    v = parseYaml(body)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the applied configuration must be an object')
  return v as KObject
}
