// Help, usage and flag errors as cobra and pflag print them for Argo's plugin: `--help` is the Long
// text then the usage (Usage, Aliases, Examples, Available Commands, Flags, Global Flags), a
// command missing its arguments prints the usage on stderr, and a bad flag is `Error: unknown flag:
// --x`. The texts are Argo's own (helptext.ts).
import type { Command, Option } from 'commander'
import { helpTexts } from './helptext.js'

/** pflag's type names (shown after the flag) and defaults (shown when not the zero value). */
export interface FlagMeta {
  type?: 'string' | 'int' | 'duration' | 'stringArray'
  /** As pflag prints it: `"info"` for a string, `true` for a bool. */
  def?: string
  /** Deprecated flags are hidden from the usage, as pflag hides them. */
  hidden?: boolean
}

const flagMeta = new WeakMap<Option, FlagMeta>()

/** Records pflag's view of an option (its type name and default) for the usage. */
export function describeFlag(cmd: Command, long: string, meta: FlagMeta): void {
  const opt = cmd.options.find((o) => o.long === long)
  if (!opt) throw new Error(`no option ${long}`)
  flagMeta.set(opt, meta)
}

/** The words from the tree's root: [] for the root, ['get', 'rollout'], ... */
function pathOf(cmd: Command, root: Command): string[] {
  const out: string[] = []
  for (let c: Command | null = cmd; c && c !== root; c = c.parent) out.unshift(c.name())
  return out
}

function commandPath(cmd: Command): string {
  const out: string[] = []
  for (let c: Command | null = cmd; c; c = c.parent) out.unshift(c.name())
  return out.join(' ')
}

/** pflag's FlagUsages: `  -n, --namespace string   usage (default ...)`, aligned, sorted by name. */
function flagUsages(opts: readonly Option[], help?: string): string {
  type Line = { name: string; head: string; usage: string }
  const lines: Line[] = []
  for (const o of opts) {
    const meta = flagMeta.get(o) ?? {}
    if (o.hidden || meta.hidden || !o.long) continue
    if (o.negate && opts.some((x) => x !== o && x.long === `--${o.long!.slice(5)}`)) continue // `--no-watch` is `--watch=false`
    const name = o.long.slice(2)
    let head = o.short ? `  ${o.short}, ${o.long}` : `      ${o.long}`
    const type = meta.type ?? (o.required || o.optional ? 'string' : undefined)
    if (type) head += ` ${type}`
    let usage = o.description
    if (meta.def !== undefined) usage += ` (default ${meta.def})`
    lines.push({ name, head, usage })
  }
  if (help !== undefined) lines.push({ name: 'help', head: '  -h, --help', usage: `help for ${help}` })
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const maxlen = Math.max(0, ...lines.map((l) => l.head.length + 1))
  return lines.map((l) => `${l.head} ${' '.repeat(maxlen - l.head.length)} ${l.usage}\n`).join('')
}

/** cobra's UsageString. */
export function usageString(cmd: Command, root: Command): string {
  const path = pathOf(cmd, root)
  const text = helpTexts[path.join(' ')]
  const subs = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
  const use = text?.use ?? cmd.name()
  const parentPath = cmd.parent ? commandPath(cmd.parent) : ''
  // The root's Use names the executable; under kubelite the path is `kubelite rollouts`.
  let useLine = cmd === root ? [parentPath, root.name(), ...use.split(' ').slice(1)].filter(Boolean).join(' ') : `${parentPath} ${use}`
  if (!useLine.includes('[flags]')) useLine += ' [flags]'
  let out = `Usage:\n  ${useLine}`
  if (subs.length > 0) out += `\n  ${commandPath(cmd)} [command]`
  const aliases = cmd.aliases()
  if (aliases.length > 0) out += `\n\nAliases:\n  ${[cmd.name(), ...aliases].join(', ')}`
  if (text?.example) out += `\n\nExamples:\n${text.example}`
  if (subs.length > 0) {
    const names = [...subs.map((c) => ({ name: c.name(), short: helpTexts[[...path, c.name()].join(' ')]?.short ?? c.description() }))]
    if (cmd === root) names.push({ name: 'help', short: 'Help about any command' })
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const pad = Math.max(11, ...names.map((n) => n.name.length))
    out += `\n\nAvailable Commands:${names.map((n) => `\n  ${n.name.padEnd(pad)} ${n.short}`).join('')}`
  }
  out += `\n\nFlags:\n${flagUsages(cmd.options, cmd.name()).trimEnd()}`
  const inherited: Option[] = []
  for (let p = cmd.parent; p; p = p.parent) {
    inherited.push(...p.options)
    if (p === root) break
  }
  if (cmd !== root && inherited.length > 0) out += `\n\nGlobal Flags:\n${flagUsages(inherited).trimEnd()}`
  if (subs.length > 0) out += `\n\nUse "${commandPath(cmd)} [command] --help" for more information about a command.`
  return out + '\n'
}

/** cobra's help: the Long text (else Short), a blank line, the usage. */
export function helpString(cmd: Command, root: Command): string {
  const text = helpTexts[pathOf(cmd, root).join(' ')]
  const long = (text?.long || text?.short || cmd.description()).replace(/[ \t\n]+$/, '')
  return `${long}\n\n${usageString(cmd, root)}`
}

/** Commander's parse errors in pflag's words (`Error: unknown flag: --x`); anything else as it is. */
export function translateError(message: string): string {
  const m = message.trim().replace(/^error: /, '')
  let x = /^unknown option '(--[^']+)'/.exec(m)
  if (x) return `Error: unknown flag: ${x[1].split('=')[0]}\n`
  x = /^unknown option '-([^-'])[^']*'/.exec(m)
  if (x) return `Error: unknown shorthand flag: '${x[1]}' in -${x[1]}\n`
  x = /^option '(?:(-\w), )?(--[\w-]+)[^']*' argument missing/.exec(m)
  if (x) return x[1] ? `Error: flag needs an argument: '${x[1].slice(1)}' in ${x[1]}\n` : `Error: flag needs an argument: ${x[2]}\n`
  x = /^option '(?:(-\w), )?(--[\w-]+)[^']*' argument '([^']*)' is invalid\. (.*)$/s.exec(m)
  if (x) return `Error: invalid argument "${x[3]}" for "${x[1] ? `${x[1]}, ` : ''}${x[2]}" flag: ${x[4]}\n`
  return `Error: ${m}\n`
}
