// The commands of Argo Rollouts' kubectl plugin (pkg/kubectl-argo-rollouts/cmd), with its flags,
// messages and exit codes: served as `kubelite rollouts ...` and as the `kubectl-argo-rollouts`
// executable, which kubectl runs for `kubectl argo rollouts ...`. Errors print as cobra prints them
// (`Error: <message>` on stderr, exit 1); a command missing its arguments prints its usage to stderr
// and exits 1.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { describeFlag, helpString, translateError, usageString } from './cobra.js'
import { abort, pause, promote, restart, retry, setRolloutImage, undo } from './actions.js'
import { CommandError, connect, describe, type Connection, type GlobalFlags } from './connect.js'
import type { ExperimentInfo, RolloutInfo } from './info.js'
import { parseGoDuration, restartAt } from './patches.js'
import { clearScreen, experimentTable, formatListLine, listHeaderFor, listLine, renderExperiment, renderRollout, sameListLine, type ListLine } from './render.js'
import { TabWriter } from './tabwriter.js'
import { gvr, type Deployment, type Experiment, type Rollout } from './types.js'
import { LiveView, readOnce, type Kind } from './view.js'
import type { StoredObject } from '../../apis/meta.js'

export interface Streams {
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  /** Aborts watches (Ctrl-C); the command then returns. */
  signal?: AbortSignal
  /** Throw commander's CommanderError instead of exiting the process after help or a flag error (tests). */
  exitOverride?: boolean
}

const packageVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return '0.0.0'
  }
}

function goDuration(flag: string) {
  return (value: string): number => {
    const ms = parseGoDuration(value)
    if (ms === undefined) throw new InvalidArgumentError(`time: invalid duration "${value}"`)
    return ms
  }
}

function int(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new InvalidArgumentError(`strconv.ParseInt: parsing "${value}": invalid syntax`)
  return Number(value)
}

/**
 * A command whose boolean flags also take pflag's `--flag=true|false` spelling (`status
 * --watch=false`): rewritten to `--flag` / `--no-flag` before commander parses them.
 */
class BoolFlagCommand extends Command {
  override parseOptions(argv: string[]): { operands: string[]; unknown: string[] } {
    return super.parseOptions(
      argv.map((a) => {
        const m = /^(--[a-z][a-z-]*|-[a-z])=(true|false)$/.exec(a)
        if (!m) return a
        const long = m[1] === '-w' ? '--watch' : m[1]
        return m[2] === 'true' ? long : `--no-${long.slice(2)}`
      }),
    )
  }
}

/** Go's levenshtein distance as cobra computes it (ignoring case). */
function distance(a: string, b: string): number {
  a = a.toLowerCase()
  b = b.toLowerCase()
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
  return d[a.length][b.length]
}

/** cobra's findSuggestions: commands within distance 2, or starting with what was typed. */
function suggestions(typed: string, names: string[]): string {
  const found = [...names].sort().filter((n) => distance(typed, n) <= 2 || n.toLowerCase().startsWith(typed.toLowerCase()))
  return found.length ? `\n\nDid you mean this?\n${found.map((n) => `\t${n}\n`).join('')}` : ''
}

