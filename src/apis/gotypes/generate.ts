// Writes table.ts: the shape of every Go type reachable from the kinds in kinds.ts, as protobuf
// numbers them and encoding/json writes them. Run by hand (git directories of kubernetes/api and
// kubernetes/apimachinery, and a release tag):
//
//   node --import tsx src/apis/gotypes/generate.ts API_GIT_DIR APIMACHINERY_GIT_DIR v0.32.4 \
//     > src/apis/gotypes/table.ts
//
// Field numbers and wire types come from each package's generated.proto; the JSON shape (JSON name,
// `,inline`, `omitempty`, pointer or value) from the Go struct tags in the same package, because Go's
// encoding/json — not the .proto — decides what a JSON client sees. Fields are matched by number.
import { execFileSync } from 'node:child_process'
import { rootKinds, specialTypes } from './kinds.js'

interface ProtoField { label: 'optional' | 'repeated' | 'map'; type: string; name: string; num: number }
interface GoField { json: string; inline: boolean; omitempty: boolean; pointer: boolean }

/** Proto packages we read, with the short prefix used in the table. */
const packages = [
  { repo: 'api', dir: 'core/v1', proto: 'k8s.io.api.core.v1', short: 'core' },
  { repo: 'api', dir: 'apps/v1', proto: 'k8s.io.api.apps.v1', short: 'apps' },
  { repo: 'api', dir: 'batch/v1', proto: 'k8s.io.api.batch.v1', short: 'batch' },
  { repo: 'api', dir: 'networking/v1', proto: 'k8s.io.api.networking.v1', short: 'networking' },
  { repo: 'api', dir: 'autoscaling/v1', proto: 'k8s.io.api.autoscaling.v1', short: 'autoscalingv1' },
  { repo: 'api', dir: 'autoscaling/v2', proto: 'k8s.io.api.autoscaling.v2', short: 'autoscaling' },
  { repo: 'api', dir: 'policy/v1', proto: 'k8s.io.api.policy.v1', short: 'policy' },
  { repo: 'api', dir: 'scheduling/v1', proto: 'k8s.io.api.scheduling.v1', short: 'scheduling' },
  { repo: 'api', dir: 'authentication/v1', proto: 'k8s.io.api.authentication.v1', short: 'authentication' },
  { repo: 'api', dir: 'rbac/v1', proto: 'k8s.io.api.rbac.v1', short: 'rbac' },
  { repo: 'api', dir: 'authorization/v1', proto: 'k8s.io.api.authorization.v1', short: 'authorization' },
  { repo: 'apimachinery', dir: 'pkg/apis/meta/v1', proto: 'k8s.io.apimachinery.pkg.apis.meta.v1', short: 'meta' },
] as const

const scalarTypes = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64'])

function git(gitDir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
}

/** `message X { optional T name = N; ... }` → X → fields. Comments are skipped. */
function parseProto(text: string): Map<string, ProtoField[]> {
  const out = new Map<string, ProtoField[]>()
  let current: ProtoField[] | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim()
    if (!line) continue
    const open = /^message (\w+) \{$/.exec(line)
    if (open) {
      current = []
      out.set(open[1], current)
      continue
    }
    if (line === '}') {
      current = undefined
      continue
    }
    if (!current) continue
    const field = /^(optional|repeated) ([\w.]+) (\w+) = (\d+);$/.exec(line)
    if (field) {
      current.push({ label: field[1] as 'optional' | 'repeated', type: field[2], name: field[3], num: Number(field[4]) })
      continue
    }
    const map = /^map<string, ([\w.]+)> (\w+) = (\d+);$/.exec(line)
    if (map) {
      current.push({ label: 'map', type: map[1], name: map[2], num: Number(map[3]) })
      continue
    }
    throw new Error(`unparsed proto line: ${line}`)
  }
  return out
}

