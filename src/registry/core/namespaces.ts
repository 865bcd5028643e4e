// core/v1 Namespace (upstream pkg/registry/core/namespace/strategy.go, SetDefaults_Namespace).
import type { Namespace } from 'kubernetes-types/core/v1.js'
import { clone, finalizers, wellKnown, type StoredObject } from '../../apis/meta.js'
import { invalid, isDNS1123Label, isQualifiedName, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { isObj, list, objOf, str, type Obj } from './util.js'

export type NamespaceObj = StoredObject & Namespace

const standardFinalizers = new Set([finalizers.namespaceKubernetes, finalizers.orphan, finalizers.foregroundDeletion])

/** apimachinery ValidateFinalizerName plus core's "standard or fully qualified" rule. */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m))
  if (!name.includes('/') && !standardFinalizers.has(name as never))
    errs.push(invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'))
  return errs
}

export const namespacesResource: ResourceDef<NamespaceObj> = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  nameValidator: isDNS1123Label,
  hasStatus: true,

  /** The kubernetes.io/metadata.name label always names the namespace (set on create and update). */
  defaults(ns) {
    const name = ns.metadata.name
    if (!name) return
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [wellKnown.metadataName]: name }
  },
  prepareForCreate(ns) {
    ;(ns as Obj).status = { phase: 'Active' }
    const spec = objOf(ns.spec)
    const fins = list(spec.finalizers)
    if (!fins.includes(finalizers.namespaceKubernetes)) spec.finalizers = [...fins, finalizers.namespaceKubernetes]
    ;(ns as Obj).spec = spec
  },
  /** spec.finalizers change only through the finalize subresource. */
  prepareForUpdate(ns, old) {
    const spec = objOf(ns.spec)
    const oldSpec = objOf(old.spec)
    if (oldSpec.finalizers === undefined) delete spec.finalizers
    else spec.finalizers = oldSpec.finalizers
    ;(ns as Obj).spec = spec
  },
  validate(ns) {
    // Upstream reports these at `spec.finalizers`, without an index.
    return list(objOf(ns.spec).finalizers).flatMap((f) => validateFinalizerName(str(f), 'spec.finalizers'))
  },
  validateUpdate() {
    return []
  },
  specSubresources: {
    /** namespaces/{name}/finalize: only spec.finalizers changes (upstream finalizeREST). */
    finalize: {
      verbs: ['update'],
      compose(current, body) {
        const next = clone(current)
        const spec = { ...objOf(current.spec) }
        const wanted = list(objOf(body.spec).finalizers)
        if (wanted.length) spec.finalizers = [...wanted]
        else delete spec.finalizers
        ;(next as Obj).spec = spec
        return next
      },
      validateUpdate: (ns) => list(objOf(ns.spec).finalizers).flatMap((f) => validateFinalizerName(str(f), 'spec.finalizers')),
    },
  },
  pendingFinalizers(ns) {
    return list(objOf(ns.spec).finalizers).map(str)
  },
  prepareForDelete(ns) {
    const status = isObj(ns.status) ? (ns.status as Obj) : {}
    status.phase = 'Terminating'
    ;(ns as Obj).status = status
  },

  table: {
    columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
    cells: (ns, now) => [ns.metadata.name, str(objOf(ns.status).phase), age(ns.metadata.creationTimestamp, now)],
  },
  fieldSelectors: {
    'status.phase': (ns) => str(objOf(ns.status).phase),
  },
}
