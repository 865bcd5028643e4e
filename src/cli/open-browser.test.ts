import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCommand, openInBrowser } from './open-browser.js'

const url = 'http://127.0.0.1:6480/?token=abc'

test('each platform opens a URL its own way', () => {
  assert.deepEqual(openCommand(url, 'darwin', {}), { cmd: 'open', args: [url] })
  assert.deepEqual(openCommand(url, 'linux', { DISPLAY: ':0' }), { cmd: 'xdg-open', args: [url] })
  assert.deepEqual(openCommand(url, 'freebsd', { WAYLAND_DISPLAY: 'wayland-0' }), { cmd: 'xdg-open', args: [url] })
  assert.deepEqual(openCommand('http://h/?a=1&b=2', 'win32', {}), { cmd: 'cmd', args: ['/c', 'start', '""', 'http://h/?a=1^&b=2'], verbatim: true })
})

test('$BROWSER wins: its first command, with %s standing for the URL where given', () => {
  assert.deepEqual(openCommand(url, 'linux', { BROWSER: 'firefox' }), { cmd: 'firefox', args: [url] })
  assert.deepEqual(openCommand(url, 'darwin', { BROWSER: 'w3m -dump %s:lynx' }), { cmd: 'w3m', args: ['-dump', url] })
})

test('no graphical session on Linux: not tried, and the reason says so', () => {
  const how = openCommand(url, 'linux', {})
  assert.ok('reason' in how)
  assert.match(how.reason, /no graphical session/)
})

test('openInBrowser runs the opener with the URL and reports a missing or failing one without throwing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-open-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const seen = join(dir, 'seen')
  const ok = join(dir, 'ok.sh')
  writeFileSync(ok, `#!/bin/sh\nprintf '%s' "$1" > ${seen}\n`)
  chmodSync(ok, 0o755)
  const bad = join(dir, 'bad.sh')
  writeFileSync(bad, '#!/bin/sh\nexit 3\n')
  chmodSync(bad, 0o755)

  assert.deepEqual(await openInBrowser(url, { platform: 'linux', env: { BROWSER: ok } }), { opened: true })
  assert.equal(readFileSync(seen, 'utf8'), url)
  assert.deepEqual(await openInBrowser(url, { platform: 'linux', env: { BROWSER: bad } }), { opened: false, reason: `${bad} failed (exit status 3)` })
  assert.deepEqual(await openInBrowser(url, { platform: 'linux', env: { BROWSER: join(dir, 'missing') } }), { opened: false, reason: `${join(dir, 'missing')} is not installed` })
  assert.deepEqual(await openInBrowser(url, { platform: 'linux', env: { PATH: dir } }), { opened: false, reason: 'there is no graphical session (DISPLAY and WAYLAND_DISPLAY are not set; set BROWSER to choose a browser)' })
  assert.deepEqual(await openInBrowser(url, { platform: 'linux', env: { PATH: dir, DISPLAY: ':0' } }), { opened: false, reason: 'xdg-open is not installed' })
})
