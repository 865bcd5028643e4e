// `kubelite up` starts the web dashboard (src/ui) beside the cluster; `kubelite dashboard` prints a
// new log-in link for the running one.
import { DashboardServer, forgetDashboard, loginUrlFor, recordDashboard } from '../ui/index.js'

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
