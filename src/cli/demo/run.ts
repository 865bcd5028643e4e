// `kubelite demo NAME`: runs a scenario step by step against a running cluster (or one it starts
// for the occasion), printing each command before running it with the real kubectl, pausing
// between steps on a terminal, showing rollouts live, and checking its own claims: every answer
// from the expected version, and no request failed. Ctrl-C removes what it created.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { StoredObject } from '../../apis/meta.js'
import type { Pod } from 'kubernetes-types/core/v1.js'
import { HttpClient } from '../../client/http.js'
import { isPodReady } from '../../controllers/runtime/pods.js'
import { freePort } from '../../lib/net.js'
import { defaultKubeconfigPath, readKubeconfig } from '../kubeconfig.js'
import type { Lang, RolloutPhase, Scenario, Step, Target, Text } from './scenarios.js'
import { BackgroundClient, count, emptyTally, get, type Tally } from './traffic.js'
import { renderReplicaSets, renderShares, renderTally, type DeploymentView } from './view.js'

/** The package root: examples/ and bin/ live there (src/cli/demo and dist/cli/demo alike). */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url))

export interface DemoOptions {
  scenario: Scenario
  lang: Lang
  /** Run straight through, without pauses. */
  yes: boolean
  /** Redraw the live view in place (a terminal). */
  live: boolean
  kubeconfig?: string
  context?: string
  /**
   * Also write the run as Markdown tutorials into this folder, `<name>.md` and `<name>.ko.md`
   * (no background client then, so the answers shown are deterministic).
   */
  record?: string
  out?: NodeJS.WritableStream
  kubectl?: string
}

const ui = {
  en: {
    noKubectl: 'kubectl is not on your PATH: install it as https://kubernetes.io/docs/tasks/tools/ says (kubelite drives the real kubectl), or set KUBECTL to its path.',
    starting: 'No cluster answers at the current context, so this demo starts one of its own (it stops when the demo ends).',
    using: (ctx: string, server: string) => `Using the cluster of context "${ctx}" (${server}).`,
    leftovers: 'Removing what an earlier run of this demo left behind ...',
    next: '  [Enter] next step · [q] quit ',
    rolledOut: 'rolled out',
    done: (n: number, failed: number) => `Done. While the demo ran, a client sent ${n} requests to the Service (a new connection each, and over a kept-alive one): ${failed} failed.`,
    keep: (dir: string) => `The objects stay for you to explore; remove them with: kubectl delete -f examples/${dir}/`,
    cleaning: 'Interrupted: removing what the demo created ...',
    stopCluster: 'Stopping the cluster this demo started.',
    unexpected: (want: string) => `✗ expected answers from ${want} only`,
    missing: (want: string) => `✗ expected answers from ${want}`,
    failedReq: (n: number) => `✗ ${n} requests failed`,
    timeout: 'the rollout did not finish within 3 minutes',
    phaseTimeout: (name: string, phase: string) => `${name} did not reach phase ${phase} within 3 minutes`,
    share: (want: string) => `✗ expected a split of ${want} (within 3 points)`,
    runFrom: (dir: string) => `Commands run from ${dir} (examples/ is there).`,
  },
  ko: {
    noKubectl: 'PATH에 kubectl이 없습니다: https://kubernetes.io/docs/tasks/tools/ 안내대로 설치하거나(kubelite는 실제 kubectl을 사용합니다) KUBECTL에 경로를 지정하세요.',
    starting: '현재 컨텍스트에 응답하는 클러스터가 없어 데모용 클러스터를 시작합니다(데모가 끝나면 멈춥니다).',
    using: (ctx: string, server: string) => `컨텍스트 "${ctx}"의 클러스터(${server})를 사용합니다.`,
    leftovers: '이전 데모 실행이 남긴 오브젝트를 지우는 중 ...',
    next: '  [Enter] 다음 단계 · [q] 종료 ',
    rolledOut: '롤아웃 완료',
    done: (n: number, failed: number) => `완료. 데모가 실행되는 동안 클라이언트가 서비스에 요청 ${n}개를 보냈습니다(매번 새 연결, 그리고 keep-alive 연결 하나): 실패 ${failed}개.`,
    keep: (dir: string) => `오브젝트는 살펴볼 수 있도록 남겨 둡니다. 지우려면: kubectl delete -f examples/${dir}/`,
    cleaning: '중단됨: 데모가 만든 오브젝트를 지우는 중 ...',
    stopCluster: '데모가 시작한 클러스터를 멈춥니다.',
    unexpected: (want: string) => `✗ ${want}만 응답해야 합니다`,
    missing: (want: string) => `✗ ${want}의 응답이 있어야 합니다`,
    failedReq: (n: number) => `✗ 요청 ${n}개 실패`,
    timeout: '롤아웃이 3분 안에 끝나지 않았습니다',
    phaseTimeout: (name: string, phase: string) => `${name}이(가) 3분 안에 ${phase} 단계가 되지 않았습니다`,
    share: (want: string) => `✗ ${want}로 나뉘어야 합니다(3포인트 이내)`,
    runFrom: (dir: string) => `명령은 ${dir}에서 실행됩니다(examples/가 있는 곳).`,
  },
}

