// The fields an applied configuration owns, as fieldsV1.

import type { Schema, SchemaResolver } from '../../apis/schema.js'
import { differenceTrees, treeToFieldSet, type FieldSet } from './fieldset.js'
import type { Json } from './pathelement.js'
import { toFieldTree } from './tofieldset.js'
import { unownedFields } from './update.js'

/**
 * The set of fields `obj` specifies, in fieldsV1 form, without the fields nobody owns
 * (apiVersion, kind, metadata.name, ...): what an apply of `obj` would own.
 */
export function fieldSetFromObject(obj: unknown, schema: Schema, resolve: SchemaResolver): FieldSet {
  return treeToFieldSet(differenceTrees(toFieldTree(obj as Json, schema, { resolve }), unownedFields))
}
