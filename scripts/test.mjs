#!/usr/bin/env node
// `npm test`: type-check, lint (eslint, and dependency-cruiser for the import directions) and build,
// then unit tests (src/**/*.test.ts) and end-to-end tests (test/e2e/*.e2e.test.ts, which drive the
// real kubectl), all through node:test and tsx.
// `node scripts/test.mjs unit|e2e [file-filter]` runs one part; `slow` (npm run test:slow) the
// end-to-end files left out of `npm test` to keep it short (listed below: minutes each).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const [, , part = 'all', filter = ''] = process.argv

function walk(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, suffix, out)
    else if (p.endsWith(suffix) && p.includes(filter)) out.push(relative(root, p))
  }
  return out
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const npx = join(root, 'node_modules', '.bin')
if (part !== 'e2e' && part !== 'slow') {
  run(join(npx, 'tsc'), ['-p', 'tsconfig.json', '--noEmit'])
  run(join(npx, 'tsc'), ['-p', 'src/ui/web/tsconfig.json'])
  run(join(npx, 'eslint'), ['src', 'test', 'bench'])
  run(join(npx, 'depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'])
}
run(join(npx, 'tsc'), ['-p', 'tsconfig.build.json'])
run(process.execPath, ['scripts/build-ui.mjs'])

const unit = part === 'all' || part === 'unit' ? walk(join(root, 'src'), '.test.ts') : []
// End-to-end files run one at a time: each starts a cluster whose pods take 127.244.0.1, .2, ...
// and whose NodePorts are real listeners, so two at once would fight over the same addresses.
// Slow files: the HPA walkthrough waits out real CPU sampling and scale-down windows; the etcd
// file starts a 3-member etcd cluster and an HA pair of control planes; the demo file plays every
// guided demo in full (nearly 4 minutes) and checks the committed tutorials against them.
const slow = new Set(['test/e2e/hpa.e2e.test.ts', 'test/e2e/etcd.e2e.test.ts', 'test/e2e/demo.e2e.test.ts'])
const e2eFiles = walk(join(root, 'test', 'e2e'), '.e2e.test.ts')
const e2e = part === 'slow' ? e2eFiles.filter((f) => slow.has(f)) : part === 'all' || part === 'e2e' ? e2eFiles.filter((f) => !slow.has(f) || filter !== '') : []
if (unit.length + e2e.length === 0) {
  console.error(`no test files matched (part=${part} filter=${filter})`)
  process.exit(1)
}
const runTests = (files, concurrency) => run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files])
if (unit.length) runTests(unit, 2)
if (e2e.length) runTests(e2e, 1)
