#!/usr/bin/env node
// The CLI entry point. `npm ci` builds dist/ through the `prepare` script.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  console.error('kubelite: dist/ is missing; run `npm ci` (or `npm run build`) in the checkout first')
  process.exit(1)
}
const { run } = await import(main.href)
await run(process.argv)
