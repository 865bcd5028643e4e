// The web dashboard in a real browser (playwright-core driving Debian's chromium) against a real
// cluster: the log-in, a rolling update made with kubectl seen live, actions taken on the page and
// checked with kubectl, logs, and a 1,000-pod workload on the sim runtime.
// KUBELITE_SCREENSHOTS=1 also writes the screenshots docs/dashboard.md shows.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { freePort, httpGet, parseTable, startCluster, until, type Cluster } from './harness.js'

const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium'
const skip = existsSync(chromiumPath) ? false : `chromium is not installed at ${chromiumPath} (apt-get install -y chromium; .ci/run does it)`
const shots = process.env.KUBELITE_SCREENSHOTS ? join(new URL('../..', import.meta.url).pathname, 'docs', 'images') : undefined

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

function loginUrl(c: Cluster): string {
  const m = /dashboard: +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(c.output())
  assert.ok(m, `kubelite up printed no dashboard URL:\n${c.output()}`)
  return m[1]
}

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return
  mkdirSync(shots, { recursive: true })
  await page.screenshot({ path: join(shots, name), fullPage: false })
}

const readyDots = (page: Page, revision: number) => page.locator(`.rs[data-revision="${revision}"] .dot[data-state="ready"]`).count()

describe('dashboard (process runtime)', { skip }, () => {
  let c: Cluster
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let url: string

  before(async () => {
    c = await startCluster(['--dashboard-port', String(await freePort())])
    url = loginUrl(c)
    browser = await launch()
    ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    page = await ctx.newPage()
  })
  after(async () => {
    await browser?.close()
    await c?.destroy()
  })

  test('without the session the page and the API are refused with 401', async () => {
    const base = url.replace(/\?token=.*/, '')
    assert.equal((await fetch(base)).status, 401)
    assert.equal((await fetch(`${base}api/v1/namespaces`)).status, 401)
    assert.equal((await fetch(`${base}?token=not-the-token`)).status, 401)
    const res = await page.goto(base)
    assert.equal(res?.status(), 401)
    await page.getByText('401 Unauthorized').waitFor()
  })

  test('the printed URL logs in once: an HttpOnly session cookie, the token gone from the address bar', async () => {
    await page.goto(url)
    await page.getByRole('heading', { name: 'Namespaces' }).waitFor()
    assert.equal(new URL(page.url()).search, '')
    const cookies = await ctx.cookies()
    assert.equal(cookies.length, 1)
    assert.equal(cookies[0].httpOnly, true)
    assert.equal(cookies[0].sameSite, 'Strict')
    assert.equal(await page.evaluate('document.cookie'), '', 'page scripts cannot read the session')
    // The token was for one log-in only: another browser cannot reuse it.
    const other = await browser.newContext()
    const second = await (await other.newPage()).goto(url)
    assert.equal(second?.status(), 401)
    await other.close()
    await page.getByRole('link', { name: 'kube-system' }).waitFor()
  })

  test('a rolling update made with kubectl set image: the new ReplicaSet grows live, the old one goes', async () => {
    await c.k('create', 'deployment', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=3')
    await page.goto(url.replace(/\?token=.*/, '#/ns/default'))
    await page.getByRole('link', { name: 'web', exact: true }).click()
    await page.getByRole('heading', { name: /Deployment web/ }).waitFor()
    await until('3 ready dots for revision 1', async () => (await readyDots(page, 1)) === 3, 60_000)

    // Record every count of revision 2's ready dots the page shows, without reloading it.
    // (A string: this file is type-checked without the DOM library.)
    await page.evaluate(`
      window.seen = []
      window.marker = true
      new MutationObserver(() => {
        const n = document.querySelectorAll('.rs[data-revision="2"] .dot[data-state="ready"]').length
        if (window.seen.at(-1) !== n) window.seen.push(n)
      }).observe(document.body, { subtree: true, childList: true, attributes: true })
    `)
    await c.k('set', 'image', 'deployment/web', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')
    await page.locator('.rs[data-revision="2"]').waitFor()
    if (shots) {
      await until('the rollout half way', async () => (await readyDots(page, 2)) >= 1, 60_000)
      await shot(page, 'dashboard-rolling-update.png')
    }
    await until('3 ready dots for revision 2', async () => (await readyDots(page, 2)) === 3, 90_000)
    await page.locator('.rs[data-revision="1"]').waitFor({ state: 'detached', timeout: 60_000 })
    const { seen, marker } = (await page.evaluate('({ seen: window.seen, marker: window.marker })')) as { seen: number[]; marker: boolean }
    assert.equal(marker, true, 'the page was not reloaded')
    // Up to its first 3 ready pods, revision 2 showed 1 and then 2 on the way (one pod at a time, as
    // maxSurge 1 / maxUnavailable 0 rolls 3 replicas). Later flaps of readiness are not this test's business.
    const grown = seen.slice(0, seen.indexOf(3) + 1)
    assert.ok(grown.length > 0 && grown.indexOf(1) >= 0 && grown.indexOf(1) < grown.indexOf(2), `revision 2 grew one pod at a time: ${seen.join(' → ')}`)
    // The timeline shows the rollout's events.
    await page.locator('.timeline li[data-reason="ScalingReplicaSet"]').first().waitFor()
    // The traffic section: the report's figures, or "no traffic data" where the cluster serves no report.
    await page.locator('[data-traffic]').first().waitFor()
  })

  test('scale from the page: the equivalent kubectl command is shown and kubectl get deploy prints the change', async () => {
    const replicas = page.getByRole('spinbutton', { name: 'Replicas' })
    await replicas.fill('2')
    await page.locator('#scale-cmd', { hasText: 'kubectl scale deployment/web --replicas=2' }).waitFor()
    await replicas.press('Enter') // keyboard only: Enter in the field submits
    await page.getByRole('status').filter({ hasText: 'Done: kubectl scale deployment/web --replicas=2' }).waitFor()
    const row = await until(
      'kubectl get deploy web to print 2/2',
      async () => {
        const r = parseTable(await c.k('get', 'deploy', 'web'))[0]
        return r.READY === '2/2' && r
      },
      60_000,
    )
    assert.equal(row['UP-TO-DATE'], '2')
  })

  test('undo from the page to revision 1: kubectl sees the v1 image again, as revision 3', async () => {
    await page.getByLabel('Undo to').selectOption('1')
    await page.locator('#undo-cmd', { hasText: 'kubectl rollout undo deployment/web --to-revision=1' }).waitFor()
    await page.getByRole('button', { name: 'Undo' }).click()
    // Undo replaces pods: the page asks first, in a modal dialog that names the kubectl command.
    const dialog = page.getByRole('dialog', { name: 'Undo?' })
    await dialog.getByText('kubectl rollout undo deployment/web --to-revision=1').waitFor()
    await dialog.getByRole('button', { name: 'Yes, undo' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('status').filter({ hasText: 'Done: kubectl rollout undo' }).waitFor()
    await until(
      'the deployment back on v1',
      async () => (await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')) === 'gcr.io/google-samples/kubernetes-bootcamp:v1',
      30_000,
    )
    const history = await c.k('rollout', 'history', 'deployment/web')
    assert.match(history, /^2\s+<none>\s*\n3\s+<none>/m)
    await until('revision 3 ready on the page', async () => (await readyDots(page, 3)) === 2, 90_000)
  })

  test("a pod's page follows its logs", async () => {
    await page.locator('.rs[data-revision="3"] .dot').first().click()
    await page.getByRole('heading', { name: /^Pod web-/ }).waitFor()
    await page.locator('[data-logs]', { hasText: 'Kubernetes Bootcamp App Started At' }).waitFor({ timeout: 60_000 })
    await page.getByRole('heading', { name: 'Containers' }).waitFor()
  })

  test("a canary behind one Service: the Service page shows its endpoints and the annotation's traffic split", async () => {
    const deployment = (name: string, version: string, replicas: number, tag: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { app: 'myapp', version } },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'myapp', version } },
        template: { metadata: { labels: { app: 'myapp', version } }, spec: { containers: [{ name: 'testapp', image: `arisu1000/simple-container-app:${tag}`, ports: [{ containerPort: 8080 }] }] } },
      },
    })
    const split = { backends: [{ name: 'stable', selector: { version: 'stable' }, weight: 90 }, { name: 'canary', selector: { version: 'canary' }, weight: 10 }] }
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'myapp-svc', annotations: { 'kubelite.io/traffic': JSON.stringify(split) } }, spec: { selector: { app: 'myapp' }, ports: [{ port: 8080 }] } }
    const list = { apiVersion: 'v1', kind: 'List', items: [deployment('k8s-testapp', 'stable', 2, 'v0.1'), deployment('k8s-testapp-canary', 'canary', 1, 'v0.2'), service] }
    await c.k('apply', '-f', c.file('canary.json', JSON.stringify(list)))
    await page.goto(url.replace(/\?token=.*/, '#/ns/default/services/myapp-svc'))
    await page.getByRole('heading', { name: 'Service myapp-svc' }).waitFor()
    await until('3 ready endpoints', async () => (await page.locator('tr', { hasText: 'k8s-testapp' }).filter({ hasText: 'true' }).count()) === 3, 60_000)
    await page.getByRole('listitem').filter({ hasText: /^stable 90%/ }).waitFor()
    await page.getByRole('listitem').filter({ hasText: /^canary 10%/ }).waitFor()
    await page.locator('[data-traffic]').first().waitFor()
    await shot(page, 'dashboard-canary.png')
  })

  test('the traffic report (docs/traffic.md) as a uPlot chart and a table per ReplicaSet', async () => {
    // The report is answered in the browser with the contract's shape, so the chart is checked
    // whether or not this cluster serves the report yet.
    const now = Date.now()
    const series = (n: number, per: number) => Array.from({ length: n }, (_, i) => ({ start: new Date(now - (n - i) * 5000).toISOString(), requests: per, errors: 0, latencyMs: { p50: 1, p99: 3 } }))
    const report = {
      kind: 'TrafficReport',
      apiVersion: 'traffic.kubelite.io/v1alpha1',
      namespace: 'default',
      service: 'myapp-svc',
      window: { start: new Date(now - 60_000).toISOString(), end: new Date(now).toISOString(), seconds: 60, stepSeconds: 5 },
      groups: [
        { service: 'myapp-svc', replicaSet: 'k8s-testapp-647b9f655', backend: 'stable', requests: 540, errors: 0, requestsPerSecond: 9, latencyMs: { p50: 1, p99: 3 }, series: series(12, 45) },
        { service: 'myapp-svc', replicaSet: 'k8s-testapp-canary-6d4dbcf6bc', backend: 'canary', requests: 60, errors: 2, requestsPerSecond: 1, latencyMs: { p50: 2, p99: 7 }, series: series(12, 5) },
      ],
    }
    await page.route('**/traffic/v1/namespaces/default/services/myapp-svc?*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) }))
    await page.reload()
    await page.locator('.traffic .uplot canvas').first().waitFor()
    assert.equal(await page.locator('.traffic .uplot').count(), 2, 'requests/s and p99 charts')
    await page.locator('tr[data-group="k8s-testapp-647b9f655"]', { hasText: '90%' }).waitFor()
    await page.locator('tr[data-group="k8s-testapp-canary-6d4dbcf6bc"]', { hasText: '10%' }).waitFor()
    await page.unroute('**/traffic/v1/namespaces/default/services/myapp-svc?*')
  })

  test("the cluster's own traffic report: real requests through the Service show as the 90/10 split per ReplicaSet", async () => {
    const ip = (await c.k('get', 'svc', 'myapp-svc', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    for (let i = 0; i < 300; i++) assert.equal((await httpGet(`http://${ip}:8080/`)).code, 200)
    const rsOf = async (version: string) => (await c.k('get', 'rs', '-l', `version=${version}`, '-o', 'jsonpath={.items[0].metadata.name}')).trim()
    const [stable, canaryRS] = [await rsOf('stable'), await rsOf('canary')]
    await page.reload()
    await page.locator('.traffic .uplot canvas').first().waitFor({ timeout: 30_000 })
    await page.locator(`tr[data-group="${stable}"]`, { hasText: '90%' }).waitFor({ timeout: 30_000 })
    await page.locator(`tr[data-group="${canaryRS}"]`, { hasText: '10%' }).waitFor({ timeout: 30_000 })
  })

  test('Rollouts slot in when discovery serves argoproj.io: listed, and the Argo plugin actions send its patches', async () => {
    // This cluster serves no Rollouts: the browser answers for argoproj.io, as a cluster that does would.
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'demo', namespace: 'default', uid: 'ro-1', resourceVersion: '1' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'demo' } },
        template: { metadata: { labels: { app: 'demo' } }, spec: { containers: [{ name: 'demo', image: 'argoproj/rollouts-demo:blue' }] } },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      },
      status: { phase: 'Paused', pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-12-07T10:00:00Z' }], currentStepIndex: 1, stableRS: 'aaa', currentPodHash: 'bbb' },
    }
    const patches: { path: string; contentType?: string; body: unknown }[] = []
    await page.route(/\/apis\/argoproj\.io\/v1alpha1$/, (route) =>
      route.fulfill({ json: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'argoproj.io/v1alpha1', resources: [{ name: 'rollouts', singularName: 'rollout', namespaced: true, kind: 'Rollout', verbs: ['get', 'list', 'watch', 'patch'], shortNames: ['ro'] }] } }),
    )
    await page.route(/\/apis\/argoproj\.io\/v1alpha1\/namespaces\/default\/rollouts/, (route) => {
      const req = route.request()
      const u = new URL(req.url())
      if (req.method() === 'PATCH') {
        patches.push({ path: u.pathname, contentType: req.headers()['content-type'], body: req.postDataJSON() })
        return route.fulfill({ json: rollout })
      }
      if (u.searchParams.get('watch') === 'true') return route.fulfill({ status: 200, contentType: 'application/json', body: '' })
      return route.fulfill({ json: { kind: 'RolloutList', apiVersion: 'argoproj.io/v1alpha1', metadata: { resourceVersion: '1' }, items: [rollout] } })
    })
    await page.goto(url.replace(/\?token=.*/, '#/ns/default'))
    await page.getByRole('heading', { name: 'Rollouts' }).waitFor()
    await page.getByRole('link', { name: 'demo', exact: true }).click()
    await page.getByRole('heading', { name: /Rollout demo/ }).waitFor()
    await page.locator('#promote-full-cmd', { hasText: 'kubectl argo rollouts promote demo --full' }).waitFor()
    await page.getByRole('button', { name: 'Promote', exact: true }).click()
    await page.getByRole('dialog', { name: 'Promote?' }).getByRole('button', { name: 'Yes, promote' }).click()
    await page.getByRole('status').filter({ hasText: 'Done: kubectl argo rollouts promote demo' }).waitFor()
    // Cancel sends nothing.
    await page.getByRole('button', { name: 'Abort' }).click()
    await page.getByRole('dialog', { name: 'Abort?' }).getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    assert.equal(patches.length, 1)
    await page.getByRole('button', { name: 'Abort' }).click()
    await page.getByRole('dialog', { name: 'Abort?' }).getByRole('button', { name: 'Yes, abort' }).click()
    await page.getByRole('status').filter({ hasText: 'Done: kubectl argo rollouts abort demo' }).waitFor()
    const statusPath = '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/demo/status'
    assert.deepEqual(patches, [
      { path: statusPath, contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null } } },
      { path: statusPath, contentType: 'application/merge-patch+json', body: { status: { abort: true } } },
    ])
    await page.unrouteAll()
    // A Deployment's page has no Rollout actions.
    await page.goto(url.replace(/\?token=.*/, '#/ns/default/deployments/web'))
    await page.getByRole('heading', { name: /Deployment web/ }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Promote', exact: true }).count(), 0)
  })

  test("a real canary Rollout paused at setWeight 25: steps, weights, split and traffic on the page; promoted with the keyboard alone", async () => {
    const manifest = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: live}
spec:
  replicas: 4
  selector: {matchLabels: {app: live}}
  template:
    metadata: {labels: {app: live}}
    spec:
      containers: [{name: app, image: "argoproj/rollouts-demo:blue", ports: [{containerPort: 8080}]}]
  strategy:
    canary:
      stableService: live-stable
      canaryService: live-canary
      steps: [{setWeight: 25}, {pause: {}}, {setWeight: 75}, {pause: {duration: 5s}}]
---
apiVersion: v1
kind: Service
metadata: {name: live-stable}
spec: {selector: {app: live}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: live-canary}
spec: {selector: {app: live}, ports: [{port: 8080}]}
`
    await c.k('apply', '-f', c.file('live.yaml', manifest))
    type Ro = { status?: { phase?: string; stableRS?: string; currentPodHash?: string; currentStepIndex?: number; canary?: { weights?: { canary?: { weight?: number } } } } }
    const rolloutIs = (want: string, pred: (r: Ro) => boolean = () => true) =>
      until(
        `Rollout live ${want}`,
        async () => {
          const r = JSON.parse(await c.k('get', 'ro', 'live', '-o', 'json')) as Ro
          return r.status?.phase === want && pred(r) ? r : undefined
        },
        90_000,
      )
    await rolloutIs('Healthy')
    await c.k('patch', 'ro', 'live', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"argoproj/rollouts-demo:yellow"}]')
    await rolloutIs('Paused', (r) => r.status?.currentStepIndex === 1 && r.status?.canary?.weights?.canary?.weight === 25)

    // Real requests through the stable Service, which the proxy splits 75/25 by the Rollout's weights.
    const ip = (await c.k('get', 'svc', 'live-stable', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    const seen = new Map<string, number>()
    for (let i = 0; i < 200; i++) {
      const r = await httpGet(`http://${ip}:8080/color`)
      seen.set(r.body, (seen.get(r.body) ?? 0) + 1)
    }
    assert.deepEqual([...seen.values()].sort((a, b) => a - b), [50, 150], `a 75/25 split of 200 requests: ${JSON.stringify([...seen])}`)

    await page.goto(url.replace(/\?token=.*/, '#/ns/default'))
    await page.getByRole('heading', { name: 'Rollouts' }).waitFor()
    await page.getByRole('link', { name: 'live', exact: true }).click()
    await page.getByRole('heading', { name: /Rollout live/ }).waitFor()
    // The canary section: the step in force, the weights, the split.
    const canary = page.getByRole('region', { name: 'Canary' })
    await canary.locator('[aria-current="step"]', { hasText: 'Pause (until promoted)' }).waitFor()
    await canary.locator('[data-actual-weight="25"]').waitFor()
    await canary.getByRole('img', { name: 'traffic split: stable 75%, canary 25%' }).waitFor()
    await until('the stable and canary ReplicaSets with their pods', async () => (await page.locator('.rs .badge.role-stable').count()) === 1 && (await page.locator('.rs .badge.role-canary').count()) === 1, 30_000)
    await page.locator('.traffic .uplot canvas').first().waitFor({ timeout: 30_000 })
    // The page reads out where the rollout stands.
    await page.locator('[data-progress]', { hasText: 'Rollout live: Paused. step 2 of 4, Pause (until promoted); canary weight 25% (set 25%).' }).waitFor()
    if (shots) {
      await page.setViewportSize({ width: 1200, height: 1300 })
      await until('both ReplicaSets ready', async () => (await readyDots(page, 2)) >= 1 && (await readyDots(page, 1)) === 4, 60_000)
      await shot(page, 'dashboard-rollout-canary.png')
      await page.setViewportSize({ width: 1200, height: 900 })
    }

    // The accessibility tree names every main control.
    const tree = await page.getByRole('region', { name: 'Actions' }).ariaSnapshot()
    for (const line of ['textbox "Image"', 'button "Set image"', 'spinbutton "Replicas"', 'button "Scale"', 'combobox "Undo to"', 'button "Undo"', 'button "Pause"', 'button "Restart"', 'button "Promote"', 'button "Promote full"', 'button "Abort"', 'button "Retry"']) {
      assert.ok(tree.includes(line), `the Actions region has ${line}:\n${tree}`)
    }
    // Each button is described by its kubectl command.
    const described = await page.evaluate(`document.getElementById(document.getElementById('promote').getAttribute('aria-describedby')).textContent`)
    assert.equal(described, 'kubectl argo rollouts promote live')

    // Keyboard only: from the heading (focused by the navigation), Tab to Promote, Enter.
    const focused = () => page.evaluate(`(() => { const e = document.activeElement; return e ? (e.id || e.tagName) + ':' + e.textContent.trim() : '' })()`) as Promise<string>
    assert.match(await focused(), /^H1:Rollout live/, 'focus moved to the heading after the navigation')
    for (let i = 0; i < 200 && (await focused()) !== 'promote:Promote'; i++) await page.keyboard.press('Tab')
    assert.equal(await focused(), 'promote:Promote')
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Promote?' })
    await dialog.waitFor()
    assert.equal(await focused(), 'BUTTON:Cancel', 'the dialog opens on Cancel')
    assert.match(await page.locator('body').ariaSnapshot(), /dialog "Promote\?"/)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await until('Escape closes the dialog and gives focus back', async () => (await focused()) === 'promote:Promote', 5000)
    assert.equal((JSON.parse(await c.k('get', 'ro', 'live', '-o', 'json')) as Ro).status?.currentStepIndex, 1, 'Escape sent nothing')
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await page.keyboard.press('Tab')
    assert.equal(await focused(), 'BUTTON:Yes, promote')
    await page.keyboard.press('Enter')
    await page.getByRole('status').filter({ hasText: 'Done: kubectl argo rollouts promote live' }).waitFor()
    await until('focus back on Promote after the action', async () => (await focused()) === 'promote:Promote', 5000)
    const next = await rolloutIs('Paused', (r) => (r.status?.currentStepIndex ?? 0) >= 3).catch(() => rolloutIs('Healthy'))
    assert.ok((next.status?.currentStepIndex ?? 0) >= 3, 'the Rollout moved past the pause')
    await page.locator('[data-progress]', { hasText: /Rollout live: (Progressing|Paused|Healthy)\. (step [34] of 4|all 4 steps done)/ }).waitFor({ timeout: 60_000 })
    const done = await rolloutIs('Healthy', (r) => r.status?.stableRS === r.status?.currentPodHash)
    assert.equal(done.status?.currentStepIndex, 4)
  })

  test('kubelite dashboard prints a fresh log-in link for the running cluster', async () => {
    const { spawnSync } = await import('node:child_process')
    const r = spawnSync(process.execPath, [join(new URL('../..', import.meta.url).pathname, 'bin/kubelite.js'), 'dashboard', '--data-dir', c.dataDir], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    const fresh = r.stdout.trim()
    assert.match(fresh, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    assert.notEqual(fresh, url)
    const res = await fetch(fresh, { redirect: 'manual' })
    assert.equal(res.status, 303)
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly/)
  })

  test('kubelite dashboard --open hands the link to the browser, and without one prints it and says why', async () => {
    const { spawnSync } = await import('node:child_process')
    const { chmodSync, readFileSync, writeFileSync } = await import('node:fs')
    const bin = join(new URL('../..', import.meta.url).pathname, 'bin/kubelite.js')
    const seen = c.file('opened', '')
    const browserScript = c.file('browser.sh', `#!/bin/sh\nprintf '%s' "$1" > ${seen}\n`)
    chmodSync(browserScript, 0o755)
    const env = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' }
    const opened = spawnSync(process.execPath, [bin, 'dashboard', '--open', '--data-dir', c.dataDir], { encoding: 'utf8', env: { ...env, BROWSER: browserScript } })
    assert.equal(opened.status, 0, opened.stderr)
    const link = opened.stdout.trim()
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    assert.equal(readFileSync(seen, 'utf8'), link, 'the browser got the printed link')
    assert.match(opened.stderr, /Opened the dashboard in your browser/)
    assert.equal((await httpGet(link)).code, 303, 'the opened link logs in') // a new connection: not a kept-alive one the server may be closing

    writeFileSync(seen, '')
    const none = spawnSync(process.execPath, [bin, 'dashboard', '--open', '--data-dir', c.dataDir], { encoding: 'utf8', env: { ...env, BROWSER: '' } })
    assert.equal(none.status, 0, none.stderr)
    assert.match(none.stdout.trim(), /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    assert.match(none.stderr, /^kubelite: could not open a browser: there is no graphical session .*Open the link above yourself\.$/m)
    assert.equal(readFileSync(seen, 'utf8'), '')
  })
})

