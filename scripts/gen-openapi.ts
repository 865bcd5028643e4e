// Generates src/apis/openapi/definitions.json: OpenAPI v2-style definitions of the built-in kinds,
// named as upstream names them (`io.k8s.api.apps.v1.Deployment`).
//
//   npx tsx scripts/gen-openapi.ts                  # d.ts + overlay.json → definitions.json
//   npx tsx scripts/gen-openapi.ts --derive-overlay <kubernetes/api tree> <kubernetes/apimachinery tree>
//
// Structure, descriptions and required fields come from kubernetes-types (node_modules, v1.30,
// parsed with the TypeScript compiler API). What those .d.ts files cannot say — integer formats,
// enums, and the patch/list/map extensions SMP and SSA need — comes from overlay.json, which the
// second form derives once from the Go types of kubernetes/api and kubernetes/apimachinery at
// v0.32.4 (`git archive v0.32.4 core/v1 apps/v1 ...` of each repository) and which is committed.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

type Json = Record<string, unknown>
type Schema = Json

const root = new URL('..', import.meta.url).pathname
const outDir = join(root, 'src/apis/openapi')
const typesDir = join(root, 'node_modules/kubernetes-types')

// ---------------------------------------------------------------------------------------------
// Which kinds are served, hence which definitions are kept (everything reachable from these).

interface Root {
  prefix: string
  group: string
  version: string
  kinds: string[]
}

const listed = (kinds: string[]) => kinds.flatMap((k) => [k, `${k}List`])

