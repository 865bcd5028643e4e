// `get rollout` / `get experiment` / `list rollouts` output, byte for byte as Argo's plugin prints
// it (cmd/get/get.go, get_rollout.go, get_experiment.go, cmd/list/rollloutinfo.go).
import { age, experimentImages, icons, images, revisions, scaleDownDelay, tags, currentSetWeight, rolloutPhase, type AnalysisRunInfo, type ExperimentInfo, type ImageInfo, type ReplicaSetInfo, type RolloutInfo } from './info.js'
import { TabWriter } from './tabwriter.js'
import { humanDuration } from '../../lib/duration.js'
import { parseGoDuration } from './patches.js'
import type { Experiment, Rollout } from './types.js'

const fg = { red: 31, green: 32, yellow: 33, hiBlue: 94 }

const colorMapping: Record<string, number> = {
  [icons.waiting]: fg.yellow,
  [icons.progressing]: fg.hiBlue,
  [icons.warning]: fg.red,
  [icons.unknown]: fg.yellow,
  [icons.ok]: fg.green,
  [icons.bad]: fg.red,
  [tags.canary]: fg.yellow,
  [tags.stable]: fg.green,
  [tags.active]: fg.green,
  [tags.preview]: fg.hiBlue,
  [tags.ping]: fg.hiBlue,
  [tags.pong]: fg.hiBlue,
  Pending: fg.hiBlue,
  Running: fg.hiBlue,
}

export const treeIcons = { rollout: '⟳', revision: '#', replicaSet: '⧉', pod: '□', job: '⊞', experiment: 'Σ', analysis: 'α' } as const

export interface RenderOptions {
  noColor: boolean
  now: Date
  /** $TERM: `dumb` turns colours off, as Argo's ansiFormat does. */
  term?: string
}

/** `%-Ns` of Go's fmt: pad on the right to N runes. */
export function padRight(s: string, n: number): string {
  const len = [...s].length
  return len >= n ? s : s + ' '.repeat(n - len)
}

class Printer {
  constructor(private readonly o: RenderOptions) {}

  /** ansiFormat: wraps even colour 0 (no colour) in escapes, as Argo does for aligned columns. */
  private ansi(s: string, code: number): string {
    if (this.o.noColor || this.o.term === 'dumb') return s
    return `\x1b[${code}m${s}\x1b[0m`
  }

  colorize(s: string): string {
    return this.o.noColor ? s : this.ansi(s, colorMapping[s] ?? 0)
  }

  colorizeStatus(s: string, status: string): string {
    return this.o.noColor ? s : this.ansi(s, colorMapping[status] ?? 0)
  }

  formatImage(image: ImageInfo): string {
    if (image.tags.length === 0) return image.image
    return `${image.image} (${image.tags.map((t) => this.colorize(t)).join(', ')})`
  }

  field(label: string, value: string | number): string {
    return `${padRight(label, 17)}${value}\n`
  }

  rollout(ri: RolloutInfo): string {
    let out = ''
    out += this.field('Name:', ri.meta.name)
    out += this.field('Namespace:', ri.meta.namespace)
    out += this.field('Status:', `${this.colorize(ri.icon)} ${ri.status}`)
    if (ri.message !== '') out += this.field('Message:', ri.message)
    out += this.field('Strategy:', ri.strategy)
    if (ri.strategy === 'Canary') {
      out += this.field('  Step:', ri.step)
      out += this.field('  SetWeight:', ri.setWeight)
      out += this.field('  ActualWeight:', ri.actualWeight)
    }
    const imgs = images(ri)
    imgs.forEach((img, i) => (out += this.field(i === 0 ? 'Images:' : '', this.formatImage(img))))
    out += 'Replicas:\n'
    out += this.field('  Desired:', ri.desired)
    out += this.field('  Current:', ri.current)
    out += this.field('  Updated:', ri.updated)
    out += this.field('  Ready:', ri.ready)
    out += this.field('  Available:', ri.available)
    out += '\n'
    return out + this.rolloutTree(ri)
  }

  rolloutTree(ri: RolloutInfo): string {
    const w = new TabWriter(0, 2)
    w.write('NAME\tKIND\tSTATUS\tAGE\tINFO\n')
    w.write(`${treeIcons.rollout} ${ri.meta.name}\tRollout\t${this.colorize(ri.icon)} ${ri.status}\t${age(ri.meta.creationTimestamp, this.o.now)}\t\n`)
    const revs = revisions(ri)
    revs.forEach((rev, i) => {
      const [prefix, subpfx] = prefixes(i === revs.length - 1, '')
      this.revision(w, ri, rev, prefix, subpfx)
    })
    return w.flush()
  }

