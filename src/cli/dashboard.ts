// `kubelite up` starts the web dashboard (src/ui) beside the cluster; `kubelite dashboard` prints a
// new log-in link for the running one.
import { DashboardServer, forgetDashboard, loginUrlFor, recordDashboard } from '../ui/index.js'
import { openInBrowser } from './open-browser.js'

export const defaultDashboardPort = 6480

export interface Dashboard {
  /** The log-in URL printed at start (its token works once). */
  loginUrl: string
  close(): Promise<void>
}

export async function startDashboard(
  opts: { port?: number },
  dataDir: string,
  api: { url: string; ca: string; token: string },
  log: { error(obj: unknown, msg?: string): void },
): Promise<Dashboard> {
  // The default port may be another cluster's (tests run several): then any free port, printed anyway.
  const server = new DashboardServer({ api, port: opts.port ?? defaultDashboardPort, fallbackToFreePort: opts.port === undefined, log })
  const base = await server.listen()
  await recordDashboard(dataDir, base)
  return {
    loginUrl: server.loginUrl(),
    async close() {
      await forgetDashboard(dataDir)
      await server.close()
    },
  }
}

export { loginUrlFor }

/**
 * `kubelite dashboard [--open]`: the link always goes to stdout (scripts read it there); with open,
 * it is also handed to the browser, and when that cannot happen stderr says why. Never fails for
 * want of a browser: the link printed is the way in either way.
 */
export async function printDashboardLink(url: string, open: boolean, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<void> {
  out.stdout.write(`${url}\n`)
  if (!open) return
  const r = await openInBrowser(url)
  if (r.opened) out.stderr.write('Opened the dashboard in your browser.\n')
  else out.stderr.write(`kubelite: could not open a browser: ${r.reason}. Open the link above yourself.\n`)
}
