import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forgetDashboard, loginUrlFor, recordDashboard } from './locate.js'
import { DashboardServer } from './server.js'

test('kubelite dashboard: a new link from the running dashboard, for the data dir holding its admin token', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-locate-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  await assert.rejects(loginUrlFor(dir), /no dashboard is running for the data dir .*: start a cluster with `kubelite up`/)

  mkdirSync(join(dir, 'pki'))
  writeFileSync(join(dir, 'pki', 'admin.token'), 'tok\n')
  const dash = new DashboardServer({ api: { url: 'http://127.0.0.1:1', ca: '', token: 'tok' }, port: 0 })
  const base = await dash.listen()
  t.after(() => dash.close())
  await recordDashboard(dir, base)
  const url = await loginUrlFor(dir)
  assert.ok(url.startsWith(`${base}?token=`))
  assert.equal((await fetch(url, { redirect: 'manual' })).status, 303)

  writeFileSync(join(dir, 'pki', 'admin.token'), 'another cluster\n')
  await assert.rejects(loginUrlFor(dir), /refused a new log-in link \(401\)/)

  await dash.close()
  await assert.rejects(loginUrlFor(dir), /no dashboard answers at/)
  await forgetDashboard(dir)
  await assert.rejects(loginUrlFor(dir), /no dashboard is running/)
})
