// Real processes on 127.244.250.x: each built-in image's exact answers and logs, SIGTERM exits,
// the CRI log format and rotation, exec, adoption after an agent restart, and no process left.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { builtinImages } from '../../images/index.js'
import { ProcessRuntime } from './process.js'
import { parseCriLogLine } from './cri-log.js'
import { ImagePullError, type ContainerSpec, type SandboxSpec } from './types.js'
import { until } from '../../../test/kit/index.js'

const root = mkdtempSync(join(tmpdir(), 'kubelite-process-'))
const pids: number[] = []
const runtimes: ProcessRuntime[] = []

after(async () => {
  await Promise.all(runtimes.map((r) => r.close(0)))
  // No process left behind (a zombie still being reaped by a detached runtime gets a moment).
  const gone = (pid: number) => {
    try {
      process.kill(pid, 0)
      return false
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH'
    }
  }
  await until('every container process gone', () => pids.every(gone), 1000).catch(() => undefined)
  for (const pid of pids) assert.ok(gone(pid), `pid ${pid} still running`)
  rmSync(root, { recursive: true, force: true })
})

function newRuntime(name: string, extra: Partial<ConstructorParameters<typeof ProcessRuntime>[0]> = {}) {
  const rt = new ProcessRuntime({ stateDir: join(root, name), images: builtinImages, ...extra })
  runtimes.push(rt)
  return rt
}

let ipCounter = 0
function sandbox(podName: string): SandboxSpec {
  ipCounter++
  return { podUid: `uid-${podName}`, podName, namespace: 'default', podIP: `127.244.250.${ipCounter}`, logDir: join(root, 'logs', podName) }
}

function spec(image: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: 'main', image, env: {}, restartCount: 0, ...extra }
}

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One request on a fresh connection (like curl), retried until the server listens (3 s). */
async function get(host: string, port: number, path = '/', headers: Record<string, string> = {}, method = 'GET', waitMs = 3000): Promise<Reply> {
  const once = () =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host, port, path, method, agent: false, headers: { 'User-Agent': 'curl/8.5.0', Accept: '*/*', ...headers } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end()
    })
  return until(`${method} http://${host}:${port}${path}`, once, { timeoutMs: waitMs, intervalMs: 15 })
}

function logRecords(path: string) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const r = parseCriLogLine(l)
      assert.ok(r, `malformed log line: ${l}`)
      assert.match(r.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/)
      return { stream: r.stream, full: r.full, text: r.content.toString() }
    })
}

const waitFor = <T>(fn: () => T | undefined, ms = 3000): Promise<T> => until('the condition', fn, { timeoutMs: ms, intervalMs: 15 })

test('kubernetes-bootcamp v1/v2: exact answer and log lines; SIGTERM ends it (143)', async () => {
  const rt = newRuntime('bootcamp')
  const sb1 = sandbox('kubernetes-bootcamp-5bf4d5689b-nqlrr')
  const sb2 = sandbox('kubernetes-bootcamp-6bf84cb898-tjdrs')
  const [h1, h2] = await Promise.all([
    rt.startContainer(sb1, spec('gcr.io/google-samples/kubernetes-bootcamp:v1')),
    rt.startContainer(sb2, spec('jocatalin/kubernetes-bootcamp:v2')),
  ])
  pids.push(h1.pid!, h2.pid!)
  assert.match(h1.id, /^process:\/\/[0-9a-f]{64}$/)
  const r1 = await get(sb1.podIP, 8080)
  assert.equal(r1.status, 200)
  assert.equal(r1.headers['content-type'], 'text/plain')
  assert.equal(r1.body, 'Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-5bf4d5689b-nqlrr | v=1\n')
  assert.equal((await get(sb2.podIP, 8080)).body, 'Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-6bf84cb898-tjdrs | v=2\n')
  // Bound to the pod IP only.
  await assert.rejects(get('127.0.0.1', 8080, '/', {}, 'GET', 0).then(() => assert.fail('answered on 127.0.0.1')), /ECONNREFUSED|answered/)

  const records = await waitFor(() => {
    const r = logRecords(h1.logPath)
    return r.length >= 3 ? r : undefined
  })
  assert.equal(h1.logPath, join(sb1.logDir, 'main', '0.log'))
  assert.match(records[0].text, /^Kubernetes Bootcamp App Started At: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \| Running On:  kubernetes-bootcamp-5bf4d5689b-nqlrr $/)
  assert.deepEqual(records[1], { stream: 'stdout', full: true, text: '' })
  assert.match(records[2].text, /^Running On: kubernetes-bootcamp-5bf4d5689b-nqlrr \| Total Requests: 1 \| App Uptime: [\d.]+ seconds \| Log Time: \d{4}-.*Z$/)

  const [s1, s2] = await Promise.all([h1.stop(10), h2.stop(10)])
  assert.equal(s1.exitCode, 143)
  assert.equal(s1.signal, 'SIGTERM')
  assert.equal(s1.reason, 'Error')
  assert.equal(s2.exitCode, 143)
  assert.ok(s1.finishedAt >= s1.startedAt)
})

