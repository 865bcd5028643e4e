// The message table (table.ts) parsed into field specs, once per message, on first use.
//
// Table format: one string per message of space-separated fields `json=number:type[suffix]`:
//   json     the JSON name; `^name` marks a Go struct embedded `json:",inline"` (its fields are
//            promoted into the parent object; `name` is the proto field name)
//   type     a proto scalar (string, bytes, bool, int32, int64, ...), a special type
//            (Time, MicroTime, IntOrString, Quantity, FieldsV1; see kinds.ts) or a message `pkg.Name`
//   suffix   `[]` repeated, `{}` map<string, type>, `*` a Go pointer (present on the wire = set),
//            `?` a Go value with `omitempty` (its zero value is left out of the JSON); `[]?` and
//            `{}?` a slice or map with `omitempty` (left out of the JSON when empty);
//            none: a Go value without omitempty (always in the JSON, zero or not)
import { messageTable } from './table.js'
import { rootKinds, specialTypes, type SpecialType } from './kinds.js'

export type ScalarType =
  | 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64'
  | 'double' | 'float' | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64'

export interface FieldSpec {
  /** JSON name ('' for an inline struct). */
  json: string
  num: number
  /** Scalar, special, or message name. */
  type: string
  kind: 'scalar' | 'special' | 'message'
  label: 'single' | 'repeated' | 'map'
  pointer: boolean
  omitempty: boolean
  inline: boolean
}

export interface MessageSpec {
  name: string
  /** Fields in declaration order (the order Go writes JSON keys). */
  fields: FieldSpec[]
  byNumber: Map<number, FieldSpec>
}

const scalars = new Set<string>(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64'])

export function isSpecialType(type: string): type is SpecialType {
  return Object.hasOwn(specialTypes, type)
}

const fieldPattern = /^(\^?)(\w+)=(\d+):([\w.]+)(\[\]\??|\{\}\??|\*|\?)?$/

/** Parses one field of the table format; throws on a malformed entry (a bug in the table). */
export function parseField(text: string): FieldSpec {
  const m = fieldPattern.exec(text)
  if (!m) throw new Error(`protobuf schema: malformed field ${JSON.stringify(text)}`)
  const [, caret, name, num, type, suffix = ''] = m
  return {
    json: caret ? '' : name,
    num: Number(num),
    type,
    kind: scalars.has(type) ? 'scalar' : isSpecialType(type) ? 'special' : 'message',
    label: suffix.startsWith('[]') ? 'repeated' : suffix.startsWith('{}') ? 'map' : 'single',
    pointer: suffix === '*',
    omitempty: suffix.endsWith('?'),
    inline: caret === '^',
  }
}

const cache = new Map<string, MessageSpec>()

/** The spec of a message in the table, or undefined. */
export function messageSpec(name: string): MessageSpec | undefined {
  const hit = cache.get(name)
  if (hit) return hit
  if (!Object.hasOwn(messageTable, name)) return undefined
  const fields = messageTable[name].split(' ').map(parseField)
  const spec: MessageSpec = { name, fields, byNumber: new Map(fields.map((f) => [f.num, f])) }
  cache.set(name, spec)
  return spec
}

/** The message for an apiVersion and kind we decode, or undefined. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const key = `${apiVersion} ${kind}`
  return Object.hasOwn(rootKinds, key) ? rootKinds[key] : undefined
}