describe('dashboard with 1,000 pods (sim runtime)', { skip }, () => {
  let c: Cluster
  let browser: Browser

  before(async () => {
    c = await startCluster(['--runtime', 'sim', '--dashboard-port', String(await freePort())])
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await c?.destroy()
  })

  test('renders 1,000 pod dots and stays responsive to a scale from the page', async () => {
    await c.k('create', 'deployment', 'big', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=1000')
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage()
    await page.goto(loginUrl(c))
    await page.getByRole('heading', { name: 'Namespaces' }).waitFor()
    await page.goto(loginUrl(c).replace(/\?token=.*/, '#/ns/default/deployments/big'))
    await until('1,000 ready dots', async () => (await page.locator('.dot[data-state="ready"]').count()) === 1000, 180_000)
    await shot(page, 'dashboard-1000-pods.png')
    // Responsive: typing updates the command preview, and a scale from the page lands.
    await page.getByRole('spinbutton', { name: 'Replicas' }).fill('990')
    await page.locator('#scale-cmd', { hasText: '--replicas=990' }).waitFor({ timeout: 10_000 })
    await page.getByRole('button', { name: 'Scale' }).click()
    await until('990 pods on the page', async () => (await page.locator('.rs .dot').count()) === 990, 120_000)
    assert.equal((await c.k('get', 'deploy', 'big', '-o', 'jsonpath={.spec.replicas}')).trim(), '990')
  })
})
