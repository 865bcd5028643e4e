// argoproj/rollouts-demo:<color> (github.com/argoproj/rollouts-demo, main.go): Argo Rollouts' demo
// app. GET /color answers `"<color>"` (text/plain, with the quotes), `/` serves the demo page that
// polls /color and paints a square per answer. The image's ENV sets COLOR (empty: a random color
// per request), ERROR_RATE (`bad-<color>` tags: 15) and LATENCY (`slow-<color>` tags: 2 seconds),
// read as the Go program reads them, so a pod's env can change them too. Kept as upstream has it:
// - ERROR_RATE: a request fails with 500 when rand.Intn(100) >= ERROR_RATE, so `bad-` images
//   (ERROR_RATE=15) fail about 85% of requests;
// - a POSTed/GET body `[{"color":"blue","delayLength":1.5,"return500":50}]` sets the delay and the
//   failure chance for that color; delays are whole seconds (Go's time.Duration(1.5) truncates);
// - SIGTERM: keep-alives off, "Signal terminated caught. Shutting down in 10s", a second signal
//   ends it at once; -termination-delay N and -listen-addr [HOST]:PORT as the Go flags.
// Logs as Go's log package: "YYYY/MM/DD HH:MM:SS msg" on stderr. The page is kubelite's own small
// one (the original's assets are not shipped), with the same controls: start, stop, a color grid.
import http from 'node:http'

const colors = ['red', 'orange', 'yellow', 'green', 'blue', 'purple']
const color = process.env.COLOR ?? ''

function fatal(msg) {
  log(msg)
  process.exit(1)
}

function log(msg) {
  const d = new Date()
  const p = (n) => String(n).padStart(2, '0')
  process.stderr.write(`${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${msg}\n`)
}

let envLatency = 0
let envErrorRate = 0
if (process.env.LATENCY) {
  envLatency = Number(process.env.LATENCY)
  if (!Number.isFinite(envLatency)) fatal(`panic: failed to parse LATENCY: ${process.env.LATENCY}`)
}
if (process.env.ERROR_RATE) {
  if (!/^[+-]?\d+$/.test(process.env.ERROR_RATE)) fatal(`panic: failed to parse ERROR_RATE: ${process.env.ERROR_RATE}`)
  envErrorRate = Number(process.env.ERROR_RATE)
}

// Go's flag package: -name value, -name=value, --name too.
let listenAddr = ':8080'
let terminationDelay = 10
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(argv[i])
  if (!m) continue
  const value = m[2] ?? argv[++i]
  if (m[1] === 'listen-addr') listenAddr = value
  else if (m[1] === 'termination-delay') terminationDelay = Number(value)
}
const colon = listenAddr.lastIndexOf(':')
const port = Number(listenAddr.slice(colon + 1)) || 8080
const host = listenAddr.slice(0, colon) || process.env.POD_IP || '127.0.0.1'

const intn = (n) => Math.floor(Math.random() * n)

