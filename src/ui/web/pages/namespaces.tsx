import type { KubeObject } from '../../state/list.js'
import { useGet, useLiveList } from '../hooks.js'

interface Workload extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } }; paused?: boolean }
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number; phase?: string }
}

interface Service extends KubeObject {
  spec?: { type?: string; clusterIP?: string; ports?: { port: number; nodePort?: number; protocol?: string }[] }
}

export function NamespacesPage() {
  const list = useLiveList<KubeObject>('/api/v1/namespaces')
  const items = [...list.items.values()].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))
  return (
    <section aria-labelledby="ns-h">
      <h1 id="ns-h">Namespaces</h1>
      {list.error && <p role="alert">{list.error}</p>}
      {!list.loaded ? (
        <p>Loading…</p>
      ) : (
        <ul class="cards">
          {items.map((n) => (
            <li key={n.metadata!.name}>
              <a href={`#/ns/${n.metadata!.name}`}>{n.metadata!.name}</a>
              <span class="muted"> {(n as { status?: { phase?: string } }).status?.phase}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** Whether the API serves argoproj.io Rollouts (discovery, as kubectl finds kinds): then they are listed too. */
export function useRolloutsServed(): boolean {
  const r = useGet<{ resources?: { name: string }[] }>('/apis/argoproj.io/v1alpha1')
  return Boolean(r.data?.resources?.some((x) => x.name === 'rollouts'))
}

export function NamespacePage({ ns }: { ns: string }) {
  const deployments = useLiveList<Workload>(`/apis/apps/v1/namespaces/${ns}/deployments`)
  const rolloutsServed = useRolloutsServed()
  const rollouts = useLiveList<Workload>(rolloutsServed ? `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts` : null)
  const services = useLiveList<Service>(`/api/v1/namespaces/${ns}/services`)
  return (
    <>
      <h1>Namespace {ns}</h1>
      <WorkloadTable title="Deployments" resource="deployments" ns={ns} list={deployments.items} loaded={deployments.loaded} error={deployments.error} />
      {rolloutsServed && <WorkloadTable title="Rollouts" resource="rollouts" ns={ns} list={rollouts.items} loaded={rollouts.loaded} error={rollouts.error} />}
      <section aria-labelledby="svc-h">
        <h2 id="svc-h">Services</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Cluster-IP</th>
              <th scope="col">Port(s)</th>
            </tr>
          </thead>
          <tbody>
            {[...services.items.values()].sort(byName).map((s) => (
              <tr key={s.metadata!.name}>
                <td>
                  <a href={`#/ns/${ns}/services/${s.metadata!.name}`}>{s.metadata!.name}</a>
                </td>
                <td>{s.spec?.type}</td>
                <td>{s.spec?.clusterIP}</td>
                <td>{(s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  )
}

const byName = (a: KubeObject, b: KubeObject) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1)

function WorkloadTable(props: { title: string; resource: string; ns: string; list: ReadonlyMap<string, Workload>; loaded: boolean; error?: string }) {
  const items = [...props.list.values()].sort(byName)
  const id = `${props.resource}-h`
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.error && <p role="alert">{props.error}</p>}
      {props.loaded && items.length === 0 ? (
        <p class="muted">No {props.title.toLowerCase()} in {props.ns}.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Ready</th>
              <th scope="col">Up-to-date</th>
              <th scope="col">Available</th>
              <th scope="col">Images</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.metadata!.name}>
                <td>
                  <a href={`#/ns/${props.ns}/${props.resource}/${d.metadata!.name}`}>{d.metadata!.name}</a>
                  {d.spec?.paused && <span class="badge">paused</span>}
                </td>
                <td>
                  {d.status?.readyReplicas ?? 0}/{d.spec?.replicas ?? 1}
                </td>
                <td>{d.status?.updatedReplicas ?? 0}</td>
                <td>{d.status?.availableReplicas ?? 0}</td>
                <td>{(d.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
