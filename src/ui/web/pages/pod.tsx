import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { KubeObject } from '../../state/list.js'
import { podDot, timeline } from '../../state/workload.js'
import { stream } from '../api.js'
import { useLiveList } from '../hooks.js'
import { Timeline } from '../timeline.js'

interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] }
  status?: {
    phase?: string
    podIP?: string
    startTime?: string
    conditions?: { type: string; status: string }[]
    containerStatuses?: { name: string; ready?: boolean; restartCount?: number; image?: string; state?: Record<string, { reason?: string; startedAt?: string; exitCode?: number } | undefined> }[]
  }
}

const maxLogChars = 200_000

export function PodPage({ ns, name }: { ns: string; name: string }) {
  const self = useLiveList<Pod>(`/api/v1/namespaces/${ns}/pods?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`)
  const pod = self.items.get(`${ns}/${name}`)
  const events = useLiveList<KubeObject>(`/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name},involvedObject.kind=Pod`)}`)
  const entries = useMemo(() => timeline(events.items.values() as Iterable<never>, [{ kind: 'Pod', name, uid: pod?.metadata?.uid }]), [events.items, pod?.metadata?.uid])
  const containers = pod?.spec?.containers ?? []
  const [container, setContainer] = useState<string | null>(null)
  const chosen = container ?? containers[0]?.name
  if (!self.loaded) return <p>Loading…</p>
  if (!pod) return <p role="alert">{`pods "${name}" not found`}</p>
  const dot = podDot(pod)
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)
  return (
    <>
      <h1>
        Pod {name} <span class={`dot ${dot.state}`} aria-hidden="true" /> <span data-pod-status>{dot.status}</span>
      </h1>
      <dl class="facts">
        <dt>Node</dt>
        <dd>{pod.spec?.nodeName ?? '<none>'}</dd>
        <dt>IP</dt>
        <dd>{pod.status?.podIP ?? '<none>'}</dd>
        <dt>Started</dt>
        <dd>{pod.status?.startTime ?? ''}</dd>
        <dt>Controlled by</dt>
        <dd>{owner ? `${owner.kind}/${owner.name}` : '<none>'}</dd>
        <dt>Conditions</dt>
        <dd>{(pod.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(' ')}</dd>
      </dl>
      <section aria-labelledby="ct-h">
        <h2 id="ct-h">Containers</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Image</th>
              <th scope="col">Ready</th>
              <th scope="col">Restarts</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {containers.map((c) => {
              const s = pod.status?.containerStatuses?.find((x) => x.name === c.name)
              const [state, detail] = Object.entries(s?.state ?? {})[0] ?? ['', undefined]
              return (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>{c.image}</td>
                  <td>{s?.ready ? 'true' : 'false'}</td>
                  <td>{s?.restartCount ?? 0}</td>
                  <td>
                    {state}
                    {detail?.reason ? ` (${detail.reason})` : ''}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">Logs</h2>
        {containers.length > 1 && (
          <label>
            Container{' '}
            <select value={chosen} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>
              {containers.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
          </label>
        )}
        {chosen && <Logs ns={ns} pod={name} container={chosen} running={pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'} />}
      </section>
      <Timeline entries={entries} />
    </>
  )
}

/** `kubectl logs -f POD -c C`: the followed log, streamed, the last 200,000 characters kept. */
function Logs({ ns, pod, container, running }: { ns: string; pod: string; container: string; running: boolean }) {
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const pre = useRef<HTMLPreElement>(null)
  useEffect(() => {
    setText('')
    setError(null)
    if (!running) return
    const abort = new AbortController()
    stream(`/api/v1/namespaces/${ns}/pods/${pod}/log?follow=true&tailLines=1000&container=${encodeURIComponent(container)}`, (s) => setText((t) => (t + s).slice(-maxLogChars)), abort.signal).then(
      // As `kubectl logs -f`: the stream ends when the container stops.
      () => !abort.signal.aborted && setError('The log stream ended: the container stopped. Reload the page to follow its next start.'),
      (e: Error) => !abort.signal.aborted && setError(e.message),
    )
    return () => abort.abort()
  }, [ns, pod, container, running])
  useEffect(() => {
    const el = pre.current
    if (el) el.scrollTop = el.scrollHeight
  }, [text])
  return (
    <>
      <p class="muted">
        <code>
          kubectl logs -f {pod} -c {container}
          {ns === 'default' ? '' : ` -n ${ns}`}
        </code>
      </p>
      {error && <p role="status">{error}</p>}
      <pre class="logs" ref={pre} tabIndex={0} aria-label={`logs of ${pod}/${container}`} data-logs>
        {text || (running ? '' : 'The container has not started yet.')}
      </pre>
    </>
  )
}