export const roots: Root[] = [
  {
    prefix: 'io.k8s.api.core.v1',
    group: '',
    version: 'v1',
    kinds: [
      ...listed(['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event', 'ResourceQuota', 'LimitRange', 'PersistentVolumeClaim', 'PersistentVolume', 'ReplicationController']),
      'Binding',
    ],
  },
  {
    prefix: 'io.k8s.api.apps.v1',
    group: 'apps',
    version: 'v1',
    kinds: listed(['Deployment', 'ReplicaSet', 'ControllerRevision', 'StatefulSet', 'DaemonSet']),
  },
  { prefix: 'io.k8s.api.batch.v1', group: 'batch', version: 'v1', kinds: listed(['Job', 'CronJob']) },
  { prefix: 'io.k8s.api.discovery.v1', group: 'discovery.k8s.io', version: 'v1', kinds: listed(['EndpointSlice']) },
  { prefix: 'io.k8s.api.coordination.v1', group: 'coordination.k8s.io', version: 'v1', kinds: listed(['Lease']) },
  { prefix: 'io.k8s.api.events.v1', group: 'events.k8s.io', version: 'v1', kinds: listed(['Event']) },
  { prefix: 'io.k8s.api.networking.v1', group: 'networking.k8s.io', version: 'v1', kinds: listed(['Ingress', 'IngressClass', 'NetworkPolicy']) },
  { prefix: 'io.k8s.api.rbac.v1', group: 'rbac.authorization.k8s.io', version: 'v1', kinds: listed(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) },
  {
    prefix: 'io.k8s.api.authorization.v1',
    group: 'authorization.k8s.io',
    version: 'v1',
    kinds: ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview'],
  },
  { prefix: 'io.k8s.api.authentication.v1', group: 'authentication.k8s.io', version: 'v1', kinds: ['SelfSubjectReview', 'TokenRequest'] },
  { prefix: 'io.k8s.api.policy.v1', group: 'policy', version: 'v1', kinds: [...listed(['PodDisruptionBudget']), 'Eviction'] },
  { prefix: 'io.k8s.api.scheduling.v1', group: 'scheduling.k8s.io', version: 'v1', kinds: listed(['PriorityClass']) },
  { prefix: 'io.k8s.api.storage.v1', group: 'storage.k8s.io', version: 'v1', kinds: listed(['StorageClass']) },
  {
    prefix: 'io.k8s.api.admissionregistration.v1',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kinds: listed(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']),
  },
  { prefix: 'io.k8s.api.autoscaling.v1', group: 'autoscaling', version: 'v1', kinds: ['Scale', ...listed(['HorizontalPodAutoscaler'])] },
  { prefix: 'io.k8s.api.autoscaling.v2', group: 'autoscaling', version: 'v2', kinds: listed(['HorizontalPodAutoscaler']) },
  { prefix: 'io.k8s.api.certificates.v1', group: 'certificates.k8s.io', version: 'v1', kinds: listed(['CertificateSigningRequest']) },
]

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'
/** meta/v1 kinds every group version serves (upstream lists one GVK per group version). */
const metaKinds = ['DeleteOptions', 'WatchEvent']
const extraRoots = [
  `${meta}.Status`,
  `${meta}.DeleteOptions`,
  `${meta}.WatchEvent`,
  `${meta}.Patch`,
  `${meta}.APIResourceList`,
  `${meta}.APIGroupList`,
  `${meta}.APIGroup`,
  `${meta}.APIVersions`,
]

// ---------------------------------------------------------------------------------------------
// Part 1: kubernetes-types .d.ts → definitions

/** d.ts module (relative to kubernetes-types) → definition name prefix. */
const modulePrefixes: Record<string, string> = {
  'core/v1': 'io.k8s.api.core.v1',
  'apps/v1': 'io.k8s.api.apps.v1',
  'batch/v1': 'io.k8s.api.batch.v1',
  'discovery/v1': 'io.k8s.api.discovery.v1',
  'coordination/v1': 'io.k8s.api.coordination.v1',
  'events/v1': 'io.k8s.api.events.v1',
  'autoscaling/v1': 'io.k8s.api.autoscaling.v1',
  'networking/v1': 'io.k8s.api.networking.v1',
  'rbac/v1': 'io.k8s.api.rbac.v1',
  'authorization/v1': 'io.k8s.api.authorization.v1',
  'authentication/v1': 'io.k8s.api.authentication.v1',
  'policy/v1': 'io.k8s.api.policy.v1',
  'scheduling/v1': 'io.k8s.api.scheduling.v1',
  'storage/v1': 'io.k8s.api.storage.v1',
  'admissionregistration/v1': 'io.k8s.api.admissionregistration.v1',
  'autoscaling/v2': 'io.k8s.api.autoscaling.v2',
  'certificates/v1': 'io.k8s.api.certificates.v1',
  'meta/v1': meta,
  runtime: 'io.k8s.apimachinery.pkg.runtime',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
}

const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'

/** Types whose wire form is not their Go struct (custom JSON marshalling upstream). */
const special: Record<string, (description: string) => Schema> = {
  [`${meta}.Time`]: (d) => ({ description: d, type: 'string', format: 'date-time' }),
  [`${meta}.MicroTime`]: (d) => ({ description: d, type: 'string', format: 'date-time' }),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': (d) => ({ description: d, type: 'string' }),
  [`${meta}.FieldsV1`]: (d) => ({ description: d, type: 'object' }),
  'io.k8s.apimachinery.pkg.runtime.RawExtension': (d) => ({ description: d, type: 'object' }),
  [`${meta}.Patch`]: (d) => ({ description: d, type: 'object' }),
}

// kubernetes-types inlines IntOrString as `number | string`; upstream's description (intstr.go).
const intOrStringSchema: Schema = {
  description:
    'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
  type: 'string',
  format: 'int-or-string',
  'x-kubernetes-int-or-string': true,
}

/** The text of a JSDoc comment, exactly: only the ` * ` prefix of each line is removed. */
function jsDocText(node: ts.Node, source: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? []
  const doc = ranges.filter((r) => source.text.startsWith('/**', r.pos)).pop()
  if (!doc) return ''
  const raw = source.text.slice(doc.pos + 3, doc.end - 2)
  if (!raw.includes('\n')) return raw.trim()
  const lines = raw.split('\n').map((l) => l.replace(/^\s*\* ?/, ''))
  while (lines.length && lines[0].trim() === '') lines.shift()
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop()
  return lines.join('\n').replace(/[ \t]+$/gm, (m, off, s: string) => (s[off - 1] === '\n' ? m : ''))
}

interface ModuleInfo {
  prefix: string
  /** Imported name → definition prefix. */
  imports: Map<string, string>
}

function moduleOf(specifier: string, from: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const p of specifier.split('/')) {
    if (p === '..') parts.pop()
    else if (p !== '.') parts.push(p)
  }
  return parts.join('/')
}