/** The command tree, named `name` (`kubectl-argo-rollouts`, or `rollouts` under kubelite). */
export function rolloutsCommand(name: string, io: Streams = { out: process.stdout, err: process.stderr, env: process.env }): Command {
  const root: Command = new Command(name)
    .description('This command consists of multiple subcommands which can be used to manage Argo Rollouts.')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s), outputError: (s, write) => write(translateError(s)) })
    .configureHelp({ formatHelp: (cmd): string => helpString(cmd, root) })
    .showHelpAfterError(false)
    .showSuggestionAfterError(false)
  if (io.exitOverride) root.exitOverride()
  root
    .option('--as <string>', 'Username to impersonate for the operation. User could be a regular user or a service account in a namespace.')
    .option('--as-group <string>', 'Group to impersonate for the operation, this flag can be repeated to specify multiple groups.', (v: string, prev: string[] = []) => [...prev, v])
    .option('--as-uid <string>', 'UID to impersonate for the operation.')
    .option('--cache-dir <dir>', 'Default cache directory')
    .option('--certificate-authority <file>', 'Path to a cert file for the certificate authority')
    .option('--client-certificate <file>', 'Path to a client certificate file for TLS')
    .option('--client-key <file>', 'Path to a client key file for TLS')
    .option('--cluster <name>', 'The name of the kubeconfig cluster to use')
    .option('--context <name>', 'The name of the kubeconfig context to use')
    .option('--disable-compression', 'If true, opt-out of response compression for all requests to the server')
    .option('--insecure-skip-tls-verify', "If true, the server's certificate will not be checked for validity. This will make your HTTPS connections insecure")
    .option('-v, --kloglevel <n>', 'Log level for kubernetes client library')
    .option('--kubeconfig <file>', 'Path to the kubeconfig file to use for CLI requests.')
    .option('--loglevel <level>', 'Log level for kubectl argo rollouts', 'info')
    .option('-n, --namespace <ns>', 'If present, the namespace scope for this CLI request')
    .option('--request-timeout <duration>', "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests.")
    .option('-s, --server <url>', 'The address and port of the Kubernetes API server')
    .option('--tls-server-name <name>', 'Server name to use for server certificate validation. If it is not provided, the hostname used to contact the server is used')
    .option('--token <token>', 'Bearer token for authentication to the API server')
    .option('--user <name>', 'The name of the kubeconfig user to use')
    .action(function (this: Command) {
      // cobra: an unknown command is an error; no command at all prints the usage.
      const [first] = this.args
      if (first !== undefined) {
        io.err.write(`Error: unknown command "${first}" for "${name}"${suggestions(first, root.commands.map((c) => c.name()))}\nRun '${name} --help' for usage.\n`)
        process.exitCode = 1
        return
      }
      usageErr(this)
    })
    .allowExcessArguments(true)

  describeFlag(root, '--as-group', { type: 'stringArray' })
  describeFlag(root, '--cache-dir', { def: JSON.stringify(join(homedir(), '.kube', 'cache')) })
  describeFlag(root, '--kloglevel', { type: 'int' })
  describeFlag(root, '--loglevel', { def: '"info"' })
  describeFlag(root, '--request-timeout', { def: '"0"' })

  /** cobra's UsageErr: the usage on stderr, exit status 1. */
  const usageErr = (cmd: Command) => {
    io.err.write(usageString(cmd, root))
    process.exitCode = 1
  }

  /** Runs a command body with a connection; prints errors as cobra does. */
  const run = (body: (c: Connection, args: string[], opts: Record<string, unknown>, cmd: Command) => Promise<void>, minArgs = 1, maxArgs = Infinity) =>
    async function (this: Command) {
      const args = (this.args as string[]).filter((a) => a !== undefined)
      const opts = this.opts()
      if (args.length < minArgs || args.length > maxArgs) return usageErr(this)
      let c: Connection | undefined
      try {
        c = await connect(this.optsWithGlobals() as GlobalFlags)
        await body(c, args, opts, this)
      } catch (err) {
        io.err.write(`Error: ${describe(err)}\n`)
        process.exitCode = 1
      } finally {
        await c?.close()
      }
    }

  const rollouts = (c: Connection) => c.resource<Rollout & StoredObject>(gvr.rollouts)

  // ---- get ----
  const get = root.command('get').description('Get details about rollouts and experiments').action(function (this: Command) {
    usageErr(this)
  })
  const getOne = (kind: Kind) =>
    run(
      async (c, [n], opts) => {
        const render = (info: RolloutInfo | ExperimentInfo) =>
          kind === 'rollout' ? renderRollout(info as RolloutInfo, { noColor: opts.color === false, now: new Date(), term: io.env.TERM }) : renderExperiment(info as ExperimentInfo, { noColor: opts.color === false, now: new Date(), term: io.env.TERM })
        if (!opts.watch) {
          io.out.write(render(await readOnce(c, kind, n)))
          return
        }
        await watchView(c, kind, n, Number(opts.timeoutSeconds ?? 0) * 1000, render)
      },
      1,
      1,
    )
  for (const [kind, aliases, short] of [
    ['rollout', ['ro', 'rollouts'], 'Get details about a rollout'],
    ['experiment', ['exp', 'experiments'], 'Get details about an Experiment'],
  ] as const) {
    const cmd = get
      .command(kind)
      .aliases(aliases)
      .description(short)
      .argument('[NAME...]')
      // Argo's text, "rollout" for both.
      .option('-w, --watch', 'Watch live updates to the rollout')
      .option('--no-color', 'Do not colorize output')
      .action(getOne(kind))
    if (kind === 'rollout') {
      cmd.option('--timeout-seconds <n>', 'Timeout after specified seconds', int, 0)
      describeFlag(cmd, '--timeout-seconds', { type: 'int' })
    }
  }

  /** get --watch: redraws on every change the informers hear of (and every second, for ages). */
  async function watchView(c: Connection, kind: Kind, n: string, timeoutMs: number, render: (i: RolloutInfo | ExperimentInfo) => string): Promise<void> {
    const ac = new AbortController()
    const stop = () => ac.abort()
    io.signal?.addEventListener('abort', stop, { once: true })
    const view = new LiveView(c, kind, n)
    try {
      await view.start(ac.signal)
      let current = view.info()
      let lastPrint = 0
      let trailing: NodeJS.Timeout | undefined
      // Argo's Watch: at most one redraw every 200 ms, so a burst of updates does not flicker.
      const draw = () => {
        const wait = lastPrint + 200 - Date.now()
        if (wait > 0) {
          trailing ??= setTimeout(() => {
            trailing = undefined
            draw()
          }, wait)
          return
        }
        io.out.write(clearScreen + render(current))
        lastPrint = Date.now()
      }
      view.onChange((i) => {
        current = i
        draw()
      })
      draw()
      const tick = setInterval(draw, 1000)
      const timer = timeoutMs > 0 ? setTimeout(stop, timeoutMs) : undefined
      await new Promise((r) => (ac.signal.aborted ? r(undefined) : ac.signal.addEventListener('abort', r, { once: true })))
      clearInterval(tick)
      clearTimeout(timer)
      clearTimeout(trailing)
    } finally {
      ac.abort()
      io.signal?.removeEventListener('abort', stop)
    }
  }

  // `kubelite rollouts watch NAME`: get rollout NAME --watch.
  root
    .command('watch')
    .description('Watch a rollout live (get rollout NAME --watch)')
    .argument('[NAME...]')
    .option('--no-color', 'Do not colorize output')
    .option('--timeout-seconds <n>', 'Timeout after specified seconds', int, 0)
    .action(
      run(
        async (c, [n], opts) => {
          await watchView(c, 'rollout', n, Number(opts.timeoutSeconds ?? 0) * 1000, (i) => renderRollout(i as RolloutInfo, { noColor: opts.color === false, now: new Date(), term: io.env.TERM }))
        },
        1,
        1,
      ),
    )

  // ---- list ----
  const list = root.command('list').description('List rollouts or experiments').action(function (this: Command) {
    usageErr(this)
  })
  list
    .command('rollouts')
    .aliases(['ro', 'rollout'])
    .description('List rollouts')
    .option('--name <name>', 'Only show rollout with specified name')
    .option('-A, --all-namespaces', 'Include all namespaces')
    .option('-w, --watch', 'Watch for changes')
    .option('--timestamps', 'Print timestamps on updates')
    .action(
      run(
        async (c, _args, opts) => {
          const ns = opts.allNamespaces ? undefined : c.namespace
          const fieldSelector = opts.name ? `metadata.name=${opts.name}` : undefined
          const ro = rollouts(c)
          const l = await ro.list(ns, { fieldSelector })
          const timestamps = Boolean(opts.timestamps)
          const allNs = Boolean(opts.allNamespaces)
          const stamp = () => (timestamps ? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined)
          if (l.items.length === 0 && !opts.watch) {
            io.err.write('No resources found.\n')
            return
          }
          const w = new TabWriter(0, 2)
          w.write(listHeaderFor(timestamps, allNs))
          for (const r of l.items) w.write(formatListLine(listLine(r), stamp(), allNs) + '\n')
          io.out.write(w.flush())
          if (!opts.watch) return
          // Then one line for every change that alters a line, flushed every 500 ms.
          const prev = new Map<string, ListLine>()
          for (const r of l.items) prev.set(`${r.metadata.namespace}/${r.metadata.name}`, listLine(r))
          const ac = new AbortController()
          io.signal?.addEventListener('abort', () => ac.abort(), { once: true })
          const uw = new TabWriter(0, 2)
          const flush = setInterval(() => io.out.write(uw.flush()), 500)
          let rv = l.resourceVersion
          try {
            while (!ac.signal.aborted) {
              try {
                for await (const ev of ro.watch(ns, { fieldSelector, resourceVersion: rv || undefined }, ac.signal)) {
                  if (ev.type === 'BOOKMARK') continue
                  if (ev.type === 'ERROR') {
                    // 410 Gone (history compacted) or another error: watch again from now; the
                    // objects come back as ADDED and only changed lines print.
                    rv = ''
                    await new Promise((r) => setTimeout(r, 1000))
                    break
                  }
                  rv = ev.object.metadata.resourceVersion ?? rv
                  const line = listLine(ev.object)
                  const key = `${line.namespace}/${line.name}`
                  const before = prev.get(key)
                  if (!before || !sameListLine(before, line)) {
                    uw.write(formatListLine(line, stamp(), allNs) + '\n')
                    prev.set(key, line)
                  }
                }
              } catch (err) {
                if (ac.signal.aborted) break
                io.err.write(`time="${new Date().toISOString()}" level=warning msg="${describe(err)}"\n`)
                await new Promise((r) => setTimeout(r, 1000))
              }
            }
          } finally {
            clearInterval(flush)
            io.out.write(uw.flush())
          }
        },
        0,
      ),
    )

  list
    .command('experiments')
    .aliases(['exp', 'experiment'])
    .description('List experiments')
    .option('-A, --all-namespaces', 'Include all namespaces')
    .action(
      run(
        async (c, _args, opts) => {
          const items = (await c.resource<Experiment & StoredObject>(gvr.experiments).list(opts.allNamespaces ? undefined : c.namespace)).items
          if (items.length === 0) {
            io.err.write('No resources found.\n')
            return
          }
          io.out.write(experimentTable(items, Boolean(opts.allNamespaces), new Date()))
        },
        0,
      ),
    )

  // ---- promote, abort, retry, pause, restart, undo, set image ----
  root
    .command('promote')
    .description('Promote a rollout')
    .argument('[ROLLOUT_NAME...]')
    .addOption(new Option('-c, --skip-current-step', 'Skip currently running canary step').hideHelp())
    .addOption(new Option('-a, --skip-all-steps', 'Skip remaining steps').hideHelp())
    .option('--full', 'Perform a full promotion, skipping analysis, pauses, and steps')
    .action(
      run(
        async (c, [n], opts) => {
          // pflag's deprecation notices, the shorthand's first when it was the one typed.
          let top: Command = root
          while (top.parent) top = top.parent
          const raw = (top as unknown as { rawArgs?: string[] }).rawArgs ?? []
          const typed = (short: string) => raw.some((a) => /^-[^-]/.test(a) && a.slice(1).includes(short))
          if (opts.skipCurrentStep) {
            if (typed('c')) io.err.write('Flag shorthand -c has been deprecated, use without the flag instead ex: promote ROLLOUT_NAME\n')
            io.err.write('Flag --skip-current-step has been deprecated, use without the flag instead ex: promote ROLLOUT_NAME\n')
          }
          if (opts.skipAllSteps) {
            if (typed('a')) io.err.write('Flag shorthand -a has been deprecated, use --full instead\n')
            io.err.write('Flag --skip-all-steps has been deprecated, use --full instead\n')
          }
          if (opts.skipCurrentStep && opts.skipAllSteps) throw new CommandError('Cannot use skip-current-step and skip-all-steps flags at the same time')
          const ro = await promote(rollouts(c), c.namespace, n, { skipCurrentStep: Boolean(opts.skipCurrentStep), skipAllSteps: Boolean(opts.skipAllSteps), full: Boolean(opts.full) })
          io.out.write(opts.full ? `rollout '${ro.metadata.name}' fully promoted\n` : `rollout '${ro.metadata.name}' promoted\n`)
        },
        1,
        1,
      ),
    )

  for (const [verb, fn, done, long] of [
    ['abort', abort, 'aborted', 'Abort a rollout'],
    ['pause', pause, 'paused', 'Pause a rollout'],
  ] as const) {
    root
      .command(verb)
      .description(long)
      .argument('[ROLLOUT_NAME...]')
      .action(
        run(async (c, names) => {
          for (const n of names) {
            const ro = await fn(rollouts(c), c.namespace, n)
            io.out.write(`rollout '${ro.metadata.name}' ${done}\n`)
          }
        }),
      )
  }

  const retryCmd = root.command('retry').description('Retry a rollout or experiment').action(function (this: Command) {
    usageErr(this)
  })
  retryCmd
    .command('rollout')
    .aliases(['ro', 'rollouts'])
    .description('Retry an aborted rollout')
    .argument('[ROLLOUT_NAME...]')
    .action(
      run(async (c, names) => {
        for (const n of names) {
          const ro = await retry(rollouts(c), c.namespace, n)
          io.out.write(`rollout '${ro.metadata.name}' retried\n`)
        }
      }),
    )
  retryCmd
    .command('experiment')
    .aliases(['exp', 'experiments'])
    .description('Retry an experiment')
    .argument('[EXPERIMENT_NAME...]')
    .action(
      run(async (c, names) => {
        for (const n of names) {
          const ex = await c.resource(gvr.experiments).patch(c.namespace, n, 'application/merge-patch+json', '{"status":null}')
          io.out.write(`experiment '${ex.metadata.name}' retried\n`)
        }
      }),
    )

  const terminate = root.command('terminate').description('Terminate an AnalysisRun or Experiment').action(function (this: Command) {
    usageErr(this)
  })
  for (const [kind, aliases, g, label] of [
    ['analysisrun', ['ar', 'analysisruns'], gvr.analysisRuns, 'analysisRun'],
    // Argo's plugin says "retried" here (sic); scripts may read it, so it is kept.
    ['experiment', ['exp', 'experiments'], gvr.experiments, 'experiment'],
  ] as const) {
    terminate
      .command(kind)
      .aliases(aliases)
      .description(kind === 'analysisrun' ? 'Terminate an AnalysisRun' : 'Terminate an experiment')
      .argument('[NAME...]')
      .action(
        run(async (c, names) => {
          for (const n of names) {
            const obj = await c.resource(g).patch(c.namespace, n, 'application/merge-patch+json', '{"spec":{"terminate":true}}')
            io.out.write(`${label} '${obj.metadata.name}' ${kind === 'analysisrun' ? 'terminated' : 'retried'}\n`)
          }
        }),
      )
  }

  root
    .command('restart')
    .description('Restart the pods of a rollout')
    .argument('[ROLLOUT...]')
    .option('-i, --in <duration>', 'Amount of time before a restart. (e.g. 30s, 5m, 1h)')
    .action(
      run(
        async (c, [n], opts) => {
          const inText = (opts.in as string | undefined) ?? ''
          const inMs = inText === '' ? 0 : parseGoDuration(inText)
          if (inMs === undefined) throw new CommandError(`time: invalid duration "${inText}"`)
          const ro = await restart(rollouts(c), c.namespace, n, restartAt(new Date(), inMs))
          io.out.write(`rollout '${ro.metadata.name}' restarts in ${inText === '' ? '0s' : inText}\n`)
        },
        1,
        1,
      ),
    )

  root
    .command('undo')
    .description('Undo a rollout')
    .argument('[ROLLOUT_NAME...]')
    .option('--to-revision <n>', 'The revision to rollback to. Default to 0 (last revision).', int, 0)
    .action(
      run(
        async (c, [n], opts) => {
          const workloads: Record<string, typeof gvr.deployments | typeof gvr.replicaSets | typeof gvr.podTemplates> = { Deployment: gvr.deployments, ReplicaSet: gvr.replicaSets, PodTemplate: gvr.podTemplates }
          const out = await undo(
            { rollouts: rollouts(c), replicaSets: c.resource(gvr.replicaSets), workload: (kind) => (workloads[kind] ? c.resource(workloads[kind]) : undefined) },
            c.namespace,
            n,
            Number(opts.toRevision ?? 0),
          )
          io.out.write(out)
        },
        1,
        1,
      ),
    )

  const set = root.command('set').description('Update various values on resources').action(function (this: Command) {
    usageErr(this)
  })
  set
    .command('image')
    .description('Update the image of a rollout')
    .argument('[ROLLOUT_NAME CONTAINER=IMAGE...]')
    .action(
      run(
        async (c, [n, assignment], _opts, cmd) => {
          const parts = assignment.split('=')
          if (parts.length !== 2) return usageErr(cmd)
          const obj = await setRolloutImage(rollouts(c), () => c.resource<Deployment & StoredObject>(gvr.deployments), c.namespace, n, parts[0], parts[1])
          io.out.write(`${(obj.kind ?? 'rollout').toLowerCase()} "${obj.metadata.name}" image updated\n`)
        },
        2,
        2,
      ),
    )

  // ---- status ----
  const status = new BoolFlagCommand('status').copyInheritedSettings(root)
  root.addCommand(status)
  status
    .description('Show the status of a rollout')
    .argument('[ROLLOUT_NAME...]')
    .option('-w, --watch', "Watch the status of the rollout until it's done", true)
    .option('--no-watch', 'Show the status once')
    .option('-t, --timeout <duration>', 'The length of time to watch before giving up. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). Zero means wait forever', goDuration('timeout'), 0)
    .action(
      run(
        async (c, [n], opts) => {
          const watch = opts.watch !== false
          if (!watch) {
            const ri = (await readOnce(c, 'rollout', n)) as RolloutInfo
            io.out.write(ri.status === 'Healthy' || ri.status === 'Degraded' ? `${ri.status}\n` : `${ri.status} - ${ri.message}\n`)
            if (ri.status === 'Degraded') throw new CommandError(`The rollout is in a degraded state with message: ${ri.message}`)
            return
          }
          const ac = new AbortController()
          io.signal?.addEventListener('abort', () => ac.abort(), { once: true })
          const view = new LiveView(c, 'rollout', n)
          try {
            await view.start(ac.signal)
            view.info() // NotFound before anything else
            let prevMessage = ''
            let timer: NodeJS.Timeout | undefined
            await new Promise<void>((resolve) => {
              ac.signal.addEventListener('abort', () => resolve(), { once: true })
              const timeout = Number(opts.timeout ?? 0)
              if (timeout > 0) timer = setTimeout(resolve, timeout)
              view.onChange((i) => {
                const ri = i as RolloutInfo
                const message = ri.message !== '' ? `${ri.status} - ${ri.message}` : ri.status
                if (message !== prevMessage) {
                  io.out.write(message + '\n')
                  prevMessage = message
                }
                if (ri.status === 'Healthy' || ri.status === 'Degraded') resolve()
              })
            })
            clearTimeout(timer)
            const ri = view.info() as RolloutInfo
            if (ri.status === 'Degraded') throw new CommandError(`The rollout is in a degraded state with message: ${ri.message}`)
            if (ri.status !== 'Healthy') throw new CommandError('Rollout status watch exceeded timeout')
          } finally {
            ac.abort()
          }
        },
        1,
        1,
      ),
    )

  // ---- version ----
  root
    .command('version')
    .description('Print version')
    .option('--short', 'print just the version number')
    .action(function (this: Command) {
      const v = `v${packageVersion()}+kubelite`
      io.out.write(`kubectl-argo-rollouts: ${v}\n`)
      if (!this.opts().short) {
        const arch = ({ x64: 'amd64', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch
        io.out.write(`  BuildDate: 1970-01-01T00:00:00Z\n  GitCommit: \n  GitTreeState: \n  GoVersion: ${process.version}\n  Compiler: node\n  Platform: ${process.platform}/${arch}\n`)
      }
    })

  const sub = (...names: string[]) => names.reduce((c: Command, n) => c.commands.find((x: Command) => x.name() === n)!, root)
  describeFlag(sub('watch'), '--timeout-seconds', { type: 'int' })
  describeFlag(sub('undo'), '--to-revision', { type: 'int' })
  describeFlag(status, '--watch', { def: 'true' })
  describeFlag(status, '--timeout', { type: 'duration' })

  return root
}