  private revision(w: TabWriter, ri: RolloutInfo, rev: number, prefix: string, subpfx: string): void {
    w.write(`${prefix}${treeIcons.revision} revision:${rev}\t\t \t\t\n`)
    const rss = ri.replicaSets.filter((r) => r.revision === rev)
    const exps = ri.experiments.filter((e) => e.revision === rev)
    const ars = ri.analysisRuns.filter((a) => a.revision === rev)
    const total = rss.length + exps.length + ars.length
    let curr = 0
    for (const rs of rss) {
      const [p, s] = prefixes(curr === total - 1, subpfx)
      this.replicaSet(w, rs, p, s)
      curr++
    }
    for (const exp of exps) {
      const [p, s] = prefixes(curr === total - 1, subpfx)
      this.experimentInfo(w, exp, p, s)
      curr++
    }
    for (const ar of ars) {
      const [p, s] = prefixes(curr === total - 1, subpfx)
      this.analysisRun(w, ar, p, s)
      curr++
    }
  }

  replicaSet(w: TabWriter, rs: ReplicaSetInfo, prefix: string, subpfx: string): void {
    const info: string[] = []
    let name = rs.meta.name
    if (rs.stable) {
      info.push(this.colorize(tags.stable))
      name = this.colorizeStatus(name, tags.stable)
    }
    if (rs.canary) {
      info.push(this.colorize(tags.canary))
      name = this.colorizeStatus(name, tags.canary)
    } else if (rs.active) {
      info.push(this.colorize(tags.active))
      name = this.colorizeStatus(name, tags.active)
    } else if (rs.preview) {
      info.push(this.colorize(tags.preview))
      name = this.colorizeStatus(name, tags.preview)
    }
    if (rs.ping) {
      info.push(this.colorize(tags.ping))
      name = this.colorizeStatus(name, tags.ping)
    }
    if (rs.pong) {
      info.push(this.colorize(tags.pong))
      name = this.colorizeStatus(name, tags.pong)
    }
    if (rs.scaleDownDeadline !== '') info.push(`delay:${scaleDownDelay(rs, this.o.now)}`)
    w.write(`${prefix}${treeIcons.replicaSet} ${name}\tReplicaSet\t${this.colorize(rs.icon)} ${rs.status}\t${age(rs.meta.creationTimestamp, this.o.now)}\t${info.join(',')}\n`)
    rs.pods.forEach((pod, i) => {
      const [podPrefix] = prefixes(i === rs.pods.length - 1, subpfx)
      const cols = [`ready:${pod.ready}`]
      if (pod.restarts > 0) cols.push(`restarts:${pod.restarts}`)
      w.write(`${podPrefix}${treeIcons.pod} ${pod.meta.name}\tPod\t${this.colorize(pod.icon)} ${pod.status}\t${age(pod.meta.creationTimestamp, this.o.now)}\t${cols.join(',')}\n`)
    })
  }

  analysisRun(w: TabWriter, ar: AnalysisRunInfo, prefix: string, subpfx: string): void {
    const name = this.colorizeStatus(ar.meta.name, ar.status)
    const info: string[] = []
    if (ar.successful > 0) info.push(`${this.colorize(icons.ok)} ${ar.successful}`)
    if (ar.failed > 0) info.push(`${this.colorize(icons.bad)} ${ar.failed}`)
    if (ar.inconclusive > 0) info.push(`${this.colorize(icons.unknown)} ${ar.inconclusive}`)
    if (ar.error > 0) info.push(`${this.colorize(icons.warning)} ${ar.error}`)
    w.write(`${prefix}${treeIcons.analysis} ${name}\tAnalysisRun\t${this.colorize(ar.icon)} ${ar.status}\t${age(ar.meta.creationTimestamp, this.o.now)}\t${info.join(',')}\n`)
    ar.jobs.forEach((job, i) => {
      const [jobPrefix] = prefixes(i === ar.jobs.length - 1, subpfx)
      w.write(`${jobPrefix}${treeIcons.job} ${this.colorizeStatus(job.meta.name, job.status)}\tJob\t${this.colorize(job.icon)} ${job.status}\t${age(job.meta.creationTimestamp, this.o.now)}\t\n`)
    })
  }

  experimentInfo(w: TabWriter, exp: ExperimentInfo, prefix: string, subpfx: string): void {
    const name = this.colorizeStatus(exp.meta.name, exp.status)
    const total = exp.replicaSets.length + exp.analysisRuns.length
    let curr = 0
    w.write(`${prefix}${treeIcons.experiment} ${name}\tExperiment\t${this.colorize(exp.icon)} ${exp.status}\t${age(exp.meta.creationTimestamp, this.o.now)}\t\n`)
    for (const rs of exp.replicaSets) {
      const [p, s] = prefixes(curr === total - 1, subpfx)
      this.replicaSet(w, rs, p, s)
      curr++
    }
    for (const ar of exp.analysisRuns) {
      const [p, s] = prefixes(curr === total - 1, subpfx)
      this.analysisRun(w, ar, p, s)
      curr++
    }
  }

  experiment(exp: ExperimentInfo): string {
    let out = ''
    out += this.field('Name:', exp.meta.name)
    out += this.field('Namespace:', exp.meta.namespace)
    out += this.field('Status:', `${this.colorize(exp.icon)} ${exp.status}`)
    if (exp.message !== '') out += this.field('Message:', exp.message)
    const imgs = experimentImages(exp)
    imgs.forEach((img, i) => (out += this.field(i === 0 ? 'Images:' : '', this.formatImage(img))))
    out += '\n'
    const w = new TabWriter(0, 2)
    w.write('NAME\tKIND\tSTATUS\tAGE\tINFO\n')
    this.experimentInfo(w, exp, '', '')
    return out + w.flush()
  }
}