/** A shell-like rendering of an argument list (quotes where a shell would need them). */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** Did the answers keep the step's promise? Messages for what they broke. */
export function checkAnswers(t: Tally, expect: string[] | undefined, lang: Lang): string[] {
  const m = ui[lang]
  const problems: string[] = []
  if (t.failed > 0) problems.push(m.failedReq(t.failed))
  if (!expect) return problems
  const seen = [...t.byVersion.keys()]
  if (seen.some((v) => !expect.includes(v))) problems.push(m.unexpected(expect.join(', ')))
  else if (expect.length > 1 && expect.some((v) => !seen.includes(v))) problems.push(m.missing(expect.join(', ')))
  return problems
}

/** The shares (percent) of a tally's answers by version. */
export function sharesOf(t: Tally): Record<string, number> {
  const total = [...t.byVersion.values()].reduce((a, b) => a + b, 0)
  return Object.fromEntries([...t.byVersion.entries()].map(([v, n]) => [v, total ? (n / total) * 100 : 0]))
}

/** Does a tally follow the split `want` (percent by version), each version within `points`? */
export function followsShare(t: Tally, want: Record<string, number>, points: number): boolean {
  const got = sharesOf(t)
  const versions = new Set([...Object.keys(want), ...Object.keys(got)])
  return [...versions].every((v) => Math.abs((got[v] ?? 0) - (want[v] ?? 0)) <= points)
}

/** A split as people write it: `v0.1 90% / v0.2 10%`. */
export const renderSplit = (want: Record<string, number>): string =>
  Object.entries(want)
    .map(([v, p]) => `${v} ${p}%`)
    .join(' / ')

/** The shell line a tally of `n` requests to `shown` (host:port[/path]) is shown as, and its lines: `uniq -c` of what the app answers. */
export function tallyCommand(n: number, shown: string, path = '/'): string {
  const loop = `for i in $(seq ${n}); do curl -s ${shown}; echo; done`
  return path === '/color' ? `${loop} | sort | uniq -c` : `${loop} | grep -o '"app version":"[^"]*"' | sort | uniq -c`
}

export function tallyLines(t: Tally, path = '/'): string[] {
  return [...t.byVersion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, c]) => `${String(c).padStart(7)} ${path === '/color' ? `"${v}"` : `"app version":"${v}"`}`)
}

/** The line a Rollout's state is shown as: `rollouts-demo: Paused (CanaryPauseStep)`. */
export function renderPhase(name: string, status: { phase?: string; message?: string } | undefined): string {
  return `${name}: ${status?.phase ?? '(no status yet)'}${status?.message ? ` (${status.message})` : ''}`
}

class Demo {
  private readonly out: NodeJS.WritableStream
  private readonly m: (typeof ui)['en']
  private readonly kubectlBin: string
  private kubeconfigArgs: string[] = []
  private client?: HttpClient
  private own?: { child: ChildProcess; dir: string }
  private background?: BackgroundClient
  /** The run as a tutorial: narration in both languages, and what the commands printed. */
  private readonly md: ({ text: Text } | { code: string[]; lang: 'console' | 'text' })[] = []
  private failures = 0
  private interrupted = false
  private rl?: ReturnType<typeof createInterface>
  /** Ends a pause early (Ctrl-C while the demo waits for Enter). */
  private wake?: () => void