test('simple-container-app: gin JSON (sorted keys, client ip, headers), 404, exit 2 on SIGTERM', async () => {
  const rt = newRuntime('sca')
  const sb = sandbox('k8s-testapp-86b5494dd4-2glc6')
  const h = await rt.startContainer(sb, spec('arisu1000/simple-container-app:v0.1'))
  pids.push(h.pid!)
  const r = await get(sb.podIP, 8080, '/', { 'X-Trace': '<1>' })
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  const m = /^\{"app version":"v0\.1","client ip":"127\.0\.0\.1:(\d+)","header":(.*)\}$/.exec(r.body)
  assert.ok(m, r.body)
  assert.equal(m[2], '{"Accept":["*/*"],"Connection":["close"],"User-Agent":["curl/8.5.0"],"X-Trace":["\\u003c1\\u003e"]}')
  const missing = await get(sb.podIP, 8080, '/env')
  assert.equal(missing.status, 404)
  assert.equal(missing.body, '404 page not found')
  await waitFor(() => logRecords(h.logPath).some((l) => l.stream === 'stdout' && l.text.includes('GET      /env')))
  const lines = logRecords(h.logPath)
  assert.deepEqual(lines[0], { stream: 'stderr', full: true, text: '[GIN-debug] [WARNING] Now Gin requires Go 1.6 or later and Go 1.7 will be required soon.' })
  assert.ok(lines.some((l) => l.text === '[GIN-debug] Listening and serving HTTP on :8080'))
  assert.ok(lines.some((l) => /^\[GIN\] \d{4}\/\d\d\/\d\d - \d\d:\d\d:\d\d \| 200 \| {1,13}\S+ \| {7}127\.0\.0\.1 \| GET {6}\/$/.test(l.text)), JSON.stringify(lines))
  const s = await h.stop(10)
  assert.equal(s.exitCode, 2)
  assert.equal(s.reason, 'Error')

  const v2 = await rt.startContainer(sb, spec('arisu1000/simple-container-app:v0.2', { restartCount: 1 }))
  pids.push(v2.pid!)
  assert.match((await get(sb.podIP, 8080)).body, /^\{"app version":"v0\.2",/)
  assert.equal(v2.logPath, join(sb.logDir, 'main', '1.log'))
  await v2.stop(10)
})

test('nginx: welcome page on port 80, 404 page, access log, exit 0 on SIGTERM; bind errors exit 1', async () => {
  const rt = newRuntime('nginx')
  const sb = sandbox('nginx-deployment-66b6c48dd5-abcde')
  const h = await rt.startContainer(sb, spec('nginx:1.14.2'))
  pids.push(h.pid!)
  let r: Reply
  try {
    r = await get(sb.podIP, 80)
  } catch (err) {
    // Not root: nginx's own bind error, exit 1.
    const s = await h.exited
    assert.equal(s.exitCode, 1)
    assert.match(s.message ?? '', /bind\(\) to 127\.244\.250\.\d+:80 failed \(13: Permission denied\)/)
    return
  }
  assert.equal(r.status, 200)
  assert.equal(r.headers.server, 'nginx/1.14.2')
  assert.equal(r.headers['content-length'], '612')
  assert.match(r.body, /<title>Welcome to nginx!<\/title>/)
  const latest = await rt.startContainer(sandbox('nginx-latest'), spec('nginx'))
  pids.push(latest.pid!)
  const rl = await get(`127.244.250.${ipCounter}`, 80)
  assert.equal(rl.headers['content-length'], '615')
  assert.match(rl.body, /html \{ color-scheme: light dark; \}/)
  const nf = await get(sb.podIP, 80, '/nope')
  assert.equal(nf.status, 404)
  assert.equal(nf.body, '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.14.2</center>\r\n</body>\r\n</html>\r\n')
  await waitFor(() => logRecords(h.logPath).some((l) => l.text.includes('"GET /nope HTTP/1.1" 404')))
  const access = logRecords(h.logPath).find((l) => l.text.includes('"GET / HTTP/1.1" 200'))!
  assert.match(access.text, /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 612 "-" "curl\/8\.5\.0" "-"$/)

  // A second nginx on the same IP cannot bind: nginx's message, exit 1.
  const clash = await rt.startContainer(sb, spec('nginx:1.14.2', { name: 'second' }))
  pids.push(clash.pid!)
  const cs = await clash.exited
  assert.equal(cs.exitCode, 1)
  assert.match(cs.message ?? '', /nginx: \[emerg\] bind\(\) to 127\.244\.250\.\d+:80 failed \(98: Address already in use\)/)

  const [s, sl] = await Promise.all([h.stop(10), latest.stop(10)])
  assert.equal(s.exitCode, 0)
  assert.equal(s.reason, 'Completed')
  assert.equal(sl.exitCode, 0)
})

for (const isolation of ['none', 'auto'] as const) {
  test(`nginx-slim serves the volume mounted at /usr/share/nginx/html, never the host's (isolation ${isolation})`, async (t) => {
    const rt = newRuntime(`nginx-slim-${isolation}`, { isolation })
    if (isolation === 'auto' && !rt.sandboxed) return t.skip('no pod sandbox on this host')
    const www = mkdtempSync(join(root, 'www-'))
    chmodSync(www, 0o777) // as the agent leaves a claim's directory: the pod's uid may write it
    const sb = { ...sandbox(`web-0-${isolation}`), mounts: [{ hostPath: www, containerPath: '/usr/share/nginx/html' }] }
    const h = await rt.startContainer(sb, spec('registry.k8s.io/nginx-slim:0.21'))
    pids.push(h.pid!)
    let empty: Reply
    try {
      empty = await get(sb.podIP, 80)
    } catch {
      const s = await h.exited
      assert.match(s.message ?? '', /bind\(\) to 127\.244\.250\.\d+:80 failed \(13: Permission denied\)/)
      return t.skip('port 80 needs root here')
    }
    // An empty volume over the image's html dir: nginx's 403 (no index, autoindex off), as upstream.
    assert.equal(empty.status, 403)
    assert.equal(empty.headers.server, 'nginx/1.21.6')
    writeFileSync(join(www, 'index.html'), 'web-0\n')
    const r = await get(sb.podIP, 80)
    assert.deepEqual([r.status, r.body, r.headers['content-type']], [200, 'web-0\n', 'text/html'])
    assert.equal((await get(sb.podIP, 80, '/index.html', { 'If-None-Match': r.headers.etag! })).status, 304)
    assert.equal((await get(sb.podIP, 80, '/missing.txt')).status, 404)
    assert.equal((await get(sb.podIP, 80, '/../../etc/passwd')).status, 400)
    mkdirSync(join(www, 'sub'))
    const moved = await get(sb.podIP, 80, '/sub', { Host: 'web-0' })
    assert.deepEqual([moved.status, moved.headers.location], [301, 'http://web-0/sub/'])
    await waitFor(() => logRecords(h.logPath).some((l) => l.text.includes('open() "/usr/share/nginx/html/missing.txt" failed (2: No such file or directory)')))
    // No entrypoint chatter in nginx-slim; the container's environment does not carry the mounts.
    assert.ok(!logRecords(h.logPath).some((l) => l.text.includes('docker-entrypoint')))
    const out = new PassThrough()
    let envText = ''
    out.on('data', (d) => (envText += d))
    await rt.exec(sb, spec('registry.k8s.io/nginx-slim:0.21'), ['env'], { stdout: out, stderr: new PassThrough() })
    assert.match(envText, /^HOSTNAME=web-0-/m)
    assert.doesNotMatch(envText, /KUBELITE_MOUNTS/)
    // Nothing mounted there: the image's own welcome page, not whatever the host keeps at that path.
    const plain = { ...sandbox(`plain-${isolation}`) }
    const p = await rt.startContainer(plain, spec('registry.k8s.io/nginx-slim:0.24'))
    pids.push(p.pid!)
    const welcome = await get(plain.podIP, 80)
    assert.equal(welcome.status, 200)
    assert.match(welcome.body, /<title>Welcome to nginx!<\/title>/)
    assert.equal((await get(plain.podIP, 80, '/50x.html')).status, 200)
    await Promise.all([h.stop(10), p.stop(10)])
  })
}

test('hello-app answers with its version and hostname; pause exits 0 on SIGTERM', async () => {
  const rt = newRuntime('hello')
  const sb = sandbox('hello-server-5bfd595c65-abcde')
  const [h, p] = await Promise.all([
    rt.startContainer(sb, spec('gcr.io/google-samples/hello-app:2.0')),
    rt.startContainer(sb, spec('registry.k8s.io/pause:3.10', { name: 'pause' })),
  ])
  pids.push(h.pid!, p.pid!)
  // Stopped at once, while still loading: the signal waits for the program, which exits 0.
  const early = await rt.startContainer(sb, spec('registry.k8s.io/pause:3.10', { name: 'early' }))
  pids.push(early.pid!)
  assert.equal((await early.stop(10)).exitCode, 0)
  const r = await get(sb.podIP, 8080, '/x')
  assert.equal(r.body, 'Hello, world!\nVersion: 2.0.0\nHostname: hello-server-5bfd595c65-abcde\n')
  await waitFor(() => logRecords(h.logPath).some((l) => / Serving request: \/x$/.test(l.text)))
  assert.match(logRecords(h.logPath)[0].text, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Server listening on port 8080$/)
  const [hs, ps] = await Promise.all([h.stop(10), p.stop(10)])
  assert.equal(hs.exitCode, 2)
  assert.equal(ps.exitCode, 0)
})

test('kubelite/static serves the directory given by args', async () => {
  const rt = newRuntime('static')
  const site = join(root, 'site')
  mkdirSync(join(site, 'sub'), { recursive: true })
  writeFileSync(join(site, 'hello.txt'), 'hi there\n')
  writeFileSync(join(site, 'sub', 'index.html'), '<p>sub</p>')
  // In a pod sandbox the host's /tmp is not the pod's: the directory is a volume there.
  const sb = { ...sandbox('static'), mounts: [{ hostPath: site, containerPath: '/srv/site', readOnly: true }] }
  const h = await rt.startContainer(sb, spec('kubelite/static', { args: [rt.sandboxed ? '/srv/site' : site, '--port', '8081'] }))
  pids.push(h.pid!)
  const f = await get(sb.podIP, 8081, '/hello.txt')
  assert.equal(f.body, 'hi there\n')
  assert.equal(f.headers['content-type'], 'text/plain; charset=utf-8')
  assert.equal((await get(sb.podIP, 8081, '/sub/')).body, '<p>sub</p>')
  assert.equal((await get(sb.podIP, 8081, '/../../etc/passwd')).status, 404)
  assert.match((await get(sb.podIP, 8081, '/')).body, /hello\.txt/)
  assert.equal((await h.stop(10)).exitCode, 0)
})

test('busybox: host commands with the container env; sh alone exits at once; missing executables cannot run', async () => {
  const rt = newRuntime('busybox')
  const sb = sandbox('busybox-pod')
  const h = await rt.startContainer(
    sb,
    spec('busybox:1.36', { command: ['sh', '-c'], args: ['echo hello; echo oops >&2; echo "$POD_IP $HOSTNAME $GREETING"; printf tail; exit 3'], env: { GREETING: 'hi' } }),
  )
  const s = await h.exited
  assert.equal(s.exitCode, 3)
  assert.equal(s.reason, 'Error')
  const lines = logRecords(h.logPath)
  const out = lines.filter((l) => l.stream === 'stdout')
  assert.deepEqual(out, [
    { stream: 'stdout', full: true, text: 'hello' },
    { stream: 'stdout', full: true, text: `${sb.podIP} busybox-pod hi` },
    { stream: 'stdout', full: false, text: 'tail' },
  ])
  assert.deepEqual(lines.filter((l) => l.stream === 'stderr'), [{ stream: 'stderr', full: true, text: 'oops' }])
  assert.match(s.message!, /hello/)

  const sh = await rt.startContainer(sb, spec('busybox', { name: 'shell' }))
  const ss = await sh.exited
  assert.equal(ss.exitCode, 0)
  assert.equal(ss.reason, 'Completed')

  const bad = await rt.startContainer(sb, spec('busybox', { name: 'bad', command: ['no-such-command-xyz'] }))
  const bs = await bad.exited
  assert.equal(bs.reason, 'ContainerCannotRun')
  assert.equal(bs.exitCode, 128)
  assert.match(bs.message!, /exec: "no-such-command-xyz": executable file not found in \$PATH: unknown$/)

  // sleep dies of SIGTERM; background children of the shell go with the container.
  const sleeper = await rt.startContainer(sb, spec('busybox', { name: 'sleeper', args: ['sh', '-c', 'sleep 300 & sleep 301'] }))
  pids.push(sleeper.pid!)
  const st = await sleeper.stop(10)
  assert.equal(st.exitCode, 143)
  assert.equal(st.signal, 'SIGTERM')
})

test('stop: SIGKILL after the grace period when SIGTERM is ignored', async () => {
  const rt = newRuntime('grace')
  const h = await rt.startContainer(sandbox('stubborn'), spec('busybox', { command: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'] }))
  pids.push(h.pid!)
  await waitFor(() => logRecords(h.logPath).some((l) => l.text === 'ready'))
  const t0 = Date.now()
  const s = await h.stop(0.3)
  assert.ok(Date.now() - t0 >= 250, 'waited for the grace period')
  assert.equal(s.exitCode, 137)
  assert.equal(s.signal, 'SIGKILL')
})

test('exec: container env and cwd, stdin, exit codes, tty, unknown command', async () => {
  const rt = newRuntime('exec')
  const sb = sandbox('exec-pod')
  const c = spec('gcr.io/google-samples/kubernetes-bootcamp:v1', { env: { FOO: 'bar' } })
  const h = await rt.startContainer(sb, c)
  pids.push(h.pid!)
  const collect = () => {
    const s = new PassThrough()
    let text = ''
    s.on('data', (d) => (text += d))
    return { s, text: () => text }
  }
  const out = collect()
  assert.equal(await rt.exec(sb, c, ['env'], { stdout: out.s }), 0)
  const env = Object.fromEntries(out.text().trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  assert.equal(env.POD_IP, sb.podIP)
  assert.equal(env.HOSTNAME, 'exec-pod')
  assert.equal(env.FOO, 'bar')
  assert.equal(env.NODE_VERSION, '6.3.1')

  const cat = collect()
  const stdin = new PassThrough()
  const p = rt.exec(sb, c, ['cat'], { stdin, stdout: cat.s })
  stdin.end('piped\n')
  assert.equal(await p, 0)
  assert.equal(cat.text(), 'piped\n')

  const err = collect()
  assert.equal(await rt.exec(sb, c, ['sh', '-c', 'echo e >&2; exit 7'], { stderr: err.s }), 7)
  assert.equal(err.text(), 'e\n')

  const tty = collect()
  async function* sizes() {
    yield { width: 100, height: 40 }
  }
  assert.equal(await rt.exec(sb, c, ['sh', '-c', 'stty size; tty >/dev/null && echo is-a-tty'], { stdout: tty.s, tty: true, resize: sizes() }), 0)
  assert.equal(tty.text(), '40 100\r\nis-a-tty\r\n')

  await assert.rejects(rt.exec(sb, c, ['nope-xyz'], {}), /exec: "nope-xyz": executable file not found in \$PATH: unknown/)

  const ac = new AbortController()
  const long = rt.exec(sb, c, ['sleep', '30'], { signal: ac.signal })
  setTimeout(() => ac.abort(), 50)
  assert.equal(await long, 137)
  await h.stop(5)
})

test('listRunning: a new runtime on the same state dir adopts running containers and can stop them', async () => {
  const stateDir = 'adopt'
  const first = newRuntime(stateDir)
  const sb = sandbox('adopt-pod')
  const h = await first.startContainer(sb, spec('nginx', { args: ['sh', '-c', 'echo up; exec sleep 300'] }))
  const sca = await first.startContainer(sb, spec('arisu1000/simple-container-app:v0.2', { name: 'app' }))
  pids.push(h.pid!, sca.pid!)
  await get(sb.podIP, 8080)
  // A stale state folder of a process that is gone is cleaned up, not adopted.
  const stale = join(root, stateDir, 'containers', 'f'.repeat(64))
  mkdirSync(stale)
  writeFileSync(join(stale, 'state.json'), JSON.stringify({ id: 'process://' + 'f'.repeat(64), podUid: 'x', container: 'y', pid: 999_999_999, procStart: '1', startedAt: new Date().toISOString(), logPath: join(root, 'none.log'), cwd: root, env: {} }))

  // The agent "restarts": the first lets go, a second runtime instance uses the same state dir.
  first.detach()
  const second = newRuntime(stateDir, { pollIntervalMs: 20 })
  const found = await second.listRunning()
  assert.deepEqual(found.map((f) => [f.podUid, f.container]).sort(), [['uid-adopt-pod', 'app'], ['uid-adopt-pod', 'main']])
  assert.deepEqual(readdirSync(join(root, stateDir, 'containers')).sort().includes('f'.repeat(64)), false)
  const adopted = found.find((f) => f.container === 'main')!.handle
  assert.equal(adopted.id, h.id)
  assert.equal(adopted.pid, h.pid)
  assert.equal(adopted.logPath, h.logPath)

  // Exec into an adopted container still sees its env.
  const out = new PassThrough()
  let text = ''
  out.on('data', (d) => (text += d))
  assert.equal(await second.exec(sb, spec('nginx'), ['sh', '-c', 'echo $HOSTNAME'], { stdout: out }), 0)
  assert.equal(text, 'adopt-pod\n')

  const s = await adopted.stop(10)
  assert.equal(s.exitCode, 143)
  assert.equal(s.signal, 'SIGTERM')
  // The adopted Go-like app exits 2 on SIGTERM; status comes from the shim's status file.
  const appHandle = found.find((f) => f.container === 'app')!.handle
  assert.equal((await appHandle.stop(10)).exitCode, 2)
  assert.deepEqual(await second.listRunning(), [])
  assert.deepEqual(readdirSync(join(root, stateDir, 'containers')), [])
})

test('listRunning: a shim whose start the agent never recorded (killed mid-start) is stopped, not left on the pod IP', async () => {
  const stateDir = 'half-started'
  const first = newRuntime(stateDir)
  const sb = sandbox('half-pod')
  const h = await first.startContainer(sb, spec('gcr.io/google-samples/kubernetes-bootcamp:v1'))
  pids.push(h.pid!)
  await get(sb.podIP, 8080)
  // The agent dies between spawning the shim and writing state.json.
  first.detach()
  const dir = join(root, stateDir, 'containers', readdirSync(join(root, stateDir, 'containers'))[0])
  rmSync(join(dir, 'state.json'))
  const second = newRuntime(stateDir)
  assert.deepEqual(await second.listRunning(), [])
  await assert.rejects(get(sb.podIP, 8080, '/', {}, 'GET', 300), 'the orphaned container no longer answers')
  assert.deepEqual(readdirSync(join(root, stateDir, 'containers')), [])
})

test('log rotation by size keeps at most logMaxFiles files; long lines are split into P records', async () => {
  const rt = newRuntime('rotate', { logMaxSize: 4096, logMaxFiles: 3 })
  const sb = sandbox('rotate-pod')
  const h = await rt.startContainer(sb, spec('busybox', { command: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); done; head -c 40000 /dev/zero | tr "\\0" x; echo'] }))
  assert.equal((await h.exited).exitCode, 0)
  const dir = join(sb.logDir, 'main')
  const files = readdirSync(dir).sort()
  assert.equal(files.length, 3, files.join(','))
  assert.ok(files.includes('0.log'))
  assert.ok(files.filter((f) => /^0\.log\.\d{8}-\d{6}(\.\d{3})?$/.test(f)).length === 2, files.join(','))
  // Oldest rotated file first, the live one last.
  const all = [...files.filter((f) => f !== '0.log'), '0.log'].flatMap((f) => logRecords(join(dir, f)))
  const tail = all.slice(-2).map((l) => [l.full, l.text.length, /^x+$/.test(l.text)])
  assert.deepEqual(tail, [[false, 16384, true], [true, 40000 - 2 * 16384, true]])
})

test('pullImage: built-ins resolve; anything else is an ImagePullError with containerd wording', async () => {
  const rt = newRuntime('pull')
  const pulled = await rt.pullImage('gcr.io/google-samples/kubernetes-bootcamp:v1')
  assert.equal(pulled.imageID, 'gcr.io/google-samples/kubernetes-bootcamp@sha256:0d6b8ee63bb57c5f5b6156f446b3bc3b3c143d233037f3a2f00e279c8fcc64af')
  assert.ok(pulled.size > 0)
  const err = await rt.pullImage('gcr.io/google-samples/kubernetes-bootcamp:v10').catch((e: unknown) => e)
  assert.ok(err instanceof ImagePullError)
  assert.equal(err.image, 'gcr.io/google-samples/kubernetes-bootcamp:v10')
  assert.match(err.message, /^rpc error: code = NotFound desc = failed to pull and unpack image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10": .*: not found$/)
  await assert.rejects(rt.startContainer(sandbox('x'), spec('foo:v10')), ImagePullError)
})

test('a port in use by someone else: the bootcamp app crashes with a Node stack, exit 1', async () => {
  const rt = newRuntime('crash')
  const sb = sandbox('crash-pod')
  const blocker = net.createServer().listen(8080, sb.podIP)
  await new Promise((r) => blocker.once('listening', r))
  try {
    const h = await rt.startContainer(sb, spec('gcr.io/google-samples/kubernetes-bootcamp:v1'))
    const s = await h.exited
    assert.equal(s.exitCode, 1)
    assert.match(s.message!, /EADDRINUSE/)
  } finally {
    blocker.close()
  }
})
