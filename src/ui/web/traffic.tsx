// Traffic per ReplicaSet from the traffic report (docs/traffic.md), charted with uPlot. The report
// has no watch, so it is read again every few seconds while the page is visible.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { trafficView, type TrafficReport, type TrafficView } from '../state/traffic.js'
import { getJSON, type ApiError } from './api.js'
import { useTicker } from './hooks.js'

const palette = ['#2f7ed8', '#e4572e', '#17bebb', '#ffc914', '#76b041', '#9b5de5', '#f15bb5']

export function useTraffic(ns: string, services: string[], windowSeconds = 300, stepSeconds = 5): { view?: TrafficView; missing: boolean; error?: string } {
  const tick = useTicker(stepSeconds * 1000)
  const [state, setState] = useState<{ view?: TrafficView; missing: boolean; error?: string }>({ missing: false })
  const key = services.join(',')
  useEffect(() => {
    if (services.length === 0) return setState({ missing: true })
    const abort = new AbortController()
    Promise.all(
      services.map((s) =>
        getJSON<TrafficReport>(`/traffic/v1/namespaces/${ns}/services/${s}?window=${windowSeconds}s&step=${stepSeconds}s`, abort.signal).catch((e: ApiError) => {
          if (e.code === 404) return null
          throw e
        }),
      ),
    ).then(
      (reports) => {
        const found = reports.filter((r): r is TrafficReport => r !== null)
        setState(found.length === 0 ? { missing: true } : { view: trafficView(found), missing: false })
      },
      (e: Error) => !abort.signal.aborted && setState({ missing: false, error: e.message }),
    )
    return () => abort.abort()
  }, [ns, key, tick])
  return state
}

export function Traffic({ ns, services }: { ns: string; services: string[] }) {
  const t = useTraffic(ns, services)
  return (
    <section aria-labelledby="tr-h" class="traffic">
      <h2 id="tr-h">Traffic{services.length > 0 && <span class="muted"> via {services.join(', ')}</span>}</h2>
      {t.error && <p role="alert">{t.error}</p>}
      {t.missing && <p class="muted" data-traffic="none">no traffic data</p>}
      {t.view && <TrafficBody view={t.view} />}
    </section>
  )
}

function TrafficBody({ view }: { view: TrafficView }) {
  return (
    <>
      {view.lines.length === 0 ? (
        <p class="muted" data-traffic="none">no traffic data (no requests in the last minutes)</p>
      ) : (
        <div class="charts">
          <Chart title="requests/s" x={view.x} lines={view.lines.map((l) => ({ label: l.label, data: l.rps }))} />
          <Chart title="p99 latency (ms)" x={view.x} lines={view.lines.map((l) => ({ label: l.label, data: l.p99 }))} />
        </div>
      )}
      <table data-traffic="table">
        <thead>
          <tr>
            <th scope="col">ReplicaSet</th>
            <th scope="col">Backend</th>
            <th scope="col">Share</th>
            <th scope="col">Requests/s</th>
            <th scope="col">Errors</th>
            <th scope="col">p50 ms</th>
            <th scope="col">p99 ms</th>
          </tr>
        </thead>
        <tbody>
          {view.rows.map((r) => (
            <tr key={r.label} data-group={r.label}>
              <td>{r.label}</td>
              <td>{r.backend ?? ''}</td>
              <td>{(r.share * 100).toFixed(0)}%</td>
              <td>{r.requestsPerSecond.toFixed(1)}</td>
              <td>{r.errors}</td>
              <td>{r.p50?.toFixed(1) ?? ''}</td>
              <td>{r.p99?.toFixed(1) ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

export function Chart({ title, x, lines }: { title: string; x: number[]; lines: { label: string; data: (number | null)[] }[] }) {
  const el = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const labels = lines.map((l) => l.label).join('\n')
  const data = useMemo(() => [x, ...lines.map((l) => l.data)] as uPlot.AlignedData, [x, lines])
  useEffect(() => {
    if (!el.current) return
    plot.current?.destroy()
    plot.current = new uPlot(
      {
        title,
        width: Math.min(560, el.current.clientWidth || 560),
        height: 180,
        series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: palette[i % palette.length], width: 2, spanGaps: false }))],
        axes: [{}, { size: 50 }],
      },
      data,
      el.current,
    )
    return () => {
      plot.current?.destroy()
      plot.current = null
    }
  }, [labels, title])
  useEffect(() => {
    plot.current?.setData(data)
  }, [data])
  return <div class="chart" ref={el} role="img" aria-label={`${title} per ReplicaSet over the last minutes`} />
}
