// PATCH bodies: picks the patch type from the Content-Type, decodes the body as the API server's
// Go decoder would (same error texts), and applies it to the stored object. Server-side apply
// (application/apply-patch+yaml) is handled elsewhere and refused here.
//
// Every client-visible failure is a PatchError carrying upstream's code, reason and message.
import type { Schema, SchemaResolver } from '../../apis/schema.js'
import { PatchError, withDepthGuard } from './errors.js'
import { decodeGoJson, decodeGoJsonObject, GoJsonError } from './gojson.js'
import { applyJsonPatch } from './json.js'
import { applyMergePatch } from './merge.js'
import { applyStrategicMergePatch } from './strategic.js'

export { PatchError, genericInvalidMessage, isPatchError, type PatchErrorReason } from './errors.js'
export { applyJsonPatch, maxJsonPatchOperations, type JsonPatchOperation } from './json.js'
export { applyMergePatch, createMergePatch } from './merge.js'
export { applyStrategicMergePatch, unsupportedStrategicMergePatchMessage } from './strategic.js'

export const jsonPatchType = 'application/json-patch+json'
export const mergePatchType = 'application/merge-patch+json'
export const strategicMergePatchType = 'application/strategic-merge-patch+json'
export const applyPatchType = 'application/apply-patch+yaml'

export type PatchType = typeof jsonPatchType | typeof mergePatchType | typeof strategicMergePatchType | typeof applyPatchType

/** The patch types a built-in resource accepts, in the order the API server lists them. */
export const builtinPatchTypes: readonly PatchType[] = [jsonPatchType, mergePatchType, strategicMergePatchType, applyPatchType]
/** Custom resources have no Go types, so no strategic merge patch. */
export const customResourcePatchTypes: readonly PatchType[] = [jsonPatchType, mergePatchType, applyPatchType]

export interface ApplyPatchOptions {
  /** Schema of the object's kind: the patch strategies and merge keys of strategic merge patch. */
  schema?: Schema
  /** Follows `$ref`s in `schema`. */
  resolve?: SchemaResolver
  /**
   * A custom resource: strategic merge patch is refused (415), and `null`s stay in the result.
   * For built-ins, `null` values inside objects are dropped from the result, as decoding it into
   * the Go type does upstream (a null field is the zero value, left out of the JSON).
   */
  customResource?: boolean
}

/**
 * The patch type named by a PATCH request's Content-Type (parameters after `;` are ignored, as
 * upstream does), or a 415 listing what the resource accepts.
 */
export function patchTypeOf(contentType: string | undefined, customResource = false): PatchType {
  let type = contentType ?? ''
  const semi = type.indexOf(';')
  if (semi > 0) type = type.slice(0, semi)
  const accepted = customResource ? customResourcePatchTypes : builtinPatchTypes
  if ((accepted as readonly string[]).includes(type)) return type as PatchType
  throw new PatchError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  )
}

/**
 * Applies a PATCH body to the stored object `original` (not changed) and returns the new object.
 * @throws PatchError for anything the client got wrong; a plain Error for apply-patch+yaml,
 *   which must be routed to server-side apply instead.
 */
export function applyPatch(
  contentType: string | undefined,
  original: Record<string, unknown>,
  patchBody: Buffer | string,
  options: ApplyPatchOptions = {},
): Record<string, unknown> {
  const type = patchTypeOf(contentType, options.customResource)
  let result: unknown
  switch (type) {
    case jsonPatchType: {
      const ops = decode(() => decodeGoJson(patchBody), 'error decoding patch: ')
      result = applyJsonPatch(original, ops)
      break
    }
    case mergePatchType: {
      const patch = decode(() => decodeGoJsonObject(patchBody), 'error decoding patch: ')
      // jsonpatch.MergePatch refuses a `null` patch.
      if (patch === undefined) throw PatchError.badRequest('Invalid JSON Patch')
      result = applyMergePatch(original, patch)
      break
    }
    case strategicMergePatchType: {
      const patch = decode(() => decodeGoJsonObject(patchBody), '')
      result = applyStrategicMergePatch(original, patch ?? null, options.schema, options.resolve)
      break
    }
    case applyPatchType:
      throw new Error(`${applyPatchType} is server-side apply, which this module does not handle`)
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    // The patched JSON does not decode into the kind's Go type.
    const json = JSON.stringify(result)
    throw new PatchError(
      422,
      'Invalid',
      ` "" is invalid: patch: Invalid value: ${JSON.stringify(json)}: json: cannot unmarshal ${Array.isArray(result) ? 'array' : result === null ? 'null' : typeof result} into Go value of type map[string]interface {}`,
    )
  }
  const object = result as Record<string, unknown>
  return options.customResource ? object : withDepthGuard(() => dropNulls(object))
}

function decode<T>(fn: () => T, prefix: string): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof GoJsonError) throw PatchError.badRequest(prefix + err.message)
    throw err
  }
}

/** Removes null-valued keys from every object within `v` (in place); list items stay. */
function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const item of v) dropNulls(item)
  } else if (typeof v === 'object' && v !== null) {
    const m = v as Record<string, unknown>
    for (const k of Object.keys(m)) {
      if (m[k] === null) delete m[k]
      else dropNulls(m[k])
    }
  }
  return v
}