/** The tree's branch characters: `├──`/`│  ` for all but the last child, `└──`/`   ` for it. */
function prefixes(isLast: boolean, subPrefix: string): [string, string] {
  return isLast ? [subPrefix + '└──', subPrefix + '   '] : [subPrefix + '├──', subPrefix + '│  ']
}

/** `get rollout NAME`: the header block, then the tree. */
export function renderRollout(ri: RolloutInfo, o: RenderOptions): string {
  return new Printer(o).rollout(ri)
}

/** `get experiment NAME`. */
export function renderExperiment(exp: ExperimentInfo, o: RenderOptions): string {
  return new Printer(o).experiment(exp)
}

/** Clears the terminal before a redraw (`get --watch`). */
export const clearScreen = '\x1b[H\x1b[2J\x1b[0;0H'

// ---- list rollouts ----

export interface ListLine {
  namespace: string
  name: string
  strategy: string
  status: string
  step: string
  setWeight: string
  readyCurrent: string
  desired: number
  upToDate: number
  available: number
}

export const listHeader = 'NAME\tSTRATEGY\tSTATUS\tSTEP\tSET-WEIGHT\tREADY\tDESIRED\tUP-TO-DATE\tAVAILABLE\n'

export function listLine(ro: Rollout): ListLine {
  const st = ro.status ?? {}
  const line: ListLine = {
    namespace: ro.metadata.namespace ?? '',
    name: ro.metadata.name ?? '',
    strategy: 'unknown',
    status: '',
    step: '-',
    setWeight: '-',
    readyCurrent: `${st.readyReplicas ?? 0}/${st.replicas ?? 0}`,
    desired: ro.spec.replicas ?? 1,
    upToDate: st.updatedReplicas ?? 0,
    available: st.availableReplicas ?? 0,
  }
  const canary = ro.spec.strategy?.canary
  if (canary) {
    line.strategy = 'Canary'
    const steps = canary.steps ?? []
    if (st.currentStepIndex !== undefined && st.currentStepIndex !== null && steps.length > 0) line.step = `${st.currentStepIndex}/${steps.length}`
    line.setWeight = String(currentSetWeight(ro))
  } else if (ro.spec.strategy?.blueGreen) {
    line.strategy = 'BlueGreen'
  }
  line.status = rolloutPhase(ro)[0]
  return line
}

/** rolloutInfo.String: padded columns (so lines printed later roughly align), tab-separated. */
export function formatListLine(l: ListLine, timestamp: string | undefined, allNamespaces: boolean): string {
  let s = [padRight(l.name, 10), padRight(l.strategy, 9), padRight(l.status, 12), padRight(l.step, 4), padRight(l.setWeight, 10), padRight(l.readyCurrent, 5), padRight(String(l.desired), 7), padRight(String(l.upToDate), 10), padRight(String(l.available), 9)].join('\t')
  if (allNamespaces) s = `${padRight(l.namespace, 9)}\t${s}`
  if (timestamp !== undefined) s = `${padRight(timestamp, 20)}\t${s}`
  return s
}

export function listHeaderFor(timestamps: boolean, allNamespaces: boolean): string {
  let h = listHeader
  if (allNamespaces) h = 'NAMESPACE\t' + h
  if (timestamps) h = 'TIMESTAMP\t' + h
  return h
}

export const sameListLine = (a: ListLine, b: ListLine) => (Object.keys(a) as (keyof ListLine)[]).every((k) => a[k] === b[k])

// ---- list experiments ----

/** list_experiments.go's PrintExperimentTable, rows only (the caller says `No resources found.`). */
export function experimentTable(exps: Experiment[], allNamespaces: boolean, now: Date): string {
  const w = new TabWriter(0, 2)
  w.write((allNamespaces ? 'NAMESPACE\t' : '') + 'NAME\tSTATUS\tDURATION\tREMAINING\tAGE\n')
  for (const exp of exps) {
    const spec = (exp.spec ?? {}) as { duration?: string }
    const st = (exp.status ?? {}) as { phase?: string; availableAt?: string }
    let dur = '-'
    let remaining = '-'
    const ms = spec.duration ? parseGoDuration(String(spec.duration)) : undefined
    if (ms !== undefined) {
      dur = humanDuration(ms)
      const completed = ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(st.phase ?? '')
      if (!completed && st.availableAt) {
        const left = Date.parse(st.availableAt) + ms - now.getTime()
        if (left > 0) remaining = humanDuration(left)
      }
    }
    const cols = [padRight(exp.metadata.name ?? '', 10), padRight(st.phase ?? '', 6), padRight(dur, 8), padRight(remaining, 9), padRight(age(exp.metadata.creationTimestamp, now), 3)]
    if (allNamespaces) cols.unshift(padRight(exp.metadata.namespace ?? '', 9))
    w.write(cols.join('\t') + '\n')
  }
  return w.flush()
}
