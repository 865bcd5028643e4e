// What the API server needs to know about one kind. Each resource file in registry/ exports one
// ResourceDef; registry/index.ts lists them. The generic machinery (registry/rest.ts and api/)
// handles metadata (name, uid, resourceVersion, generation, timestamps, finalizers, ownerReferences,
// labels/annotations validation), storage, watch, patch and Table framing; a ResourceDef only says
// what is specific to its kind.
import type { KObject, StoredObject } from '../apis/meta.js'
import type { FieldError, NameValidator } from '../apis/validation.js'

export interface TableColumn {
  name: string
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  format: '' | 'name' | 'date'
  description: string
  /** 0: always shown; 1: only with `-o wide`. */
  priority: 0 | 1
}

export interface TableDef<T = StoredObject> {
  columns: TableColumn[]
  /** One row's cells, in column order. `now` is injected so AGE is deterministic in tests. */
  cells(obj: T, now: Date): unknown[]
}

/** How the `scale` subresource (autoscaling/v1 Scale) maps onto the kind. */
export interface ScaleDef<T = StoredObject> {
  specReplicas(obj: T): number
  statusReplicas(obj: T): number
  /** Label selector in string form (`app=web,tier in (a,b)`), as status.selector of Scale. */
  selector(obj: T): string
  /** Return a copy with spec.replicas set. */
  withReplicas(obj: T, replicas: number): T
}

/** Two API versions of one stored kind (core/v1 Event ↔ events.k8s.io/v1 Event). */
export interface StorageDef<T = StoredObject> {
  /** The group and resource the objects are stored under, e.g. { group: '', resource: 'events' }. */
  group: string
  resource: string
  /** This version's object → the stored form (the storage owner's version). */
  toStorage(obj: T): StoredObject
  /** The stored form → this version's object. */
  fromStorage(stored: StoredObject): T
}

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch'

export const allVerbs: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export interface ResourceDef<T extends StoredObject = StoredObject> {
  group: string
  version: string
  kind: string
  /** Plural, lower case: `deployments`. */
  resource: string
  /** Singular, lower case: `deployment`. */
  singular: string
  namespaced: boolean
  shortNames?: string[]
  /** `['all']` for kinds that `kubectl get all` lists. */
  categories?: string[]
  /** Default: allVerbs. */
  verbs?: Verb[]
  /** A Warning every request to this version answers with (a CRD's deprecated version). */
  deprecationWarning?: string

  /** Which name rule applies to metadata.name (upstream: mostly DNS-1123 subdomain). */
  nameValidator: NameValidator

  /**
   * Set for a kind computed on request instead of stored (metrics.k8s.io, which upstream's
   * aggregated metrics-server serves): get and list answer from it, every other verb is a 405.
   */
  computed?: ComputedSource<T>

  /** Set when this version is stored under another resource (see StorageDef). */
  storage?: StorageDef<T>

  /**
   * True when the kind has a status subresource: the main resource ignores changes to `status`
   * (create clears it, update keeps the old one) and `/status` changes only `status`.
   */
  hasStatus?: boolean
  /**
   * `/status` also takes the client's annotations (upstream's deploymentStatusStrategy resets only
   * spec and labels: the deployment controller records the revision annotation that way, without
   * bumping the generation).
   */
  statusTakesAnnotations?: boolean
  /**
   * With hasStatus: writes to the main resource take `status` too (Argo's AnalysisRun and
   * Experiment CRDs declare no status subresource and Argo's controllers patch the object itself).
   */
  statusOnMainResource?: boolean
  /** Keep a status sent on create (nodes: the kubelet registers with status filled in). */
  keepStatusOnCreate?: boolean
  /** Subresource `scale`. */
  scale?: ScaleDef<T>
  /**
   * Subresources that change one part of the spec and nothing else (namespaces `finalize`, pods
   * `ephemeralcontainers`), served with the kind's own object as body and answer.
   */
  specSubresources?: Record<string, SpecSubresource<T>>

  /**
   * True when metadata.generation counts spec changes (Deployment, ReplicaSet, ...): 1 on create,
   * +1 whenever anything but metadata and status changes.
   */
  generation?: boolean

  /** Upstream defaulting (SetDefaults_*), applied on create, update and patch. Mutates. */
  defaults?(obj: T): void
  /** Kind-specific validation on create (metadata is validated generically). */
  validate?(obj: T): FieldError[]
  /** Kind-specific validation on update; default: validate(obj). Immutable fields go here. */
  validateUpdate?(obj: T, old: T): FieldError[]
  /** Kind-specific changes before create (upstream PrepareForCreate), e.g. set status.phase. Mutates. */
  prepareForCreate?(obj: T): void
  /** Before update of the main resource (upstream PrepareForUpdate). Mutates `obj`. */
  prepareForUpdate?(obj: T, old: T): void

  table: TableDef<T>

  /**
   * Field selector keys beyond metadata.name and metadata.namespace (which the generic layer
   * supports for every kind), e.g. pods: `spec.nodeName`, `status.phase`.
   */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>

  /**
   * Graceful deletion: seconds to wait before the object is really removed (pods:
   * terminationGracePeriodSeconds, default 30). Undefined: delete at once.
   */
  gracePeriodSeconds?(obj: T): number | undefined

  /**
   * Finalizers beyond metadata.finalizers that hold deletion (namespaces: spec.finalizers, which
   * only the `finalize` subresource may change). The object is removed when both are empty.
   */
  pendingFinalizers?(obj: T): string[]
  /** Changes when deletion starts but must wait (namespaces: status.phase = Terminating). Mutates. */
  prepareForDelete?(obj: T): void
}

/** The objects of a computed kind; get throws the StatusError to answer (404...). */
export interface ComputedSource<T extends StoredObject = StoredObject> {
  list(namespace: string | undefined): Promise<T[]>
  get(namespace: string | undefined, name: string): Promise<T>
}

/** A subresource writing one part of the spec (upstream: a strategy of its own over the same storage). */
export interface SpecSubresource<T extends StoredObject = StoredObject> {
  /** Discovery verbs: `['update']` for finalize; `['get', 'patch', 'update']` for ephemeralcontainers. */
  verbs: Verb[]
  /** The next object: the current one with the client's part taken from `body`. Must not mutate its arguments. */
  compose(current: T, body: T): T
  /** Validation of the change (metadata is validated generically); default: the kind's validateUpdate. */
  validateUpdate?(obj: T, old: T): FieldError[]
}

/** The generic shape of a list returned by the API. */
export interface KList extends KObject {
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  items: KObject[]
}
