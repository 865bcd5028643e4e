// Writing the kubeconfig: an explicit file is written whole; the default ($KUBECONFIG's first file,
// else ~/.kube/config) gets a `kubelite` cluster, user and context merged in and made current,
// like kind does.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'

export interface KubeconfigEntry {
  name: string
  server: string
  caCertPem: string
  token: string
}

interface Named {
  name: string
  [k: string]: unknown
}

interface Kubeconfig {
  apiVersion?: string
  kind?: string
  clusters?: Named[]
  users?: Named[]
  contexts?: Named[]
  'current-context'?: string
  preferences?: Record<string, unknown>
  [k: string]: unknown
}

export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p.trim() !== '')
  return first ?? join(homedir(), '.kube', 'config')
}

function upsert(list: Named[] | undefined, entry: Named): Named[] {
  const out = (list ?? []).filter((e) => e && e.name !== entry.name)
  out.push(entry)
  return out
}

/** The config with our entries merged in (pure, for tests). */
export function mergeKubeconfig(existing: Kubeconfig | undefined, e: KubeconfigEntry): Kubeconfig {
  const cfg: Kubeconfig = existing && typeof existing === 'object' ? { ...existing } : {}
  cfg.apiVersion = 'v1'
  cfg.kind = 'Config'
  cfg.clusters = upsert(cfg.clusters, { name: e.name, cluster: { server: e.server, 'certificate-authority-data': Buffer.from(e.caCertPem).toString('base64') } })
  cfg.users = upsert(cfg.users, { name: e.name, user: { token: e.token } })
  cfg.contexts = upsert(cfg.contexts, { name: e.name, context: { cluster: e.name, user: e.name } })
  cfg['current-context'] = e.name
  cfg.preferences ??= {}
  return cfg
}

/** Write (merge: true) or overwrite (merge: false) the kubeconfig at `path`, mode 0600. */
export async function writeKubeconfig(path: string, entry: KubeconfigEntry, merge: boolean): Promise<void> {
  let existing: Kubeconfig | undefined
  if (merge) {
    try {
      existing = parse(await readFile(path, 'utf8')) as Kubeconfig
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot merge into kubeconfig ${path}: ${(err as Error).message}`)
    }
  }
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.kubelite-${process.pid}.tmp`
  await writeFile(tmp, stringify(mergeKubeconfig(existing, entry)), { mode: 0o600 })
  await rename(tmp, path)
}

/** What a client needs of a kubeconfig context: the server, its CA and a bearer token. */
export interface KubeconfigCredentials {
  context: string
  server: string
  caCertPem?: string
  token?: string
  /** A client certificate and its key (PEM), as kind and kubeadm kubeconfigs carry them. */
  clientCertPem?: string
  clientKeyPem?: string
  /** The context's namespace, if it names one (kubectl's default for -n). */
  namespace?: string
}

/**
 * Reads `context` (default: the current one) from the kubeconfig at `path`, as kubectl would:
 * inline CA data or a CA file, a token or token file, and a client certificate and key (inline or files).
 * Throws with a sentence a person can act on.
 */
export async function readKubeconfig(path: string, context?: string): Promise<KubeconfigCredentials> {
  let cfg: Kubeconfig
  try {
    cfg = (parse(await readFile(path, 'utf8')) ?? {}) as Kubeconfig
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no kubeconfig at ${path}: start a cluster with \`kubelite up\` first`)
    throw new Error(`cannot read kubeconfig ${path}: ${(err as Error).message}`)
  }
  const name = context ?? cfg['current-context']
  if (!name) throw new Error(`kubeconfig ${path} has no current context`)
  const ctx = cfg.contexts?.find((c) => c.name === name)?.context as { cluster?: string; user?: string; namespace?: string } | undefined
  if (!ctx) throw new Error(`context "${name}" is not in kubeconfig ${path}`)
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster as Record<string, string> | undefined
  const user = (cfg.users?.find((u) => u.name === ctx.user)?.user ?? {}) as Record<string, string>
  if (!cluster?.server) throw new Error(`context "${name}" in ${path} names no cluster server`)
  const caCertPem = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
    : cluster['certificate-authority']
      ? await readFile(cluster['certificate-authority'], 'utf8')
      : undefined
  const token = user.token ?? (user.tokenFile ? (await readFile(user.tokenFile, 'utf8')).trim() : undefined)
  const pem = async (data: string | undefined, file: string | undefined) => (data ? Buffer.from(data, 'base64').toString('utf8') : file ? await readFile(file, 'utf8') : undefined)
  const clientCertPem = await pem(user['client-certificate-data'], user['client-certificate'])
  const clientKeyPem = await pem(user['client-key-data'], user['client-key'])
  return {
    context: name,
    server: cluster.server,
    caCertPem,
    token,
    ...(clientCertPem && clientKeyPem ? { clientCertPem, clientKeyPem } : {}),
    namespace: ctx.namespace || undefined,
  }
}
