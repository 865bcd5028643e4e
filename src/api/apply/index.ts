// Server-side apply and managedFields for the built-in kinds: an in-house port of
// sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery/pkg/util/managedfields.
//
// Wiring, as the upstream handlers do it:
//  - create / update / patch (not apply): after defaulting, before storing,
//      obj.metadata.managedFields = updateManagedFields({ live, updated: obj,
//        manager: managerOrUserAgent(query.fieldManager, userAgent), subresource, apiVersion, now,
//        schema, resolve, resetFields })            // undefined → leave managedFields out
//  - apply (application/apply-patch+yaml): validateFieldManager(name, { apply: true }) and
//    validateForce first (422 `PatchOptions.meta.k8s.io "" is invalid: ...`), then
//      const { object } = serverSideApply({ live, applied: body, manager, force, schema, resolve,
//        apiVersion, kind, now, resetFields })     // live undefined → create (201)
//    then defaulting, validation and storage as for any write.
//  - errors: ApplyError carries code and reason (400 BadRequest; 500 with reason '' like a plain Go
//    error); ApplyConflictError (409 Conflict) also carries `causes` for details.causes.
//  - resetFields: what the kind's strategy resets, e.g. `{"f:status":{}}` for the main resource of
//    a kind with a status subresource; for Deployments' /status `{"f:spec":{},"f:metadata":{"f:labels":{}}}`.

export type { FieldSet } from './fieldset.js'
export { union, difference, intersection, isEmptyFieldSet } from './fieldset.js'
export { pathToString } from './pathelement.js'
export { fieldSetFromObject } from './fieldsfromobject.js'
export { serverSideApply, gvkString, type ServerSideApplyOptions, type ServerSideApplyResult } from './apply.js'
export { updateManagedFields, type UpdateManagedFieldsOptions } from './update.js'
export { ApplyError, ApplyConflictError, conflictMessage, printManager, type Conflict, type StatusCause } from './errors.js'
export { managerFromUserAgent, managerOrUserAgent, validateFieldManager, validateForce, fieldManagerMaxLength } from './manager.js'
export type { ManagedFieldsEntry } from './managed.js'
