// The kubelite command line. kubectl stays the main client; these commands start and inspect the
// cluster only.
import { Command, InvalidArgumentError } from 'commander'
import { pino } from 'pino'
import { enabledControllers, parseControllersFlag, shortControllerNames } from './controllers.js'
import { parseUpstream, type Upstream } from '../dns/index.js'
import { runDemo } from './demo/run.js'
import { rolloutsCommand } from './rollouts/commands.js'
import { scenarios } from './demo/scenarios.js'
import { defaultConfig, startCluster, type UpConfig } from './up.js'
import { defaultDashboardPort, loginUrlFor, printDashboardLink } from './dashboard.js'
import { describeStore, storeConfigProblem } from './store.js'
import { parseGoDuration } from '../lib/go-duration.js'
import { tokenCommand } from './token.js'
import { agentCommand } from './agent.js'

export const kubeliteVersion = '0.1.0'

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number between 1 and 65535')
  return n
}

function positive(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number between 1 and 100')
  return n
}

function loopback(value: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(value) && value !== '0.0.0.0' && value !== '::1') {
    throw new InvalidArgumentError('must be a loopback address (127.x.y.z or ::1), or 0.0.0.0 to listen everywhere')
  }
  return value
}

/** A Go duration (`40s`, `1m30s`) above zero, as kube-controller-manager's duration flags; in ms. */
function duration(value: string): number {
  const ms = parseGoDuration(value)
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('must be a duration above zero, such as 50s or 1m30s')
  return ms
}

/** kube-apiserver's toleration-seconds flags: a whole number of seconds. */
function seconds(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number of seconds')
  return n
}

/** --dns-upstream: `none`, or a comma-separated list of IP[:port] (given again, the lists add up). */
function upstreamList(value: string, previous: Upstream[] | undefined): Upstream[] {
  if (value === 'none') return []
  const out = [...(previous ?? [])]
  for (const item of value.split(',').filter((s) => s !== '')) {
    const u = parseUpstream(item.trim())
    if (!u) throw new InvalidArgumentError(`"${item}" is not an IP address or IP:port`)
    out.push(u)
  }
  return out
}

/** --controllers: a comma-separated list; given again, the lists add up (as pflag's string slices). */
function controllerList(value: string, previous: string[] | undefined): string[] {
  const list = [...(previous ?? []), ...parseControllersFlag(value)]
  try {
    enabledControllers(list)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--controllers: /, ''))
  }
  return list
}