function typeSchema(t: ts.TypeNode, mod: ModuleInfo, source: ts.SourceFile): Schema {
  if (ts.isParenthesizedTypeNode(t)) return typeSchema(t.type, mod, source)
  if (t.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' }
  if (t.kind === ts.SyntaxKind.NumberKeyword) return { type: 'integer' }
  if (t.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' }
  if (ts.isLiteralTypeNode(t)) return { type: 'string' }
  if (ts.isUnionTypeNode(t)) {
    const kinds = t.types.map((u) => u.kind).sort()
    if (kinds.join() === [ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.StringKeyword].sort().join())
      return { $ref: `#/definitions/${intOrString}` }
    throw new Error(`unsupported union ${t.getText(source)}`)
  }
  if (ts.isArrayTypeNode(t)) return { type: 'array', items: typeSchema(t.elementType, mod, source) }
  if (ts.isTypeLiteralNode(t)) {
    const index = t.members.find(ts.isIndexSignatureDeclaration)
    if (index?.type) return { type: 'object', additionalProperties: typeSchema(index.type, mod, source) }
    throw new Error(`unsupported type literal ${t.getText(source)}`)
  }
  if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName.getText(source)
    if (name === 'Array' && t.typeArguments?.length === 1)
      return { type: 'array', items: typeSchema(t.typeArguments[0], mod, source) }
    if (name === 'Record' && t.typeArguments?.length === 2)
      return { type: 'object', additionalProperties: typeSchema(t.typeArguments[1], mod, source) }
    const prefix = mod.imports.get(name) ?? mod.prefix
    return { $ref: `#/definitions/${prefix}.${name}` }
  }
  throw new Error(`unsupported type ${t.getText(source)}`)
}

function readTypes(): Map<string, Schema> {
  const defs = new Map<string, Schema>()
  for (const [module, prefix] of Object.entries(modulePrefixes)) {
    const file = join(typesDir, `${module}.d.ts`)
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const mod: ModuleInfo = { prefix, imports: new Map() }
    for (const stmt of source.statements) {
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const target = modulePrefixes[moduleOf(stmt.moduleSpecifier.text, module)]
        const named = stmt.importClause?.namedBindings
        if (target && named && ts.isNamedImports(named)) for (const el of named.elements) mod.imports.set(el.name.text, target)
      }
    }
    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt)) {
        const name = `${prefix}.${stmt.name.text}`
        const description = jsDocText(stmt, source)
        if (special[name]) {
          defs.set(name, special[name](description))
          continue
        }
        const properties: Record<string, Schema> = {}
        const required: string[] = []
        for (const m of stmt.members) {
          if (!ts.isPropertySignature(m) || !m.type) continue
          const field = m.name.getText(source).replace(/^"|"$/g, '')
          const schema = typeSchema(m.type, mod, source)
          const d = jsDocText(m, source)
          properties[field] = d ? { description: d, ...schema } : schema
          if (!m.questionToken) required.push(field)
        }
        const def: Schema = { description, type: 'object' }
        if (Object.keys(properties).length) def.properties = properties
        if (required.length) def.required = required
        defs.set(name, def)
      } else if (ts.isTypeAliasDeclaration(stmt)) {
        const name = `${prefix}.${stmt.name.text}`
        const description = jsDocText(stmt, source)
        defs.set(name, special[name] ? special[name](description) : { description, ...typeSchema(stmt.type, mod, source) })
      }
    }
  }
  defs.set(intOrString, intOrStringSchema)
  return defs
}