  constructor(private readonly o: DemoOptions) {
    this.out = o.out ?? process.stdout
    this.m = ui[o.lang]
    this.kubectlBin = o.kubectl ?? process.env.KUBECTL ?? 'kubectl'
  }

  private print(line = ''): void {
    this.out.write(line + '\n')
  }

  private text(t: Text | undefined): string | undefined {
    return t?.[this.o.lang]
  }

  async run(): Promise<number> {
    if (spawnSync(this.kubectlBin, ['version', '--client'], { stdio: 'ignore' }).error) {
      this.print(this.m.noKubectl)
      return 1
    }
    const onSignal = () => void this.interrupt()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await this.connect()
      const s = this.o.scenario
      this.print(`\n== kubelite demo ${s.name}: ${this.text(s.title)} ==`)
      this.print(this.m.runFrom(packageRoot))
      await this.removeLeftovers()
      for (let i = 0; i < s.steps.length && !this.interrupted; i++) {
        await this.step(s.steps[i])
        if (!this.o.yes && i < s.steps.length - 1 && !this.interrupted) await this.pause()
      }
      if (this.interrupted) return 130
      const t = (await this.background?.stop()) ?? emptyTally()
      this.print()
      if (this.background) {
        this.print(this.m.done(t.requests, t.failed))
        if (t.failed > 0) {
          this.failures++
          const { fresh, keptAlive } = this.background
          this.print(`  new connection each: ${fresh.failed} of ${fresh.requests} failed (${fresh.errors.join(', ')}); kept alive: ${keptAlive.failed} of ${keptAlive.requests} failed (${keptAlive.errors.join(', ')})`)
        }
      }
      this.print(this.m.keep(s.examples))
      if (this.o.record) for (const lang of ['en', 'ko'] as const) writeFileSync(join(this.o.record, `${s.name}${lang === 'en' ? '' : '.ko'}.md`), tutorial(s, this.md, lang))
      return this.failures > 0 ? 1 : 0
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      this.rl?.close()
      await this.background?.stop()
      await this.client?.close()
      await this.stopOwnCluster()
    }
  }

  /** The cluster of the kubeconfig's context, or one started for the demo when none answers. */
  private async connect(): Promise<void> {
    const path = this.o.kubeconfig ?? defaultKubeconfigPath()
    if (this.o.kubeconfig) this.kubeconfigArgs.push('--kubeconfig', this.o.kubeconfig)
    if (this.o.context) this.kubeconfigArgs.push('--context', this.o.context)
    try {
      const creds = await readKubeconfig(path, this.o.context)
      this.client = await HttpClient.connect({ server: creds.server, caCertPem: creds.caCertPem, token: creds.token, clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem, userAgent: 'kubelite-demo' })
      this.print(this.m.using(creds.context, creds.server))
      return
    } catch {
      // nothing answers there: start our own
    }
    this.print(this.m.starting)
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-demo-'))
    const kubeconfig = join(dir, 'kubeconfig')
    const port = await freePort()
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'kubelite.js'), 'up', '--data-dir', join(dir, 'data'), '--port', String(port), '--kubeconfig', kubeconfig], { stdio: 'ignore' })
    this.own = { child, dir }
    this.kubeconfigArgs = ['--kubeconfig', kubeconfig]
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        const creds = await readKubeconfig(kubeconfig)
        const c = await HttpClient.connect({ server: creds.server, caCertPem: creds.caCertPem, token: creds.token, clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem, userAgent: 'kubelite-demo' })
        if ((await c.send('GET', '/readyz', undefined, '')).statusCode === 200) {
          this.client = c
          return
        }
        await c.close()
      } catch {
        // not yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the demo cluster did not start')
      await sleep(200)
    }
  }

  private async stopOwnCluster(): Promise<void> {
    if (!this.own) return
    const { child, dir } = this.own
    this.own = undefined
    this.print(this.m.stopCluster)
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))])
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }

  private kubectl(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(this.kubectlBin, [...args, ...this.kubeconfigArgs], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout.on('data', (d) => (output += d))
      child.stderr.on('data', (d) => (output += d))
      child.on('close', (code) => resolve({ code: code ?? 1, output }))
      child.on('error', (err) => resolve({ code: 1, output: err.message }))
    })
  }

  /** `-f examples/<dir>/` for each folder the scenario applies from. */
  private examplesArgs(): string[] {
    const s = this.o.scenario
    return [s.examples, ...(s.alsoExamples ?? [])].flatMap((d) => ['-f', `examples/${d}/`])
  }

  private async removeLeftovers(): Promise<void> {
    const found = await this.kubectl(['get', ...this.examplesArgs(), '--ignore-not-found', '-o', 'name'])
    if (found.code === 0 && found.output.trim() !== '') {
      this.print(this.m.leftovers)
      await this.kubectl(['delete', ...this.examplesArgs(), '--ignore-not-found', '--wait=true'])
    }
  }

  private narrate(t: Text | undefined): void {
    const s = this.text(t)
    if (!s) return
    this.print()
    this.print(`# ${s}`)
    this.md.push({ text: t! })
  }

  private async step(step: Step): Promise<void> {
    this.narrate(step.text)
    switch (step.kind) {
      case 'say':
        return
      case 'kubectl':
        return this.command(step.args)
      case 'argo':
        // kubectl finds the plugin, bin/kubectl-argo-rollouts, on PATH.
        return this.command(['argo', 'rollouts', ...step.args], { ...process.env, PATH: `${join(packageRoot, 'bin')}${delimiter}${process.env.PATH ?? ''}` })
      case 'rolloutPhase':
        return this.waitForPhase(step.rollout, step.phase, step.load, step.scaledDown ?? false)
      case 'rollout':
        await this.watchRollout(step.deployments)
        return this.startBackground() // once pods answer: the Service exists and has endpoints
      case 'curl': {
        await this.startBackground()
        const target = step.target ?? this.o.scenario.target
        if (step.settle && step.expect) await this.settle(target, step.expect)
        if (step.share) await this.settleShare(target, step.share)
        return this.curl(target, step.count, step.tally ?? false, step.expect, step.share)
      }
    }
  }

  /** `kubectl ARGS`, printed as typed, with what it prints. */
  private async command(args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
    const cmd = `kubectl ${shellQuote(args)}`
    this.print(`$ ${cmd}`)
    const { code, output } = await this.kubectl(args, env)
    this.out.write(output)
    this.md.push({ lang: 'console', code: [`$ ${cmd}`, output.trimEnd()] })
    if (code !== 0) this.failures++
  }

  /** Waits until the Rollout has observed its spec and is in `phase` (and, `scaledDown`, runs no old pods); meanwhile, with `load`, requests go to that Service. */
  private async waitForPhase(name: string, phase: RolloutPhase, load: Target | undefined, scaledDown: boolean): Promise<void> {
    const rollouts = this.client!.resource({ group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' })
    const u = load ? await this.url(load) : undefined
    const client = u ? new BackgroundClient(u.url).start() : undefined
    const deadline = Date.now() + 180_000
    let status: { phase?: string; message?: string; observedGeneration?: string | number; selector?: string } | undefined
    try {
      for (;;) {
        const ro = await rollouts.get('default', name).catch(() => undefined)
        status = ro?.status as typeof status
        const observed = ro !== undefined && String(status?.observedGeneration ?? '') === String(ro.metadata.generation ?? '')
        if ((observed && status?.phase === phase && (!scaledDown || (await this.onlyDesiredPods(ro)))) || this.interrupted) break
        if (Date.now() > deadline) {
          this.failures++
          this.print(`✗ ${this.m.phaseTimeout(name, phase)}`)
          break
        }
        await sleep(200)
      }
    } finally {
      await client?.stop()
    }
    const line = renderPhase(name, status)
    this.print(`  ✓ ${line}`)
    this.md.push({ lang: 'text', code: [line] })
  }

  private async pause(): Promise<void> {
    this.rl ??= createInterface({ input: process.stdin })
    this.out.write(this.m.next)
    const answer = await new Promise<string>((r) => {
      this.wake = () => r('')
      this.rl!.once('line', r)
    })
    this.wake = undefined
    if (answer.trim().toLowerCase() === 'q') await this.interrupt()
  }

  private async interrupt(): Promise<void> {
    if (this.interrupted) return
    this.interrupted = true
    // A pause waiting for Enter ends now, and stdin is let go, so the process can exit.
    this.rl?.close()
    this.wake?.()
    this.print()
    this.print(this.m.cleaning)
    await this.background?.stop()
    await this.kubectl(['delete', ...this.examplesArgs(), '--ignore-not-found', '--wait=false'])
    await this.stopOwnCluster()
    process.exitCode = 130
  }

  /** Where requests go once the Service exists: its ClusterIP and port, or 127.0.0.1 and the NodePort. */
  private async url(target: Target): Promise<{ url: string; shown: string } | undefined> {
    try {
      const svc = await this.client!.resource({ group: '', version: 'v1', resource: 'services' }).get('default', target.service)
      const path = target.path ?? '/'
      const at = (hostPort: string) => ({ url: `http://${hostPort}${path}`, shown: `${hostPort}${path === '/' ? '' : path}` })
      if (target.nodePort) return at(`127.0.0.1:${target.nodePort}`)
      const ip = (svc.spec as { clusterIP?: string }).clusterIP
      return ip ? at(`${ip}:${target.port}`) : undefined
    } catch {
      return undefined
    }
  }

  private async startBackground(): Promise<void> {
    if (this.background || this.o.record) return
    const u = await this.url(this.o.scenario.target)
    if (u) this.background = new BackgroundClient(u.url).start()
  }

  /** Does the Rollout run just its desired pods: the older ReplicaSets' pods gone, terminating ones included? */
  private async onlyDesiredPods(ro: StoredObject): Promise<boolean> {
    const selector = (ro.status as { selector?: string } | undefined)?.selector
    if (!selector) return false
    const pods = await this.client!.resource({ group: '', version: 'v1', resource: 'pods' }).list('default', { labelSelector: selector })
    return pods.items.length === ((ro.spec as { replicas?: number }).replicas ?? 1)
  }

  /** Waits (up to 15 s) until 10 answers in a row come from `expect`: the switch has reached the proxy. */
  private async settle(target: Target, expect: string[]): Promise<void> {
    const u = await this.url(target)
    if (!u) return
    const deadline = Date.now() + 15_000
    for (let run = 0; run < 10 && Date.now() < deadline; ) {
      const a = await get(u.url)
      run = a.ok && a.version !== undefined && expect.includes(a.version) ? run + 1 : 0
      if (run === 0) await sleep(50)
    }
  }

  /**
   * Waits (up to 15 s) until two batches of 20 answers in a row follow the split within 10 points
   * (2 answers in 20): new weights take a moment to reach the proxy, as a selector switch does.
   */
  private async settleShare(target: Target, want: Record<string, number>): Promise<void> {
    const u = await this.url(target)
    if (!u) return
    const deadline = Date.now() + 15_000
    for (let good = 0; good < 2 && Date.now() < deadline; ) {
      const t = emptyTally()
      for (let i = 0; i < 20; i++) count(t, await get(u.url))
      good = t.failed === 0 && followsShare(t, want, 10) ? good + 1 : 0
      if (good === 0) await sleep(100)
    }
  }

  private async curl(target: Target, n: number, tally: boolean, expect: string[] | undefined, share?: Record<string, number>): Promise<void> {
    const u = await this.url(target)
    if (!u) return
    const path = target.path ?? '/'
    const t = emptyTally()
    const lines: string[] = []
    for (let i = 0; i < n; i++) {
      const a = await get(u.url)
      count(t, a)
      if (!tally) lines.push(a.text)
    }
    const cmd = tally ? tallyCommand(n, u.shown, path) : `curl ${u.shown}`
    if (tally) lines.push(...tallyLines(t, path))
    this.print(`$ ${cmd}`)
    for (const l of lines) this.print(l)
    if (tally) this.print(`  → ${renderShares(t)}`)
    this.md.push({ lang: 'console', code: [`$ ${cmd}`, ...lines] })
    const problems = checkAnswers(t, expect, this.o.lang)
    if (share && !followsShare(t, share, 3)) problems.push(this.m.share(renderSplit(share)))
    for (const p of problems) {
      this.failures++
      this.print(p)
    }
  }

  /** What the named Deployments, their ReplicaSets and pods look like now. */
  private async snapshot(names: string[]): Promise<DeploymentView[]> {
    const c = this.client!
    const [deps, rss, pods] = await Promise.all([
      c.resource({ group: 'apps', version: 'v1', resource: 'deployments' }).list('default'),
      c.resource({ group: 'apps', version: 'v1', resource: 'replicasets' }).list('default'),
      c.resource({ group: '', version: 'v1', resource: 'pods' }).list('default'),
    ])
    return names.map((name) => {
      const d = deps.items.find((x) => x.metadata.name === name)
      const spec = (d?.spec ?? {}) as { replicas?: number }
      const status = (d?.status ?? {}) as { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number }
      const desired = spec.replicas ?? 1
      const owned = rss.items.filter((rs) => d && rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid))
      const replicaSets = owned.map((rs) => ({
        name: rs.metadata.name!,
        revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?',
        image: ((rs.spec as { template?: { spec?: { containers?: { image?: string }[] } } }).template?.spec?.containers ?? []).map((x) => x.image).join(','),
        pods: pods.items.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid)).map((p) => ({ ready: isPodReady(p as Pod), terminating: Boolean(p.metadata.deletionTimestamp) })),
      }))
      const allPods = replicaSets.flatMap((r) => r.pods)
      const complete =
        d !== undefined &&
        (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        (status.updatedReplicas ?? 0) === desired &&
        (status.replicas ?? 0) === desired &&
        (status.availableReplicas ?? 0) === desired &&
        allPods.length === desired &&
        allPods.every((p) => p.ready && !p.terminating)
      return { name, desired, complete, replicaSets }
    })
  }

  private async watchRollout(names: string[]): Promise<void> {
    const deadline = Date.now() + 180_000
    let drawn = 0
    let lastShape = ''
    let views: DeploymentView[] = []
    for (;;) {
      views = await this.snapshot(names)
      const rsLines = renderReplicaSets(views, this.o.lang)
      const lines = this.background ? [...rsLines, renderTally(this.background.tally, this.o.lang)] : rsLines
      if (this.o.live) {
        if (drawn) this.out.write(`\x1b[${drawn}A`)
        for (const l of lines) this.out.write(`\x1b[2K${l}\n`)
        drawn = lines.length
      } else if (!this.o.record && rsLines.join('\n') !== lastShape) {
        for (const l of lines) this.print(l)
        lastShape = rsLines.join('\n')
      }
      if (views.every((v) => v.complete) || this.interrupted) break
      if (Date.now() > deadline) {
        this.failures++
        this.print(`✗ ${this.m.timeout}`)
        break
      }
      await sleep(200)
    }
    const final = renderReplicaSets(views, this.o.lang)
    if (this.o.record) this.md.push({ lang: 'text', code: final })
    if (!this.o.live && this.o.record) for (const l of final) this.print(l)
    this.print(`  ✓ ${names.join(', ')} ${this.m.rolledOut}`)
  }
}

