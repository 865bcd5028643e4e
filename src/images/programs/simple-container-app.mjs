// arisu1000/simple-container-app:v0.1 / :v0.2 / :latest: a Go gin app (gin.Default(), so debug
// mode). GET / answers {"app version":..,"client ip":"ip:port","header":{...}} exactly as Go's
// encoding/json writes gin.H (keys sorted, no trailing newline); anything else is gin's
// "404 page not found". :latest adds /env and /volume-config. Startup lines come from gin's debug
// log on stderr, one "[GIN] ..." line per request on stdout. argv[2] is the version.
// As PID 1 a Go program ends on SIGTERM with exit status 2, and so does this one.
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { goJSON, goRequestHeader, goDuration, goDate, joinHostPort } from './go-compat.mjs'

const appVersion = process.argv[2] || 'v0.1'
const latest = process.argv[3] === 'latest'
const address = process.env.POD_IP || '127.0.0.1'

const debug = (msg) => process.stderr.write(`[GIN-debug] ${msg}${msg.endsWith('\n') ? '' : '\n'}`)
debug('[WARNING] Now Gin requires Go 1.6 or later and Go 1.7 will be required soon.\n\n')
debug('[WARNING] Creating an Engine instance with the Logger and Recovery middleware already attached.\n\n')
debug('[WARNING] Running in "debug" mode. Switch to "release" mode in production.\n - using env:\texport GIN_MODE=release\n - using code:\tgin.SetMode(gin.ReleaseMode)\n\n')
const routes = latest
  ? [['/', 'main.setupRouter.func1'], ['/env', 'main.setupRouter.func2'], ['/volume-config', 'main.setupRouter.func3']]
  : [['/', 'main.main.func1']]
for (const [path, fn] of routes) debug(`${'GET'.padEnd(6)} ${path.padEnd(25)} --> ${fn} (3 handlers)\n`)
let port = '8080'
if (process.env.PORT) {
  port = process.env.PORT
  debug(`Environment variable PORT="${port}"`)
} else {
  debug('Environment variable PORT is undefined. Using port :8080 by default')
}
debug(`Listening and serving HTTP on :${port}\n`)

function reply(res, status, contentType, body) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

const server = http.createServer((req, res) => {
  const start = process.hrtime.bigint()
  const url = new URL(req.url ?? '/', 'http://x')
  const clientAddr = joinHostPort(req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0)
  const json = 'application/json; charset=utf-8'
  let status = 200
  if (req.method === 'GET' && url.pathname === '/') {
    reply(res, 200, json, goJSON({ 'app version': appVersion, header: goRequestHeader(req.rawHeaders), 'client ip': clientAddr }))
  } else if (latest && req.method === 'GET' && url.pathname === '/env') {
    reply(res, 200, json, goJSON({ env: Object.entries(process.env).map(([k, v]) => `${k}=${v}`) }))
  } else if (latest && req.method === 'GET' && url.pathname === '/volume-config') {
    let content = ''
    try {
      content = readFileSync(url.searchParams.get('path') ?? '', 'utf8')
    } catch (err) {
      process.stdout.write(`open ${url.searchParams.get('path') ?? ''}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`)
    }
    reply(res, 200, json, goJSON({ 'volume-content': content }))
  } else {
    status = 404
    reply(res, 404, 'text/plain', '404 page not found')
  }
  const latency = goDuration(Number(process.hrtime.bigint() - start))
  const path = url.search ? url.pathname + url.search : url.pathname
  const clientIP = req.socket.remoteAddress ?? ''
  process.stdout.write(`[GIN] ${goDate(new Date(), ' - ')} | ${String(status).padStart(3)} | ${latency.padStart(13)} | ${clientIP.padStart(15)} | ${(req.method ?? '').padEnd(7)}  ${path}\n`)
})
server.on('error', (err) => {
  debug(`[ERROR] listen tcp :${port}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}\n`)
  process.exit(1)
})
server.listen(Number(port), address)
process.on('SIGTERM', () => process.exit(2))