function refsOf(schema: unknown, out: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) refsOf(s, out)
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/definitions/', ''))
      else refsOf(v, out)
    }
  }
}

function reachable(defs: Map<string, Schema>, start: string[]): string[] {
  const seen = new Set<string>()
  const queue = [...start]
  while (queue.length) {
    const name = queue.pop()!
    if (seen.has(name)) continue
    const def = defs.get(name)
    if (!def) throw new Error(`missing definition ${name}`)
    seen.add(name)
    const refs = new Set<string>()
    refsOf(def, refs)
    queue.push(...refs)
  }
  return [...seen].sort()
}

// ---------------------------------------------------------------------------------------------
// Overlay: merged over the d.ts-derived definitions.

interface OverlayDef {
  'x-kubernetes-map-type'?: string
  properties?: Record<string, OverlayProperty>
}

type OverlayProperty = Schema & { enumDescription?: string }

function deepMerge(into: Json, from: Json): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k]
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur))
      deepMerge(cur as Json, v as Json)
    else into[k] = v
  }
}

/** Go float fields are `number` upstream; kubernetes-types says only `number`, parsed as integer. */
function fixNumberTypes(s: Json): void {
  if (s.format === 'double' || s.format === 'float') s.type = 'number'
  if (s.items) fixNumberTypes(s.items as Json)
  if (s.additionalProperties && typeof s.additionalProperties === 'object') fixNumberTypes(s.additionalProperties as Json)
}

/**
 * Fields of the 1.32 Go types that kubernetes-types drops (the admission rules inline a `Rule`
 * struct whose `resources` and `scope` its generator loses): added with upstream's shape and words.
 */
const ruleResources = {
  type: 'array',
  items: { type: 'string', default: '' },
  description:
    "Resources is a list of resources this rule applies to.\n\nFor example: 'pods' means pods. 'pods/log' means the log subresource of pods. '*' means all resources, but not subresources. 'pods/*' means all subresources of pods. '*/scale' means all scale subresources. '*/*' means all resources and their subresources.\n\nIf wildcard is present, the validation rule will ensure resources do not overlap with each other.\n\nDepending on the enclosing object, subresources might not be allowed. Required.",
}
const ruleScope = {
  type: 'string',
  description:
    'scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*" "Cluster" means that only cluster-scoped resources will match this rule. Namespace API objects are cluster-scoped. "Namespaced" means that only namespaced resources will match this rule. "*" means that there are no scope restrictions. Subresources match the scope of their parent resource. Default is "*".',
}
const droppedFields: Record<string, Json> = {
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations.resources': ruleResources,
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations.scope': ruleScope,
  'io.k8s.api.admissionregistration.v1.RuleWithOperations.resources': ruleResources,
  'io.k8s.api.admissionregistration.v1.RuleWithOperations.scope': ruleScope,
}

function applyOverlay(defs: Map<string, Schema>, names: string[], overlay: Record<string, OverlayDef>): string[] {
  const unused: string[] = []
  for (const [name, o] of Object.entries(overlay)) {
    const def = defs.get(name)
    if (!def || !names.includes(name)) continue
    if (o['x-kubernetes-map-type']) def['x-kubernetes-map-type'] = o['x-kubernetes-map-type']
    const props = (def.properties ?? {}) as Record<string, Json>
    for (const [field, extra] of Object.entries(o.properties ?? {})) {
      const dropped = droppedFields[`${name}.${field}`]
      if (!props[field] && dropped) props[field] = structuredClone(dropped)
      const p = props[field]
      if (!p) {
        unused.push(`${name}.${field}`)
        continue
      }
      const { enumDescription, ...rest } = extra
      if (p.$ref && (rest.format || rest.items || rest.additionalProperties)) continue // a ref stays a ref
      deepMerge(p, rest)
      if (enumDescription) p.description = p.description ? `${p.description}\n\n${enumDescription}` : enumDescription
      fixNumberTypes(p)
    }
  }
  return unused
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Json)[k])]),
    )
  return v
}