const intro = {
  en: (name: string, dir: string) =>
    `This page is the record of a real run of \`kubelite demo ${name}\`, regenerated by \`npm run docs\` (a test fails when it drifts). Run it yourself: \`npm start\` in one terminal, \`node bin/kubelite.js demo ${name}\` in another (\`--lang ko\` narrates in Korean). The manifests are in [examples/${dir}](../../examples/${dir}/). Names, ages, addresses and hashes differ from run to run.`,
  ko: (name: string, dir: string) =>
    `이 페이지는 \`kubelite demo ${name}\`을 실제로 실행한 기록이며 \`npm run docs\`로 다시 만들어집니다(내용이 어긋나면 테스트가 실패합니다). 직접 실행해 보세요: 한 터미널에서 \`npm start\`, 다른 터미널에서 \`node bin/kubelite.js demo ${name} --lang ko\`. 매니페스트는 [examples/${dir}](../../examples/${dir}/)에 있습니다. 이름, 나이(AGE), 주소, 해시는 실행할 때마다 다릅니다.`,
}

/** One language's tutorial page from a recorded run. */
export function tutorial(s: Scenario, md: ({ text: Text } | { code: string[]; lang: 'console' | 'text' })[], lang: Lang): string {
  const out = [`# ${s.title[lang]}`, '', intro[lang](s.name, s.examples), '']
  for (const item of md) {
    if ('text' in item) out.push(item.text[lang], '')
    else out.push('```' + item.lang, ...item.code, '```', '')
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export function runDemo(o: DemoOptions): Promise<number> {
  return new Demo(o).run()
}
