import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DashboardServer, forwarded } from './server.js'

// A fake API server that records what reached it.
let api: Server
let apiUrl = ''
const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = []
let dash: DashboardServer
let base = ''
let assets = ''

before(async () => {
  api = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      if (req.url?.includes('watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n')
        return // stays open, like a watch
      }
      res.writeHead(req.url?.startsWith('/traffic') ? 404 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ kind: 'Echo', path: req.url }))
    })
  })
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`
  assets = mkdtempSync(join(tmpdir(), 'kubelite-ui-test-'))
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>t</title>')
  writeFileSync(join(assets, 'main.js'), 'console.log(1)')
  dash = new DashboardServer({ api: { url: apiUrl, ca: '', token: 'admin-secret' }, port: 0, assetsDir: assets })
  base = await dash.listen()
})

after(async () => {
  await dash.close()
  api.closeAllConnections()
  await new Promise((r) => api.close(r))
  rmSync(assets, { recursive: true, force: true })
})

async function login(): Promise<string> {
  const res = await fetch(dash.loginUrl(), { redirect: 'manual' })
  assert.equal(res.status, 303)
  assert.equal(res.headers.get('location'), '/')
  const cookie = res.headers.get('set-cookie')!
  assert.match(cookie, /HttpOnly/)
  assert.match(cookie, /SameSite=Strict/)
  return cookie.split(';')[0]
}

test('without a session: the page is 401, the API a 401 Status, and nothing reaches the API', async () => {
  const before = seen.length
  const page = await fetch(base)
  assert.equal(page.status, 401)
  assert.match(await page.text(), /401 Unauthorized/)
  const apiRes = await fetch(`${base}api/v1/pods`)
  assert.equal(apiRes.status, 401)
  assert.equal(((await apiRes.json()) as { reason: string }).reason, 'Unauthorized')
  const forged = await fetch(`${base}api/v1/pods`, { headers: { cookie: `kubelite-dashboard-${new URL(base).port}=guess` } })
  assert.equal(forged.status, 401)
  assert.equal(seen.length, before)
})

test('the token logs in once; the session serves the page and forwards to the API with the admin token', async () => {
  const url = dash.loginUrl()
  const first = await fetch(url, { redirect: 'manual' })
  assert.equal(first.status, 303)
  const again = await fetch(url, { redirect: 'manual' })
  assert.equal(again.status, 401, 'a one-time token')
  const cookie = first.headers.get('set-cookie')!.split(';')[0]
  const page = await fetch(base, { headers: { cookie } })
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
  assert.equal(await page.text(), '<!doctype html><title>t</title>')
  const js = await fetch(`${base}main.js`, { headers: { cookie } })
  assert.match(js.headers.get('content-type') ?? '', /javascript/)

  const res = await fetch(`${base}apis/apps/v1/namespaces/default/deployments?labelSelector=app%3Dweb`, { headers: { cookie, accept: 'application/json' } })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { kind: 'Echo', path: '/apis/apps/v1/namespaces/default/deployments?labelSelector=app%3Dweb' })
  const last = seen.at(-1)!
  assert.equal(last.headers.authorization, 'Bearer admin-secret')
  assert.equal(last.headers.cookie, undefined, 'the session cookie is not passed on')
})

test('PATCH bodies and content types are forwarded as sent; a traffic 404 comes back as 404', async () => {
  const cookie = await login()
  const body = JSON.stringify({ spec: { replicas: 3 } })
  const res = await fetch(`${base}apis/apps/v1/namespaces/default/deployments/web/scale`, {
    method: 'PATCH',
    headers: { cookie, 'content-type': 'application/merge-patch+json', origin: base.replace(/\/$/, '') },
    body,
  })
  assert.equal(res.status, 200)
  const last = seen.at(-1)!
  assert.equal(last.method, 'PATCH')
  assert.equal(last.headers['content-type'], 'application/merge-patch+json')
  assert.equal(last.body, body)
  const traffic = await fetch(`${base}traffic/v1/namespaces/default/services/web?window=300s`, { headers: { cookie } })
  assert.equal(traffic.status, 404)
})

test('a watch streams through and is closed upstream when the page goes away', async () => {
  const cookie = await login()
  const abort = new AbortController()
  const res = await fetch(`${base}api/v1/namespaces/default/pods?watch=true&resourceVersion=1`, { headers: { cookie }, signal: abort.signal })
  const reader = res.body!.getReader()
  const { value } = await reader.read()
  assert.match(new TextDecoder().decode(value), /"ADDED"/)
  abort.abort()
})

test('cross-origin writes, foreign Host headers and paths outside the API are refused', async () => {
  const cookie = await login()
  const before = seen.length
  const cross = await fetch(`${base}apis/apps/v1/namespaces/default/deployments/web`, { method: 'DELETE', headers: { cookie, origin: 'http://evil.example' } })
  assert.equal(cross.status, 403)
  const port = new URL(base).port
  const rebinding = await new Promise<number>((resolve, reject) => {
    // fetch() will not send a foreign Host header: a raw request does.
    import('node:http').then(({ request }) => {
      const r = request({ host: '127.0.0.1', port, path: '/api', headers: { host: `evil.example:${port}`, cookie } }, (res) => resolve(res.statusCode ?? 0))
      r.on('error', reject)
      r.end()
    }, reject)
  })
  assert.equal(rebinding, 403)
  assert.equal((await fetch(`${base}metrics`, { headers: { cookie } })).status, 404)
  assert.equal((await fetch(`${base}..%2f..%2fetc/passwd`, { headers: { cookie } })).status, 404)
  assert.equal(seen.length, before)
})

test('login links for `kubelite dashboard` need the admin token', async () => {
  const denied = await fetch(`${base}login-links`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })
  assert.equal(denied.status, 401)
  const ok = await fetch(`${base}login-links`, { method: 'POST', headers: { authorization: 'Bearer admin-secret' } })
  assert.equal(ok.status, 201)
  const { url } = (await ok.json()) as { url: string }
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
  assert.equal((await fetch(url, { redirect: 'manual' })).status, 303)
})

test('only the API, the traffic report and /version are forwarded', () => {
  for (const p of ['/api', '/api/v1/pods', '/apis', '/apis/apps/v1', '/traffic/v1/namespaces/default', '/version']) assert.equal(forwarded(p), true, p)
  for (const p of ['/', '/metrics', '/readyz', '/openapi/v3', '/apix', '/traffic', '/login-links']) assert.equal(forwarded(p), false, p)
})

test('a taken port fails with a message, or falls back to a free one when allowed', async () => {
  const port = Number(new URL(base).port)
  const strict = new DashboardServer({ api: { url: apiUrl, ca: '', token: 't' }, port })
  await assert.rejects(strict.listen(), /dashboard port \d+ on 127\.0\.0\.1 is already in use/)
  const lenient = new DashboardServer({ api: { url: apiUrl, ca: '', token: 't' }, port, fallbackToFreePort: true })
  const url = await lenient.listen()
  assert.notEqual(new URL(url).port, String(port))
  await lenient.close()
})

test('log out ends the session', async () => {
  const cookie = await login()
  const res = await fetch(`${base}logout`, { method: 'POST', headers: { cookie, origin: base.replace(/\/$/, '') }, redirect: 'manual' })
  assert.equal(res.status, 303)
  assert.match(res.headers.get('set-cookie') ?? '', /Max-Age=0/)
  assert.equal((await fetch(`${base}api`, { headers: { cookie } })).status, 401)
})
