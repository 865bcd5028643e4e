// Server-side apply and managedFields for the built-in kinds: an in-house port of
// sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery/pkg/util/managedfields.

export type { FieldSet } from './fieldset.js'
export { union, difference, intersection, isEmptyFieldSet } from './fieldset.js'
export { pathToString } from './pathelement.js'
export { fieldSetFromObject } from './fieldsfromobject.js'
export { serverSideApply, gvkString, type ServerSideApplyOptions, type ServerSideApplyResult } from './apply.js'
export { updateManagedFields, type UpdateManagedFieldsOptions } from './update.js'
export { ApplyError, ApplyConflictError, conflictMessage, printManager, type Conflict, type StatusCause } from './errors.js'
export { managerFromUserAgent, managerOrUserAgent, validateFieldManager, validateForce, fieldManagerMaxLength } from './manager.js'
export type { ManagedFieldsEntry } from './managed.js'
