// The `kubectl-argo-rollouts` executable (bin/kubectl-argo-rollouts.js): kubectl finds it on PATH
// and runs it for `kubectl argo rollouts ...`, passing the words after `rollouts` as arguments.
// It loads only the plugin's modules, not the cluster's, so it starts quickly.
import { rolloutsCommand } from './commands.js'

export async function runPlugin(argv: string[]): Promise<void> {
  // A closed pipe (`... get rollout x -w | head`) ends the plugin quietly, as SIGPIPE ends Argo's.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
      throw err
    })
  }
  await rolloutsCommand('kubectl-argo-rollouts').parseAsync(argv)
}
