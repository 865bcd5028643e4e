import { useMemo } from 'preact/hooks'
import type { KubeObject } from '../../state/list.js'
import { useLiveList } from '../hooks.js'
import { Traffic } from '../traffic.js'

interface Service extends KubeObject {
  spec?: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string; nodePort?: number; protocol?: string }[] }
}

interface EndpointSlice extends KubeObject {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }; targetRef?: { kind?: string; name?: string } }[]
  ports?: { name?: string; port?: number; protocol?: string }[]
}

interface TrafficSpec {
  backends?: { name: string; weight?: number; service?: string; selector?: Record<string, string> }[]
}

export function ServicePage({ ns, name }: { ns: string; name: string }) {
  const self = useLiveList<Service>(`/api/v1/namespaces/${ns}/services?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`)
  const svc = self.items.get(`${ns}/${name}`)
  const slices = useLiveList<EndpointSlice>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`)
  const split = useMemo((): TrafficSpec | { invalid: string } | undefined => {
    const raw = svc?.metadata?.annotations?.['kubelite.io/traffic']
    if (!raw) return undefined
    try {
      return JSON.parse(raw) as TrafficSpec
    } catch (e) {
      return { invalid: (e as Error).message }
    }
  }, [svc?.metadata?.annotations])
  if (!self.loaded) return <p>Loading…</p>
  if (!svc) return <p role="alert">{`services "${name}" not found`}</p>
  const endpoints = [...slices.items.values()].flatMap((s) => (s.endpoints ?? []).map((e) => ({ ...e, ports: s.ports ?? [] })))
  const total = split && 'backends' in split ? (split.backends ?? []).reduce((n, b) => n + (b.weight ?? 0), 0) : 0
  return (
    <>
      <h1>Service {name}</h1>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{svc.spec?.type}</dd>
        <dt>Cluster-IP</dt>
        <dd>{svc.spec?.clusterIP}</dd>
        <dt>Ports</dt>
        <dd>{(svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'} → ${p.targetPort ?? p.port}`).join(', ')}</dd>
        <dt>Selector</dt>
        <dd>{Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'}</dd>
      </dl>
      <section aria-labelledby="ep-h">
        <h2 id="ep-h">Endpoints</h2>
        {endpoints.length === 0 ? (
          <p class="muted">No endpoints.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Pod</th>
                <th scope="col">Ready</th>
                <th scope="col">Terminating</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((e) => (
                <tr key={e.addresses.join(',')}>
                  <td>{e.addresses.map((a) => e.ports.map((p) => `${a}:${p.port}`).join(', ') || a).join(', ')}</td>
                  <td>{e.targetRef?.kind === 'Pod' ? <a href={`#/ns/${ns}/pods/${e.targetRef.name}`}>{e.targetRef.name}</a> : ''}</td>
                  <td>{String(e.conditions?.ready ?? false)}</td>
                  <td>{String(e.conditions?.terminating ?? false)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {split && (
        <section aria-labelledby="split-h">
          <h2 id="split-h">Traffic split (kubelite.io/traffic)</h2>
          {'invalid' in split ? (
            <p role="alert">The annotation is not valid JSON: {split.invalid}</p>
          ) : (
            <ul>
              {(split.backends ?? []).map((b) => (
                <li key={b.name}>
                  <strong>{b.name}</strong> {total > 0 ? `${Math.round(((b.weight ?? 0) / total) * 100)}%` : ''}
                  {b.service ? ` → service ${b.service}` : ''}
                  {b.selector ? ` → pods with ${Object.entries(b.selector).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <Traffic ns={ns} services={[name]} />
    </>
  )
}
