// docs/errors.md must list every reason the server can emit (fastify's habit: errors are documented).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

test('docs/errors.md lists every StatusReason', () => {
  const src = readFileSync(new URL('./status.ts', import.meta.url), 'utf8')
  const union = /export type StatusReason =([\s\S]*?)\n\n/.exec(src)![1]
  const reasons = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1])
  assert.ok(reasons.length >= 15, `found ${reasons.length} reasons`)
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  for (const r of reasons) assert.match(doc, new RegExp(`\\| \`${r}\` \\|`), `docs/errors.md is missing ${r}`)
})
