// The dashboard page: namespaces → Deployments and Rollouts → one workload (ReplicaSets with their
// pods as dots, events, traffic, conditions, history, actions), pods and Services. Hash routes:
// #/ns/NS, #/ns/NS/deployments/NAME, #/ns/NS/rollouts/NAME, #/ns/NS/pods/NAME, #/ns/NS/services/NAME.
import 'uplot/dist/uPlot.min.css'
import './app.css'
import { render } from 'preact'
import { useHashRoute } from './hooks.js'
import { NamespacePage, NamespacesPage } from './pages/namespaces.js'
import { WorkloadPage } from './pages/workload.js'
import { PodPage } from './pages/pod.js'
import { ServicePage } from './pages/service.js'

function App() {
  const route = useHashRoute()
  const [first, ns, kind, name] = route
  let page
  if (first === 'ns' && ns && !kind) page = <NamespacePage ns={ns} />
  else if (first === 'ns' && ns && (kind === 'deployments' || kind === 'rollouts') && name) page = <WorkloadPage ns={ns} resource={kind} name={name} />
  else if (first === 'ns' && ns && kind === 'pods' && name) page = <PodPage ns={ns} name={name} />
  else if (first === 'ns' && ns && kind === 'services' && name) page = <ServicePage ns={ns} name={name} />
  else page = <NamespacesPage />
  return (
    <>
      <header>
        <a class="brand" href="#/">
          kubelite
        </a>
        <nav aria-label="Breadcrumb">
          <ol>
            <li>
              <a href="#/">namespaces</a>
            </li>
            {ns && (
              <li>
                <a href={`#/ns/${ns}`}>{ns}</a>
              </li>
            )}
            {name && (
              <li>
                <a href={`#/ns/${ns}/${kind}/${name}`} aria-current="page">
                  {kind}/{name}
                </a>
              </li>
            )}
          </ol>
        </nav>
        <form method="post" action="/logout" class="logout">
          <button type="submit">Log out</button>
        </form>
      </header>
      <main id="main">{page}</main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