function generate(): void {
  const defs = readTypes()
  const overlay = JSON.parse(readFileSync(join(outDir, 'overlay.json'), 'utf8')) as Record<string, OverlayDef>
  const start = [...roots.flatMap((r) => r.kinds.map((k) => `${r.prefix}.${k}`)), ...extraRoots]
  const names = reachable(defs, start)
  const unused = applyOverlay(defs, names, overlay)
  if (unused.length) console.error(`overlay fields absent from kubernetes-types (${unused.length}): ${unused.join(', ')}`)

  for (const r of roots)
    for (const k of r.kinds)
      defs.get(`${r.prefix}.${k}`)!['x-kubernetes-group-version-kind'] = [{ group: r.group, kind: k, version: r.version }]
  const gvs = [...new Map(roots.map((r) => [`${r.group}/${r.version}`, r])).values()].sort((a, b) =>
    a.group.localeCompare(b.group),
  )
  for (const k of metaKinds)
    defs.get(`${meta}.${k}`)!['x-kubernetes-group-version-kind'] = gvs.map((r) => ({ group: r.group, kind: k, version: r.version }))
  for (const k of ['Status', 'APIResourceList', 'APIGroupList', 'APIGroup', 'APIVersions'])
    defs.get(`${meta}.${k}`)!['x-kubernetes-group-version-kind'] = [{ group: '', kind: k, version: 'v1' }]

  const out = Object.fromEntries(names.map((n) => [n, sortKeys(defs.get(n))]))
  writeFileSync(join(outDir, 'definitions.json'), loopbackOnly(JSON.stringify(out, null, 1)) + '\n')
  console.log(`wrote ${names.length} definitions`)
}

// ---------------------------------------------------------------------------------------------
// Part 2: Go types (kubernetes/api, kubernetes/apimachinery at v0.32.4) → overlay.json

interface GoField {
  name: string
  json: string
  type: string
  inline: boolean
  markers: Map<string, string[]>
  tags: Map<string, string>
}

interface GoType {
  name: string
  pkg: GoPackage
  struct?: GoField[]
  underlying?: string
  markers: Map<string, string[]>
  imports: Map<string, string>
}

interface GoPackage {
  path: string
  prefix: string
  types: Map<string, GoType>
  consts: Map<string, { name: string; value: string; comment: string }[]>
  constValues: Map<string, string>
}

function parseMarkers(lines: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const l of lines) {
    const hit = /^\+([\w:.-]+)(?:=(.*))?$/.exec(l.trim())
    if (!hit) continue
    m.set(hit[1], [...(m.get(hit[1]) ?? []), (hit[2] ?? '').trim()])
  }
  return m
}

function parseTags(s: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const hit of s.matchAll(/(\w+):"([^"]*)"/g)) m.set(hit[1], hit[2])
  return m
}

