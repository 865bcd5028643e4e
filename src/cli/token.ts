// `kubelite token create|list|delete`: bootstrap tokens for node agents that join (kubeadm's
// `kubeadm token` commands, their defaults and their output), stored as upstream stores them.
import { Command, InvalidArgumentError } from 'commander'
import {
  bootstrapTokenNamespace,
  bootstrapTokenSecret,
  bootstrapTokenSecretPrefix,
  bootstrapTokenSecretType,
  defaultNodeTokenGroup,
  generateBootstrapToken,
  parseBootstrapToken,
  readBootstrapTokenSecret,
  type BootstrapTokenInfo,
} from '../apis/bootstrap/token.js'
import { errorMessage, isAlreadyExists } from '../client/errors.js'
import { gvrs } from '../client/factory.js'
import { HttpClient } from '../client/http.js'
import { parseGoDuration } from '../lib/go-duration.js'
import { defaultKubeconfigPath, readKubeconfig } from './kubeconfig.js'

async function connect(kubeconfig: string | undefined): Promise<HttpClient> {
  const creds = await readKubeconfig(kubeconfig ?? defaultKubeconfigPath())
  return HttpClient.connect({ server: creds.server, caCertPem: creds.caCertPem, token: creds.token, clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem, userAgent: 'kubelite-token' })
}

function ttl(value: string): number {
  const ms = parseGoDuration(value)
  if (ms === undefined || ms < 0) throw new InvalidArgumentError(`time: invalid duration "${value}"`)
  return ms
}

/** apimachinery's ShortHumanDuration (kubeadm's TTL column). */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 180) return `${seconds}s`
  const minutes = Math.trunc(seconds / 60)
  if (minutes < 180) return `${minutes}m`
  const hours = Math.trunc(minutes / 60)
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`
  return `${Math.trunc(hours / 24 / 365)}y`
}

/** kubeadm's `token list` table (tabwriter: min width 10, padding 3). */
export function tokenTable(tokens: BootstrapTokenInfo[], now: Date): string {
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']]
  for (const t of tokens) {
    rows.push([
      `${t.id}.${t.secret}`,
      t.expires ? shortHumanDuration(t.expires.getTime() - now.getTime()) : '<forever>',
      t.expires ? t.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') : '<never>',
      t.usages.join(','),
      t.description || '<none>',
      t.groups.join(','),
    ])
  }
  const widths = rows[0].map((_, i) => Math.max(10, ...rows.map((r) => r[i].length + 3)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('')).join('\n') + '\n'
}

export function tokenCommand(): Command {
  const cmd = new Command('token').description('bootstrap tokens for node agents that join (kubeadm token): create | list | delete')
  cmd
    .command('create')
    .description('create a bootstrap token and print it (kubelite agent --token ...)')
    .argument('[token]', 'the token to create (default: a random one), [a-z0-9]{6}.[a-z0-9]{16}')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG or ~/.kube/config)')
    .option('--ttl <duration>', 'how long the token is valid (e.g. 1s, 2m, 3h); 0: it never expires', ttl, 24 * 3600_000)
    .option('--description <text>', 'a human-friendly description of how this token is used')
    .option('--usages <list>', 'how the token may be used: signing, authentication', 'signing,authentication')
    .option('--groups <list>', 'extra groups the token authenticates as (each system:bootstrappers:...)', defaultNodeTokenGroup)
    .action(async (given: string | undefined, opts) => {
      try {
        const token = given ?? generateBootstrapToken()
        if (!parseBootstrapToken(token)) throw new Error(`the bootstrap token "${token}" was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`)
        const groups = String(opts.groups).split(',').filter((g) => g !== '')
        for (const g of groups) if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g)) throw new Error(`group "${g}" is invalid (must match ^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$)`)
        const usages = String(opts.usages).split(',').filter((u) => u !== '')
        for (const u of usages) if (u !== 'signing' && u !== 'authentication') throw new Error(`invalid bootstrap token usage string: ${u}, valid usage options: signing, authentication`)
        const client = await connect(opts.kubeconfig)
        try {
          const secret = bootstrapTokenSecret(token, { ttlMs: opts.ttl, description: opts.description, usages, groups }, new Date())
          await client.resource(gvrs.secrets).create(bootstrapTokenNamespace, secret)
        } catch (err) {
          if (isAlreadyExists(err)) throw new Error(`a token with id "${token.split('.')[0]}" already exists`)
          throw err
        } finally {
          await client.close()
        }
        process.stdout.write(token + '\n')
      } catch (err) {
        console.error(`kubelite: ${errorMessage(err)}`)
        process.exitCode = 1
      }
    })
  cmd
    .command('list')
    .description('list the bootstrap tokens (kubeadm token list)')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG or ~/.kube/config)')
    .action(async (opts) => {
      try {
        const client = await connect(opts.kubeconfig)
        try {
          const { items } = await client.resource(gvrs.secrets).list(bootstrapTokenNamespace, { fieldSelector: `type=${bootstrapTokenSecretType}` })
          const tokens = items.map((s) => readBootstrapTokenSecret(s as never)).filter((t): t is BootstrapTokenInfo => t !== undefined)
          process.stdout.write(tokenTable(tokens, new Date()))
        } finally {
          await client.close()
        }
      } catch (err) {
        console.error(`kubelite: ${errorMessage(err)}`)
        process.exitCode = 1
      }
    })
  cmd
    .command('delete')
    .description('delete bootstrap tokens (by token or by id)')
    .argument('<token...>', 'tokens or token ids')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG or ~/.kube/config)')
    .action(async (given: string[], opts) => {
      try {
        const client = await connect(opts.kubeconfig)
        try {
          for (const t of given) {
            const id = parseBootstrapToken(t)?.id ?? t
            if (!/^[a-z0-9]{6}$/.test(id)) throw new Error(`given token didn't match pattern "[a-z0-9]{6}" or "[a-z0-9]{6}.[a-z0-9]{16}"`)
            await client.resource(gvrs.secrets).delete(bootstrapTokenNamespace, bootstrapTokenSecretPrefix + id)
            process.stdout.write(`bootstrap token "${id}" deleted\n`)
          }
        } finally {
          await client.close()
        }
      } catch (err) {
        console.error(`kubelite: ${errorMessage(err)}`)
        process.exitCode = 1
      }
    })
  return cmd
}