export async function run(argv: string[]): Promise<void> {
  const program = new Command()
  program.name('kubelite').description('A Kubernetes-compatible cluster in one process: no Docker, no VM, no root.').version(kubeliteVersion)

  program
    .command('up')
    .description('start a cluster in the foreground (Ctrl-C stops it)')
    .option('--data-dir <dir>', 'where state, certificates and logs live', defaultConfig().dataDir)
    .option('--port <n>', 'API server port', port, 6443)
    .option('--kubeconfig <file>', 'write this kubeconfig file whole (default: merge a "kubelite" context into $KUBECONFIG or ~/.kube/config)')
    .option('--runtime <kind>', 'container runtime: process | sim', 'process')
    .option('--nodes <n>', 'number of nodes', positive, 1)
    .option('--nodeport-address <addr>', 'address NodePorts listen on', loopback, '127.0.0.1')
    .option('--isolation <mode>', "pods' isolation from the host: auto (namespaces where the host allows them) | none (plain processes)", 'auto')
    .option(
      '--controllers <list>',
      `controllers to run, comma-separated: '*' all, 'foo' enables foo, '-foo' disables foo (default '*'); known: ${shortControllerNames().join(', ')}`,
      controllerList,
    )
    .option('--dns-upstream <list>', "resolvers for names outside the cluster, IP[:port] comma-separated, or 'none' (default: the nameservers of /etc/resolv.conf)", upstreamList)
    .option('--dashboard-port <n>', `web dashboard port on 127.0.0.1 (default ${defaultDashboardPort}, or a free one when that is taken)`, port)
    .option('--no-dashboard', 'do not serve the web dashboard')
    .option('--ingress-port <n>', 'Ingress listener port on 127.0.0.1, HTTP and HTTPS alike (default: a free port)', port)
    .option('--store <url>', 'where state lives: etcd://HOST:PORT[,HOST:PORT...] (etcd v3; etcds:// for TLS) (default: SQLite in the data dir)')
    .option('--etcd-cafile <file>', 'CA certificate that signed the etcd servers\' certificates (with --store etcds://)')
    .option('--etcd-certfile <file>', 'client certificate for etcd (with --store etcds://)')
    .option('--etcd-keyfile <file>', 'private key of the client certificate for etcd')
    .option('--node-name <name>', 'name of the first node (default kubelite; further ones NAME-m02, ...): another control plane on the same etcd needs its own')
    .option('--node-monitor-period <duration>', 'how often the node lifecycle controller checks node health (default 5s)', duration)
    .option('--node-monitor-grace-period <duration>', "how long a node's kubelet may be silent (no Lease renewal, no status) before the node is NotReady (default 50s)", duration)
    .option('--node-startup-grace-period <duration>', 'the same for a node whose kubelet never posted status (default 1m0s)', duration)
    .option('--default-not-ready-toleration-seconds <n>', 'tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration every pod gets (default 300)', seconds)
    .option('--default-unreachable-toleration-seconds <n>', 'tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration every pod gets (default 300)', seconds)
    .action(async (opts) => {
      if (opts.runtime !== 'process' && opts.runtime !== 'sim') {
        program.error(`error: option '--runtime <kind>' argument '${opts.runtime}' is invalid. must be "process" or "sim"`)
      }
      if (opts.isolation !== 'auto' && opts.isolation !== 'none') {
        program.error(`error: option '--isolation <mode>' argument '${opts.isolation}' is invalid. must be "auto" or "none"`)
      }
      const store = { url: opts.store, caFile: opts.etcdCafile, certFile: opts.etcdCertfile, keyFile: opts.etcdKeyfile }
      if (opts.nodeName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,51}[a-z0-9])?$/.test(opts.nodeName))
        program.error(`error: option '--node-name <name>' argument '${opts.nodeName}' is invalid. must be a lowercase DNS name of at most 53 characters`)
      const storeProblem = storeConfigProblem(store)
      if (storeProblem) program.error(`error: ${storeProblem}`)
      const cfg: UpConfig = {
        ...defaultConfig(),
        store,
        nodeName: opts.nodeName,
        dataDir: opts.dataDir,
        port: opts.port,
        kubeconfig: opts.kubeconfig,
        runtime: opts.runtime,
        nodes: opts.nodes,
        nodeportAddress: opts.nodeportAddress,
        controllers: opts.controllers ?? ['*'],
        dnsUpstreams: opts.dnsUpstream,
        isolation: opts.isolation,
        dashboard: opts.dashboard === false ? false : { port: opts.dashboardPort },
        ingressPort: opts.ingressPort,
        nodeMonitor: { monitorPeriodMs: opts.nodeMonitorPeriod, monitorGracePeriodMs: opts.nodeMonitorGracePeriod, startupGracePeriodMs: opts.nodeStartupGracePeriod },
        tolerationSeconds: { notReadySeconds: opts.defaultNotReadyTolerationSeconds, unreachableSeconds: opts.defaultUnreachableTolerationSeconds },
      }
      await up(cfg)
    })

  program
    .command('demo')
    .description('guided replays of the tutorials against the running cluster (one is started if none answers)')
    .argument('<name>', `the demo: ${Object.keys(scenarios).join(' | ')}`)
    .option('-y, --yes', 'run straight through, without pausing between steps (implied without a terminal)')
    .option('--lang <lang>', 'narration language: en | ko', 'en')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current one)')
    .option('--record <dir>', 'also write the run as Markdown tutorials, <name>.md and <name>.ko.md, into this folder')
    .action(async (name: string, opts) => {
      const scenario = scenarios[name]
      if (!scenario) program.error(`error: unknown demo "${name}": choose one of ${Object.keys(scenarios).join(', ')}`)
      if (opts.lang !== 'en' && opts.lang !== 'ko') program.error(`error: option '--lang <lang>' argument '${opts.lang}' is invalid. must be "en" or "ko"`)
      const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY)
      process.exitCode = await runDemo({ scenario, lang: opts.lang, yes: Boolean(opts.yes) || !tty, live: Boolean(process.stdout.isTTY) && !opts.record, kubeconfig: opts.kubeconfig, context: opts.context, record: opts.record })
    })

  program.addCommand(tokenCommand())
  program.addCommand(agentCommand())
  program.addCommand(rolloutsCommand('rollouts').description("Argo Rollouts' kubectl plugin: get|list|watch|promote|abort|retry|undo|pause|restart|set image|status (also the kubectl-argo-rollouts executable)"))

  program
    .command('dashboard')
    .description('print a log-in link (with a new one-time token) to the web dashboard of the running cluster')
    .option('--data-dir <dir>', 'the data dir of the running cluster', defaultConfig().dataDir)
    .option('--open', "also open the link in the user's browser (xdg-open, open or start; $BROWSER when set)")
    .action(async (opts) => {
      try {
        await printDashboardLink(await loginUrlFor(opts.dataDir), Boolean(opts.open))
      } catch (err) {
        console.error(`kubelite: ${(err as Error).message}`)
        process.exitCode = 1
      }
    })

  await program.parseAsync(argv)
}