function parseGoFile(text: string, pkg: GoPackage): void {
  const lines = text.split('\n')
  const imports = new Map<string, string>()
  // Comment blocks by the line they end on. A declaration's doc is the block ending on the line
  // above it; gengo's "second closest" block ends two lines above the doc (one blank between).
  const blocks = new Map<number, { start: number; lines: string[] }>()
  let current: { start: number; lines: string[] } | undefined
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim()
    if (t.startsWith('//')) {
      if (!current) current = { start: i, lines: [] }
      current.lines.push(t.replace(/^\/\/ ?/, ''))
      blocks.set(i, current)
      continue
    }
    current = undefined
    if (t === '') continue
    const docBlock = blocks.get(i - 1)
    const docLines = docBlock?.lines ?? []
    const secondLines = blocks.get((docBlock ? docBlock.start : i) - 2)?.lines ?? []
    let hit: RegExpExecArray | null
    if (t === 'import (') {
      for (i++; lines[i].trim() !== ')'; i++) {
        const im = /^\s*(\w+)?\s*"([^"]+)"/.exec(lines[i])
        if (im) imports.set(im[1] ?? im[2].split('/').pop()!, im[2])
      }
    } else if ((hit = /^import (\w+)?\s*"([^"]+)"/.exec(t))) {
      imports.set(hit[1] ?? hit[2].split('/').pop()!, hit[2])
    } else if ((hit = /^type (\w+) struct \{$/.exec(t))) {
      const fields: GoField[] = []
      let fblock: string[] = []
      for (i++; lines[i] !== '}'; i++) {
        const ft = lines[i].trim()
        if (ft.startsWith('//')) {
          fblock.push(ft.replace(/^\/\/ ?/, ''))
          continue
        }
        if (ft === '') {
          fblock = []
          continue
        }
        const named = /^(\w+)\s+([^\s`]+)\s*`([^`]*)`/.exec(ft)
        const embedded = /^([\w.*]+)\s*`([^`]*)`/.exec(ft)
        if (named) {
          const tags = parseTags(named[3])
          const json = (tags.get('json') ?? '').split(',')[0]
          if (json !== '-') fields.push({ name: named[1], json, type: named[2], inline: false, markers: parseMarkers(fblock), tags })
        } else if (embedded) {
          const tags = parseTags(embedded[2])
          const json = (tags.get('json') ?? '').split(',')[0]
          if (json !== '-')
            fields.push({ name: '', json, type: embedded[1], inline: json === '', markers: parseMarkers(fblock), tags })
        }
        fblock = []
      }
      pkg.types.set(hit[1], { name: hit[1], pkg, struct: fields, markers: parseMarkers([...secondLines, ...docLines]), imports })
    } else if ((hit = /^type (\w+) (.+)$/.exec(t))) {
      pkg.types.set(hit[1], {
        name: hit[1],
        pkg,
        underlying: hit[2].replace(/\s*\/\/.*$/, ''),
        markers: parseMarkers([...secondLines, ...docLines]),
        imports,
      })
    } else if (t === 'const (') {
      let cblock: string[] = []
      for (i++; lines[i].trim() !== ')'; i++) {
        const ct = lines[i].trim()
        if (ct.startsWith('//')) {
          cblock.push(ct.replace(/^\/\/ ?/, ''))
          continue
        }
        const c = /^(\w+)\s+(\w+)\s*=\s*"([^"]*)"/.exec(ct)
        if (c) addConst(pkg, c[1], c[2], c[3], cblock)
        cblock = []
      }
    } else if ((hit = /^const (\w+)\s+(\w+)\s*=\s*"([^"]*)"/.exec(t))) {
      addConst(pkg, hit[1], hit[2], hit[3], docLines)
    }
  }
}

function addConst(pkg: GoPackage, name: string, type: string, value: string, comment: string[]): void {
  const text = comment.filter((l) => !l.trim().startsWith('+')).join(' ').trim()
  pkg.consts.set(type, [...(pkg.consts.get(type) ?? []), { name, value, comment: text }])
  pkg.constValues.set(name, value)
}

function prefixOfGoPath(path: string): string {
  if (path.startsWith('k8s.io/api/')) return `io.k8s.api.${path.slice('k8s.io/api/'.length).replaceAll('/', '.')}`
  if (path.startsWith('k8s.io/apimachinery/')) return `io.k8s.apimachinery.${path.slice('k8s.io/apimachinery/'.length).replaceAll('/', '.')}`
  return path
}

function loadGoPackages(apiDir: string, machineryDir: string): Map<string, GoPackage> {
  const pkgs = new Map<string, GoPackage>()
  const dirs: [string, string][] = [
    ...['core/v1', 'apps/v1', 'batch/v1', 'discovery/v1', 'coordination/v1', 'events/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking/v1', 'rbac/v1', 'authorization/v1', 'authentication/v1', 'policy/v1', 'scheduling/v1', 'storage/v1', 'admissionregistration/v1', 'certificates/v1'].map(
      (d): [string, string] => [`k8s.io/api/${d}`, join(apiDir, d)],
    ),
    ...['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/util/intstr', 'pkg/api/resource'].map(
      (d): [string, string] => [`k8s.io/apimachinery/${d}`, join(machineryDir, d)],
    ),
  ]
  for (const [path, dir] of dirs) {
    const pkg: GoPackage = { path, prefix: prefixOfGoPath(path), types: new Map(), consts: new Map(), constValues: new Map() }
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('zz_') && !f.includes('generated'))
        parseGoFile(readFileSync(join(dir, f), 'utf8'), pkg)
    pkgs.set(path, pkg)
  }
  return pkgs
}

function lookupGoType(name: string, from: GoType, pkgs: Map<string, GoPackage>): GoType | undefined {
  const dot = name.indexOf('.')
  if (dot < 0) return from.pkg.types.get(name)
  const path = from.imports.get(name.slice(0, dot))
  return path ? pkgs.get(path)?.types.get(name.slice(dot + 1)) : undefined
}

const builtinFormats: Record<string, string> = { int32: 'int32', int64: 'int64', int: 'int32', float64: 'double', float32: 'float', uint64: 'int64', uint32: 'int64' }

/** Format, enum and item/value shape of a Go type expression, as a partial schema. */
function goShape(type: string, from: GoType, pkgs: Map<string, GoPackage>, depth = 0): OverlayProperty {
  const t = type.replace(/^\*/, '')
  if (t === '[]byte') return { format: 'byte' }
  if (t.startsWith('[]')) {
    const items = goShape(t.slice(2), from, pkgs, depth + 1)
    delete items.enumDescription
    return Object.keys(items).length ? { items } : {}
  }
  const map = /^map\[[^\]]+\](.+)$/.exec(t)
  if (map) {
    const v = goShape(map[1], from, pkgs, depth + 1)
    delete v.enumDescription
    return Object.keys(v).length ? { additionalProperties: v } : {}
  }
  if (builtinFormats[t]) return { format: builtinFormats[t] }
  const named = lookupGoType(t, from, pkgs)
  if (!named || named.struct || depth > 5) return {}
  if (named.markers.has('enum')) {
    const values = [...(named.pkg.consts.get(named.name) ?? [])]
    const unique = new Map<string, string>()
    for (const v of values) if (!unique.has(v.value) || unique.get(v.value)!.length < v.comment.length) unique.set(v.value, v.comment)
    const sorted = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    if (!sorted.length) return {}
    return {
      enum: sorted.map(([v]) => v),
      enumDescription: ['Possible enum values:', ...sorted.map(([v, c]) => ` - \`${JSON.stringify(v)}\`${c ? ` ${c}` : ''}`)].join('\n'),
    }
  }
  return goShape(named.underlying!, named, pkgs, depth + 1)
}

