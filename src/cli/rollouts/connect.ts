// The plugin's connection to the cluster, from kubectl's flags (genericclioptions.ConfigFlags, as
// Argo's plugin takes them): --kubeconfig (else $KUBECONFIG, else ~/.kube/config), --context,
// -n/--namespace (else the context's namespace, else `default`), -s/--server, --token,
// --certificate-authority, --insecure-skip-tls-verify. Everything goes through the HTTP client.
import { readFile } from 'node:fs/promises'
import { ApiError, HttpClient } from '../../client/http.js'
import type { GVR, ResourceClient } from '../../client/types.js'
import type { StoredObject } from '../../apis/meta.js'
import { defaultKubeconfigPath, readKubeconfig } from '../kubeconfig.js'

export interface GlobalFlags {
  kubeconfig?: string
  context?: string
  namespace?: string
  server?: string
  token?: string
  certificateAuthority?: string
  insecureSkipTlsVerify?: boolean
}

export interface Connection {
  client: HttpClient
  namespace: string
  /** The resource, or an error saying the server does not serve it (no Rollout kind installed). */
  resource<T extends StoredObject = StoredObject>(gvr: GVR): ResourceClient<T>
  serves(gvr: GVR): boolean
  close(): Promise<void>
}

/** An error the command prints as `Error: <message>` (cobra's way) and exits 1 with. */
export class CommandError extends Error {}

export async function connect(flags: GlobalFlags): Promise<Connection> {
  const path = flags.kubeconfig ?? defaultKubeconfigPath()
  let server = flags.server
  let caCertPem: string | undefined
  let token = flags.token
  let namespace = flags.namespace
  let clientCert: { clientCertPem?: string; clientKeyPem?: string } = {}
  try {
    const creds = await readKubeconfig(path, flags.context)
    server ??= creds.server
    caCertPem = creds.caCertPem
    token ??= creds.token
    namespace ??= creds.namespace
    clientCert = { clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem }
  } catch (err) {
    if (!server) throw new CommandError((err as Error).message)
  }
  if (flags.certificateAuthority) caCertPem = await readFile(flags.certificateAuthority, 'utf8')
  if (flags.insecureSkipTlsVerify) caCertPem = undefined
  let client: HttpClient
  try {
    client = await HttpClient.connect({ server: server!, caCertPem, token, ...clientCert, userAgent: 'kubectl-argo-rollouts' })
  } catch (err) {
    throw new CommandError(describe(err, server!))
  }
  const serves = (gvr: GVR) => client.resources().some((r) => r.group === gvr.group && r.version === gvr.version && r.resource === gvr.resource)
  return {
    client,
    namespace: namespace || 'default',
    serves,
    resource<T extends StoredObject>(gvr: GVR): ResourceClient<T> {
      if (!serves(gvr)) throw new CommandError(`the server could not find the requested resource (${gvr.resource}.${gvr.group})`)
      return client.resource<T>(gvr)
    },
    close: () => client.close(),
  }
}

/** What cobra prints after `Error: ` for a failure: the server's Status message, else the cause. */
export function describe(err: unknown, server?: string): string {
  if (err instanceof ApiError || (err && typeof err === 'object' && 'status' in err && (err as ApiError).status?.message)) return (err as ApiError).status.message ?? String(err)
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }
  const code = e?.code ?? e?.cause?.code
  if (server && code === 'ECONNREFUSED') {
    const u = new URL(server)
    return `Get "${server}": dial tcp ${u.hostname}:${u.port || 443}: connect: connection refused`
  }
  return e?.message ?? String(err)
}