async function up(cfg: UpConfig): Promise<void> {
  const started = performance.now()
  const log = pino({ level: process.env.KUBELITE_LOG_LEVEL ?? 'warn' }, pino.destination(2))
  let cluster
  try {
    cluster = await startCluster(cfg, log)
  } catch (err) {
    // Whatever started before the failure (listeners, timers) must not keep the process alive.
    console.error(`kubelite: ${(err as Error).message}`)
    process.exit(1)
  }
  const ms = Math.round(performance.now() - started)
  const ctx = cfg.kubeconfig ? `kubectl --kubeconfig ${cluster.kubeconfigPath}` : 'kubectl'
  process.stdout.write(
    [
      `kubelite ${kubeliteVersion} (Kubernetes v1.32) is ready in ${ms} ms`,
      `  API server:  ${cluster.url}`,
      `  kubeconfig:  ${cluster.kubeconfigPath} (context "kubelite"${cfg.kubeconfig ? '' : ', now current'})`,
      `  data dir:    ${cfg.dataDir}`,
      `  store:       ${describeStore(cfg.store ?? {}, cfg.dataDir)}`,
      ...(cluster.leaderIdentity ? [`  controllers: while this process holds Lease kube-system/kube-controller-manager (identity ${cluster.leaderIdentity})`] : []),
      cluster.dns.reachableAtClusterIP
        ? `  cluster DNS: ${cluster.dns.clusterIP}:53 (kube-dns), served at ${cluster.dns.server}`
        : `  cluster DNS: ${cluster.dns.server} only: ${cluster.dns.clusterIP}:53 cannot be bound (${cluster.dns.reason}); see docs/dns.md`,
      ...(cluster.isolation ? [`  ${cluster.isolation}`] : []),
      ...(cluster.dashboard ? [`  dashboard:   ${cluster.dashboard.loginUrl}`] : []),
      ...(cluster.ingress ? [`  ingress:     ${cluster.ingress.url} and ${cluster.ingress.tlsUrl} (IngressClass "kubelite")`] : []),
      ...cluster.warnings.map((w) => `  warning: ${w}`),
      '',
      'Try:',
      `  ${ctx} get namespaces`,
      `  ${ctx} create deployment hello --image=gcr.io/google-samples/kubernetes-bootcamp:v1`,
      `  ${ctx} get deployments -o wide`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  )
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`\nkubelite: ${signal} received, shutting down (again to stop at once)\n`)
      // A second signal forces: pods still running are adopted by the next `kubelite up` on this data dir.
      const force = (again: string) => {
        process.stdout.write(`kubelite: ${again} received again, exiting now; pods still running are adopted at the next start\n`)
        process.exit(1)
      }
      process.once('SIGINT', () => force('SIGINT'))
      process.once('SIGTERM', () => force('SIGTERM'))
      resolve()
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
  await cluster.close((message) => process.stdout.write(`kubelite: ${message}\n`))
  process.stdout.write('kubelite: stopped\n')
}
