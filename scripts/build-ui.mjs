#!/usr/bin/env node
// Builds the dashboard's page (src/ui/web) into dist/ui/assets with esbuild: one ES module, one
// stylesheet and index.html, all served by kubelite itself (no CDN). Run by `npm run build`, so by
// `npm ci` (prepare). Prints the bundle's size, which docs/dashboard.md states.
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = join(root, 'dist', 'ui', 'assets')
mkdirSync(out, { recursive: true })
await build({
  entryPoints: [join(root, 'src/ui/web/main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
})
copyFileSync(join(root, 'src/ui/web/index.html'), join(out, 'index.html'))
if (process.env.KUBELITE_UI_SIZES) {
  for (const f of ['main.js', 'main.css']) {
    const p = join(out, f)
    console.log(`${f}: ${statSync(p).size} bytes, ${gzipSync(readFileSync(p)).length} gzipped`)
  }
}
