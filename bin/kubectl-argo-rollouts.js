#!/usr/bin/env node
// Argo Rollouts' kubectl plugin, served by kubelite: with this folder on PATH, `kubectl argo
// rollouts get rollout NAME` runs it (kubectl's plugin mechanism). `npm ci` builds dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const plugin = new URL('../dist/cli/rollouts/plugin.js', import.meta.url)
if (!existsSync(fileURLToPath(plugin))) {
  console.error('kubectl-argo-rollouts: dist/ is missing; run `npm ci` (or `npm run build`) in the kubelite checkout first')
  process.exit(1)
}
const { runPlugin } = await import(plugin.href)
await runPlugin(process.argv)
