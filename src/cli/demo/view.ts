// The demo's live picture of a rollout, as text (pure): each ReplicaSet of the watched Deployments
// with its pods as dots, and what the background client got from the Service.
import type { Lang } from './scenarios.js'
import type { Tally } from './traffic.js'

export interface PodView {
  ready: boolean
  terminating: boolean
}

export interface ReplicaSetView {
  name: string
  revision: string
  image: string
  pods: PodView[]
}

export interface DeploymentView {
  name: string
  desired: number
  complete: boolean
  replicaSets: ReplicaSetView[]
}

const words = {
  en: { ready: 'ready', starting: 'starting', terminating: 'terminating', rev: 'rev', requests: 'requests', failed: 'failed', none: 'no pods' },
  ko: { ready: '준비됨', starting: '시작 중', terminating: '종료 중', rev: '리비전', requests: '요청', failed: '실패', none: '파드 없음' },
} as const

/** ● ready, ○ starting (not ready yet), ✕ terminating. */
export function podDots(pods: PodView[]): string {
  const order = (p: PodView) => (p.terminating ? 2 : p.ready ? 0 : 1)
  return [...pods].sort((a, b) => order(a) - order(b)).map((p) => (p.terminating ? '✕' : p.ready ? '●' : '○')).join('')
}

function podSummary(pods: PodView[], lang: Lang): string {
  const w = words[lang]
  const ready = pods.filter((p) => p.ready && !p.terminating).length
  const starting = pods.filter((p) => !p.ready && !p.terminating).length
  const terminating = pods.filter((p) => p.terminating).length
  const parts = [ready ? `${ready} ${w.ready}` : '', starting ? `${starting} ${w.starting}` : '', terminating ? `${terminating} ${w.terminating}` : ''].filter(Boolean)
  return parts.length ? parts.join(' · ') : w.none
}

/** The ReplicaSet lines: the ones with pods, and the newest even when it has none. */
export function renderReplicaSets(deployments: DeploymentView[], lang: Lang): string[] {
  const w = words[lang]
  const rows = deployments.flatMap((d) => {
    const newest = [...d.replicaSets].sort((a, b) => Number(b.revision) - Number(a.revision))[0]
    return d.replicaSets.filter((rs) => rs.pods.length > 0 || rs === newest)
  })
  const nameWidth = Math.max(0, ...rows.map((r) => r.name.length))
  const imageWidth = Math.max(0, ...rows.map((r) => r.image.length))
  const dotsWidth = Math.max(0, ...rows.map((r) => r.pods.length))
  return rows.map((rs) => `  ${rs.name.padEnd(nameWidth)}  ${w.rev} ${rs.revision.padEnd(2)} ${rs.image.padEnd(imageWidth)}  ${podDots(rs.pods).padEnd(dotsWidth)}  ${podSummary(rs.pods, lang)}`)
}

/** `requests 342 (v=1 300 · v=2 42) · failed 0` */
export function renderTally(t: Tally, lang: Lang): string {
  const w = words[lang]
  const versions = [...t.byVersion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${v} ${n}`)
  return `  ${w.requests} ${t.requests}${versions.length ? ` (${versions.join(' · ')})` : ''} · ${w.failed} ${t.failed}`
}

/** A tally of `curl`s: `v0.1 ×20  v0.2 ×10` with shares. */
export function renderShares(t: Tally): string {
  const total = [...t.byVersion.values()].reduce((a, b) => a + b, 0)
  return [...t.byVersion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${v} ×${n} (${Math.round((n / Math.max(1, total)) * 100)}%)`)
    .join('   ')
}
