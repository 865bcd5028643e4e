import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createApiListener } from './listener.js'

function selfSigned(t: { after(fn: () => void): void }): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-listener-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' })
  return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') }
}

test('the listener bounds how long a client may drip a request, not how long an answer takes', { timeout: 30_000 }, async (t) => {
  const tls = selfSigned(t)
  const server = createApiListener(tls, {
    request: (req, res) => {
      req.resume()
      req.on('end', () => setTimeout(() => res.end('slow answer'), 1_500)) // longer than the request bound below
    },
  })
  assert.equal(server.requestTimeout, 60_000, 'upstream --request-timeout')
  assert.equal(server.headersTimeout, 32_000, "upstream's ReadHeaderTimeout")
  // The same mechanism at a scale a test can wait for.
  server.requestTimeout = 1_000
  server.headersTimeout = 1_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo

  // A body promised but dripped: closed once the bound passes (Node checks every 5 s here).
  const closedAfter = await new Promise<number>((resolve) => {
    const started = Date.now()
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      s.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{')
      const drip = setInterval(() => s.writable && s.write(' '), 200)
      s.on('close', () => {
        clearInterval(drip)
        resolve(Date.now() - started)
      })
    })
    s.on('error', () => undefined)
  })
  assert.ok(closedAfter < 15_000, `closed after ${closedAfter} ms`)

  // A request received in full gets its answer however long the answer takes.
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
  assert.equal(answer, 'slow answer')
})
