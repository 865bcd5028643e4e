// {{args.name}} substitution in a metric, as Argo Rollouts' ResolveMetricArgs does: the metric is
// marshalled to JSON, every {{ tag }} is replaced by the argument's value escaped for a JSON string
// (strconv.Quote without the quotes), and the result is parsed back. A tag that names no argument
// fails with `failed to resolve {{tag}}`; an argument without a value with
// `argument "name" was not supplied`.
import type { Argument, Metric } from './types.js'

/** The text between `{{` and `}}` replaced by lookup(tag), as fasttemplate with Argo's resolve(). */
export function resolveTemplate(template: string, lookup: (tag: string) => string | undefined): string {
  let out = ''
  let i = 0
  let firstErr: string | undefined
  for (;;) {
    const open = template.indexOf('{{', i)
    if (open < 0) break
    const close = template.indexOf('}}', open + 2)
    if (close < 0) throw new Error(`Cannot find end tag="}}" in the template=${JSON.stringify(template)} starting from ${JSON.stringify(template.slice(open + 2))}`)
    out += template.slice(i, open)
    const tag = template.slice(open + 2, close)
    const value = lookup(tag.trim())
    if (value === undefined) firstErr ??= `failed to resolve {{${tag}}}`
    else out += value
    i = close + 2
  }
  out += template.slice(i)
  if (firstErr) throw new Error(firstErr)
  return out
}

/** Argo's ResolveArgs: `args.<name>` → value. */
export function resolveArgs(template: string, args: readonly Argument[]): string {
  const values = new Map<string, string>()
  for (const a of args) {
    if (a.value === undefined || a.value === null) throw new Error(`argument "${a.name}" was not supplied`)
    values.set(`args.${a.name}`, a.value)
  }
  return resolveTemplate(template, (tag) => values.get(tag))
}

/** Argo's ResolveMetricArgs (ResolveQuotedArgs over the metric's JSON). */
export function resolveMetricArgs(metric: Metric, args: readonly Argument[]): Metric {
  const quoted = args.map((a) => (a.value === undefined || a.value === null ? { name: a.name } : { name: a.name, value: JSON.stringify(a.value).slice(1, -1) }))
  return JSON.parse(resolveArgs(JSON.stringify(metric), quoted)) as Metric
}

/** Metrics with secret-valued arguments stood in by a placeholder (Argo's getResolvedMetricsWithoutSecrets). */
export function resolveMetricsWithoutSecrets(metrics: readonly Metric[], args: readonly Argument[] = []): Metric[] {
  const stand = args.map((a) => (a.valueFrom?.secretKeyRef ? { name: a.name, value: 'temp-for-secret' } : a))
  return metrics.map((m) => resolveMetricArgs(m, stand))
}