/** `type X struct { Field T \`json:"..." protobuf:"..."\` }` → X → field number → JSON facts. */
function parseGoStructs(text: string, into: Map<string, Map<number, GoField>>): void {
  let current: Map<number, GoField> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*\/\/.*$/, '').trimEnd()
    const open = /^type (\w+) struct \{$/.exec(line)
    if (open) {
      current = new Map()
      into.set(open[1], current)
      continue
    }
    if (line === '}') {
      current = undefined
      continue
    }
    if (!current) continue
    const m = /^\s*(?:(\w+)\s+)?(\S+)\s+`([^`]*)`/.exec(line)
    if (!m) continue
    const [, fieldName, goType, tags] = m
    const pb = /protobuf:"([^"]*)"/.exec(tags)
    if (!pb) continue
    const num = Number(pb[1].split(',')[1])
    const jsonTag = /json:"([^"]*)"/.exec(tags)?.[1] ?? ''
    const [jsonName, ...opts] = jsonTag.split(',')
    if (jsonName === '-') continue
    const embedded = fieldName === undefined
    const inline = opts.includes('inline') || (embedded && jsonName === '')
    current.set(num, {
      json: inline ? '' : jsonName || fieldName || goType,
      inline,
      omitempty: opts.includes('omitempty'),
      pointer: goType.startsWith('*'),
    })
  }
}

function main(): void {
  const [apiDir, machineryDir, ref] = process.argv.slice(2)
  if (!apiDir || !machineryDir || !ref) throw new Error('usage: generate.ts API_GIT_DIR APIMACHINERY_GIT_DIR REF')
  const protos = new Map<string, ProtoField[]>() // qualified (short) name → fields
  const goStructs = new Map<string, Map<number, GoField>>() // qualified (short) name → Go fields
  for (const p of packages) {
    const gitDir = p.repo === 'api' ? apiDir : machineryDir
    for (const [name, fields] of parseProto(git(gitDir, 'show', `${ref}:${p.dir}/generated.proto`))) protos.set(`${p.short}.${name}`, fields)
    const files = git(gitDir, 'ls-tree', '--name-only', `${ref}:${p.dir}`).split('\n')
    const local = new Map<string, Map<number, GoField>>()
    for (const f of files) {
      if (!f.endsWith('.go') || f.endsWith('_test.go') || f.startsWith('zz_generated') || f.endsWith('.pb.go')) continue
      parseGoStructs(git(gitDir, 'show', `${ref}:${p.dir}/${f}`), local)
    }
    for (const [name, fields] of local) goStructs.set(`${p.short}.${name}`, fields)
  }

  /** A proto type reference → the table's name for it. */
  function resolve(type: string, inPackage: string): string {
    if (scalarTypes.has(type)) return type
    const full = type.startsWith('.') ? type.slice(1) : `${packages.find((p) => p.short === inPackage)!.proto}.${type}`
    const special = Object.entries(specialTypes).find(([, proto]) => proto === full)
    if (special) return special[0]
    const pkg = packages.find((p) => full.startsWith(`${p.proto}.`) && !full.slice(p.proto.length + 1).includes('.'))
    if (!pkg) throw new Error(`type ${type} is outside the packages we read`)
    return `${pkg.short}.${full.slice(pkg.proto.length + 1)}`
  }

  const lines: string[] = []
  const seen = new Set<string>()
  const queue = Object.values(rootKinds).map((r) => r)
  while (queue.length > 0) {
    const name = queue.shift()!
    if (seen.has(name)) continue
    seen.add(name)
    const fields = protos.get(name)
    const go = goStructs.get(name)
    if (!fields) throw new Error(`no proto message ${name}`)
    if (!go) throw new Error(`no Go struct ${name}`)
    const pkg = name.slice(0, name.indexOf('.'))
    const specs: string[] = []
    for (const f of fields) {
      const g = go.get(f.num)
      if (!g) throw new Error(`${name}.${f.name} (${f.num}) has no Go field`)
      const type = resolve(f.type, pkg)
      if (!scalarTypes.has(type) && !(type in specialTypes)) queue.push(type)
      let spec = `${g.inline ? `^${f.name}` : g.json}=${f.num}:${type}`
      // An empty slice or map with omitempty is left out of the JSON (`[]?`, `{}?`); without, kept.
      if (f.label === 'repeated') spec += g.omitempty ? '[]?' : '[]'
      else if (f.label === 'map') spec += g.omitempty ? '{}?' : '{}'
      else if (g.pointer) spec += '*'
      // Go's encoding/json never omits a struct, so `omitempty` only matters for scalars and specials.
      else if (g.omitempty && (scalarTypes.has(type) || type in specialTypes)) spec += '?'
      specs.push(spec)
    }
    lines.push(`  '${name}': '${specs.join(' ')}',`)
  }
  lines.sort()
  process.stdout.write(
    [
      `// Generated by generate.ts from kubernetes/api and kubernetes/apimachinery ${ref}; do not edit.`,
      '// One entry per message: space-separated `json=number:type` fields (format in schema.ts).',
      'export const messageTable: Record<string, string> = {',
      ...lines,
      '}',
      '',
    ].join('\n'),
  )
}

main()