function flattenFields(t: GoType, pkgs: Map<string, GoPackage>): { field: GoField; owner: GoType }[] {
  const out: { field: GoField; owner: GoType }[] = []
  for (const f of t.struct ?? []) {
    if (f.inline || f.tags.get('json')?.startsWith(',inline')) {
      const inner = lookupGoType(f.type.replace(/^\*/, ''), t, pkgs)
      if (inner?.struct) out.push(...flattenFields(inner, pkgs))
    } else out.push({ field: f, owner: t })
  }
  return out
}

function parseDefault(v: string, owner: GoType): unknown {
  const ref = /^ref\((\w+)\)$/.exec(v)
  if (ref) return owner.pkg.constValues.get(ref[1])
  try {
    return JSON.parse(v)
  } catch {
    return undefined
  }
}

function deriveOverlay(apiDir: string, machineryDir: string): void {
  const pkgs = loadGoPackages(apiDir, machineryDir)
  const overlay: Record<string, OverlayDef> = {}
  const defs = existsSync(join(outDir, 'definitions.json'))
    ? (JSON.parse(readFileSync(join(outDir, 'definitions.json'), 'utf8')) as Record<string, Schema>)
    : undefined
  const missing: string[] = []
  for (const pkg of pkgs.values()) {
    for (const t of pkg.types.values()) {
      if (!t.struct) continue
      const name = `${pkg.prefix}.${t.name}`
      const o: OverlayDef = {}
      const mapType = t.markers.get('structType')?.[0] ?? t.markers.get('mapType')?.[0]
      if (mapType) o['x-kubernetes-map-type'] = mapType
      const props: Record<string, OverlayProperty> = {}
      for (const { field, owner } of flattenFields(t, pkgs)) {
        if (!field.json) continue
        const p: OverlayProperty = goShape(field.type, owner, pkgs)
        const strategy = field.tags.get('patchStrategy') ?? field.markers.get('patchStrategy')?.[0]
        const mergeKey = field.tags.get('patchMergeKey') ?? field.markers.get('patchMergeKey')?.[0]
        if (mergeKey) p['x-kubernetes-patch-merge-key'] = mergeKey
        if (strategy) p['x-kubernetes-patch-strategy'] = strategy
        const listType = field.markers.get('listType')?.[0]
        if (listType) p['x-kubernetes-list-type'] = listType
        const keys = field.markers.get('listMapKey')
        if (keys) p['x-kubernetes-list-map-keys'] = keys
        const fieldMapType = field.markers.get('mapType')?.[0] ?? field.markers.get('structType')?.[0]
        if (fieldMapType) p['x-kubernetes-map-type'] = fieldMapType
        const def = field.markers.get('default')?.[0]
        if (def !== undefined) {
          const value = parseDefault(def, owner)
          if (value !== undefined) p.default = value
        }
        if (Object.keys(p).length) props[field.json] = p
        const known = defs?.[name]?.properties as Record<string, unknown> | undefined
        if (defs?.[name] && !known?.[field.json]) missing.push(`${name}.${field.json}`)
      }
      if (Object.keys(props).length) o.properties = props
      if (Object.keys(o).length) overlay[name] = o
    }
  }
  const sorted = sortKeys(overlay)
  writeFileSync(join(outDir, 'overlay.json'), JSON.stringify(sorted, null, 1) + '\n')
  console.log(`wrote overlay for ${Object.keys(overlay).length} types`)
  if (missing.length) console.log(`fields in 1.32 Go types but not in kubernetes-types (${missing.length}):\n  ${missing.join('\n  ')}`)
}

const args = process.argv.slice(2)
if (args[0] === '--derive-overlay') {
  if (args.length !== 3) throw new Error('usage: gen-openapi.ts --derive-overlay <kubernetes/api dir> <kubernetes/apimachinery dir>')
  deriveOverlay(args[1], args[2])
} else generate()

/**
 * The project uses no non-loopback private addresses anywhere, even in documentation: upstream's
 * examples (private-range addresses) become addresses in kubelite's pod range.
 */
function loopbackOnly(text: string): string {
  return text
    .replace(/\b10\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g, '127.244.$2.$3')
    .replace(/\b192\.168\.(\d{1,3})\.(\d{1,3})\b/g, '127.244.$1.$2')
    .replace(/\b172\.(1[6-9]|2\d|3[01])\.(\d{1,3})\.(\d{1,3})\b/g, '127.244.$2.$3')
}
