#!/usr/bin/env node
// `npm run docs`: regenerates docs/tutorials/*.md (English and Korean) from a real run of each
// `kubelite demo`, against a fresh cluster of its own (temporary data dir, kubeconfig and port).
// The e2e test test/e2e/demo.e2e.test.ts does the same and fails when the committed pages drift.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const demos = process.argv.slice(2).length ? process.argv.slice(2) : ['rolling-update', 'canary', 'blue-green', 'progressive-delivery']
const out = join(root, 'docs', 'tutorials')
mkdirSync(out, { recursive: true })

const build = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const dir = mkdtempSync(join(tmpdir(), 'kubelite-docs-'))
const kubeconfig = join(dir, 'kubeconfig')
const cli = join(root, 'bin', 'kubelite.js')
const cluster = spawn(process.execPath, [cli, 'up', '--data-dir', join(dir, 'data'), '--port', String(port), '--kubeconfig', kubeconfig], { stdio: 'ignore' })
let code = 0
try {
  const kubectl = process.env.KUBECTL ?? 'kubectl'
  for (let i = 0; ; i++) {
    const r = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], { encoding: 'utf8' })
    if (r.stdout === 'ok') break
    if (i > 300 || cluster.exitCode !== null) throw new Error('docs: the cluster did not become ready')
    await new Promise((r) => setTimeout(r, 100))
  }
  for (const name of demos) {
    console.log(`docs: kubelite demo ${name}`)
    const r = spawnSync(process.execPath, [cli, 'demo', name, '--yes', '--kubeconfig', kubeconfig, '--record', out], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
    if (r.status !== 0) {
      console.error(`docs: kubelite demo ${name} exited ${r.status}`)
      code = 1
    }
  }
} finally {
  cluster.kill('SIGTERM')
  await new Promise((r) => cluster.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
}
process.exit(code)
