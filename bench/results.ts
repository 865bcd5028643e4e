// The shape of bench/results/<date>-<commit>.json and what the reference benchmarks hand to
// bench/run.ts (through the file named by BENCH_ROWS_FILE). Plain data: no I/O here.
import { writeFileSync } from 'node:fs'
import type { Row } from './lib.js'

/** One subject's figure: kubelite's, a reference measured in the same run, or one quoted from its docs. */
export interface Entry {
  name: string
  /** measured: in this run, on this machine; quoted: from `source`, another machine; missing: could not run here. */
  kind: 'kubelite' | 'measured' | 'quoted' | 'missing'
  value?: number
  p50?: number
  p99?: number
  /** Failed requests, errors, … */
  errors?: number
  /** Where a quoted figure comes from, or why a reference is missing. */
  source?: string
  detail?: string
}

/** One figure compared across subjects, e.g. "HTTP keep-alive throughput". */
export interface Figure {
  id: string
  /** The report section it belongs to. */
  group: 'cluster' | 'api' | 'store' | 'proxy' | 'rollout' | 'scale'
  label: string
  unit: string
  better: 'lower' | 'higher'
  goal?: number
  entries: Entry[]
  note?: string
}

/** What a benchmark child hands back: its printed rows (lib.ts report()) and/or figures. */
export interface BenchOutput {
  rows?: Row[]
  notes?: string[]
  figures?: Figure[]
}

export interface Machine {
  cores: number
  model: string
  memoryGB: number
  kernel: string
  node: string
  /** /proc/loadavg just before the run. */
  loadavg: [number, number, number]
  /** Share of all cores busy over 3 s just before the run (every process). */
  busyBefore: number
  /** The same, averaged over the whole run (sampled every 5 s). */
  busyDuring?: number
  tools: Record<string, string>
}

export interface BenchRun {
  name: string
  command: string
  durationMs: number
  /** 0, a code, or 'timeout' / 'skipped'. */
  status: number | string
  rows: Row[]
  notes: string[]
  figures: Figure[]
  /** The last part of what it printed (stdout), for the report's details. */
  output: string
  /** Processes of this checkout's kubelite still running after the benchmark exited (the runner stopped them). */
  leftover?: { count: number; sample?: string }
}

export interface Results {
  date: string
  commit: string
  mode: 'full' | 'quick'
  machine: Machine
  benches: BenchRun[]
  /** Every figure side by side with its references (from all benches, plus quoted ones). */
  figures: Figure[]
}

/** For a reference benchmark run on its own or under bench/run.ts: hand the figures over. */
export function writeFigures(figures: Figure[]): void {
  const file = process.env.BENCH_ROWS_FILE
  if (file) writeFileSync(file, JSON.stringify({ figures } satisfies BenchOutput, null, 1))
}

/** A figure printed as a plain table (name | value | p50 | p99 | errors | kind). */
export function printFigures(figures: Figure[], fmt: (x: number | undefined, unit: string) => string): void {
  for (const f of figures) {
    console.log(`\n${f.label} (${f.unit}, ${f.better} is better)`)
    for (const e of f.entries) {
      const lat = e.p50 !== undefined ? `  p50 ${fmt(e.p50, 'ms')}  p99 ${fmt(e.p99, 'ms')}` : ''
      const err = e.errors ? `  ${e.errors} errors` : ''
      const what = e.kind === 'missing' ? `missing: ${e.source ?? ''}` : fmt(e.value, f.unit)
      console.log(`  ${e.name.padEnd(28)} ${what}${lat}${err}${e.detail ? `  (${e.detail})` : ''}`)
    }
    if (f.note) console.log(`  note: ${f.note}`)
  }
}

/** Numbers as the report prints them: three significant figures, thousands separated. */
export function fmtValue(x: number | undefined, unit: string): string {
  if (x === undefined || !Number.isFinite(x)) return '—'
  const n = Number.isInteger(x) || Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)
  return unit === '/s' ? `${n}/s` : `${n} ${unit}`
}
