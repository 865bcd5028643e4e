// The dashboard page: namespaces → Deployments and Rollouts → one workload (ReplicaSets with their
// pods as dots, events, traffic, conditions, history, actions), pods and Services. Hash routes:
// #/ns/NS, #/ns/NS/deployments/NAME, #/ns/NS/rollouts/NAME, #/ns/NS/pods/NAME, #/ns/NS/services/NAME.
import 'uplot/dist/uPlot.min.css'
import './app.css'
import { render } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
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
  useFocusHeadingOnNavigation(route.join('/'))
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

/**
 * After a navigation inside the page, focus moves to the new page's heading, as it would on a new
 * document: a screen reader reads where the user is, and Tab continues from there, not from the
 * link that was followed. (A page may say "Loading…" first, so the heading is waited for.)
 */
function useFocusHeadingOnNavigation(key: string) {
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    let tries = 0
    const t = setInterval(() => {
      const h = document.querySelector<HTMLElement>('main h1')
      if (!h && ++tries < 100) return
      clearInterval(t)
      if (h) {
        if (!h.hasAttribute('tabindex')) h.tabIndex = -1
        h.focus()
      }
    }, 50)
    return () => clearInterval(t)
  }, [key])
}

render(<App />, document.getElementById('app')!)