const page = `<!DOCTYPE html>
<html>
<head><title>Rollouts Demo</title>
<style>
body { background: #1d2330; color: #fff; font-family: sans-serif; margin: 0 }
.header { display: flex; align-items: center; justify-content: space-between; padding: 12px 20px; background: #10141c }
h1 { font-size: 20px; margin: 0 } .orange { color: #f0883e }
.button { display: inline-block; padding: 6px 14px; margin-left: 8px; border: 1px solid #888; cursor: pointer }
.grid { display: grid; grid-template-columns: repeat(40, 1fr); gap: 2px; padding: 20px }
.grid div { height: 18px; border-radius: 2px }
.bar { display: flex; height: 24px; margin: 0 20px } .bar div { height: 100% }
</style></head>
<body>
<div class="header"><h1>ARGO ROLLOUTS <span class="orange">DEMO</span></h1>
<div><span class="button" id="start">START</span><span class="button" id="stop">STOP</span></div></div>
<div class="bar" id="bar"></div>
<div class="grid" id="grid"></div>
<script>
const palette = { red: '#e5534b', orange: '#f0883e', yellow: '#e3b341', green: '#57ab5a', blue: '#539bf5', purple: '#986ee2' }
const grid = document.getElementById('grid'), bar = document.getElementById('bar')
const recent = []
let timer
function paint(c, ok) {
  const d = document.createElement('div')
  d.style.background = ok ? (palette[c] || '#888') : '#000'
  d.style.border = ok ? '' : '2px solid ' + (palette[c] || '#888')
  grid.prepend(d)
  while (grid.children.length > 400) grid.lastChild.remove()
  recent.push(c); if (recent.length > 100) recent.shift()
  const n = {}; for (const r of recent) n[r] = (n[r] || 0) + 1
  bar.innerHTML = Object.entries(n).map(([k, v]) => '<div title="' + k + ' ' + v + '%" style="width:' + v + '%;background:' + (palette[k] || '#888') + '"></div>').join('')
}
async function tick() {
  try { const r = await fetch('./color'); const t = JSON.parse(await r.text()); paint(t, r.ok) } catch { paint('', false) }
}
document.getElementById('start').onclick = () => { clearInterval(timer); timer = setInterval(tick, 100) }
document.getElementById('stop').onclick = () => clearInterval(timer)
timer = setInterval(tick, 100)
</script>
</body></html>
`

function printColor(res, c, status) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
  res.end(`"${c}"`)
}

function getColor(req, res, body) {
  let request = []
  if (body.length > 0 && body !== '"[]"') {
    try {
      request = JSON.parse(body)
      if (!Array.isArray(request)) throw new Error(`json: cannot unmarshal ${typeof request} into Go value of type []main.colorParameters`)
    } catch (err) {
      log(`${body}: ${err.message}`)
      res.writeHead(500)
      res.end(err.message)
      return
    }
  }
  const colorToReturn = color !== '' ? color : colors[intn(colors.length)]
  let params = {}
  for (const cp of request) if (cp && cp.color === colorToReturn) params = cp
  let delay = 0
  if (params.delayLength > 0) delay = params.delayLength
  else if (envLatency > 0) delay = envLatency
  const delayStr = delay > 0 ? ` (${delay.toFixed(6)}s)` : ''
  setTimeout(() => {
    let status = 200
    if (typeof params.return500 === 'number' && params.return500 > 0 && params.return500 >= intn(100)) status = 500
    else if (envErrorRate > 0 && intn(100) >= envErrorRate) status = 500
    printColor(res, colorToReturn, status)
    log(`${status} - ${colorToReturn}${delayStr}`)
  }, Math.trunc(delay) * 1000)
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/color') return getColor(req, res, Buffer.concat(chunks).toString())
    if (path === '/' || path === '/index.html') {
      if (path === '/index.html') {
        res.writeHead(301, { Location: './' })
        return res.end()
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      return res.end(page)
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
    res.end('404 page not found\n')
  })
})
server.on('error', (err) => fatal(`Could not listen on ${listenAddr}: listen tcp ${listenAddr}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`))

let caught = false
const onSignal = (name) => () => {
  if (caught) {
    log('Second signal caught. Shutting down NOW')
    shutdown()
    return
  }
  caught = true
  server.keepAliveTimeout = 1 // keep-alives off: each answer closes its connection
  server.on('request', (_req, res) => res.setHeader('Connection', 'close'))
  log(`Signal ${name} caught. Shutting down in ${terminationDelay}s`)
  setTimeout(shutdown, terminationDelay * 1000)
}
function shutdown() {
  server.close(() => {
    log('Server stopped')
    process.exit(0)
  })
  server.closeIdleConnections()
  setTimeout(() => process.exit(0), 30_000).unref()
}
process.on('SIGTERM', onSignal('terminated'))
process.on('SIGINT', onSignal('interrupt'))

server.listen(port, host, () => log(`Started server on ${listenAddr}`))
