// nginx (docker.io/library/nginx:<tag>, registry.k8s.io/nginx-slim:<tag>): the image's default
// server — port 80 on the pod IP serving /usr/share/nginx/html (the image's "Welcome to nginx!"
// index.html and 50x.html, or the volume mounted there), nginx's own 301/403/404/405 pages, the
// access log in the image's "main" format on stdout, notices and errors on stderr. argv[2] is the
// nginx version the tag names (the Server header); argv[3] `--slim`: nginx-slim (no
// docker-entrypoint.sh). SIGTERM/SIGQUIT: stop listening, finish, exit 0.
// Port 80 needs root (or net.ipv4.ip_unprivileged_port_start); without it this logs nginx's own
// "bind() ... failed (13: Permission denied)" and exits 1, as nginx does.
import http from 'node:http'
import { promises as fs } from 'node:fs'
import { mountedPath } from './container-fs.mjs'

const version = process.argv[2] || '1.27.3'
const address = process.env.POD_IP || '127.0.0.1'
const pid = process.pid
const [, minor] = version.split('.').map(Number)
const slim = process.argv[3] === '--slim'

const welcome = minor >= 21
  ? `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`
  : `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`

const fiftyX = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`

const errorPage = (status, text) =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx/${version}</center>\r\n</body>\r\n</html>\r\n`

// The files' mtime in the image (Last-Modified, ETag): the release's build date, fixed.
const mtime = new Date(Date.UTC(2024, 10, 26, 15, 55, 0))

const p2 = (n) => String(n).padStart(2, '0')
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const errorTime = (d) => `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
const localTime = (d) => `${p2(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`
const notice = (level, msg) => process.stderr.write(`${errorTime(new Date())} [${level}] ${pid}#${pid}: ${msg}\n`)

if (minor >= 19 && !slim) {
  const e = '/docker-entrypoint.sh'
  process.stdout.write(
    `${e}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n` +
      `${e}: Looking for shell scripts in /docker-entrypoint.d/\n` +
      `${e}: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh\n` +
      `10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf\n` +
      `10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf\n` +
      `${e}: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh\n` +
      `${e}: Launching /docker-entrypoint.d/30-tune-worker-processes.sh\n` +
      `${e}: Configuration complete; ready for start up\n`,
  )
}

// The image's default.conf: `root /usr/share/nginx/html; index index.html index.htm;`. The root
// is the container's: a volume mounted there (the StatefulSet tutorial's `www` claim) is served
// from the volume, as nginx would; with nothing mounted there it holds the image's own files.
const htmlRoot = '/usr/share/nginx/html'
const mountedRoot = mountedPath(htmlRoot)
const imageFiles = new Map([
  ['/index.html', welcome],
  ['/50x.html', fiftyX],
])

/** stat of a path under the root: a file (its bytes on demand), a directory, or an errno. */
async function lookup(rel) {
  if (mountedRoot === undefined) {
    if (rel === '/' || rel === '') return { dir: true }
    const body = imageFiles.get(rel)
    return body === undefined ? { errno: 2, text: 'No such file or directory' } : { size: Buffer.byteLength(body), mtime, read: async () => Buffer.from(body) }
  }
  const file = mountedRoot.replace(/\/+$/, '') + rel
  try {
    const st = await fs.stat(file)
    if (st.isDirectory()) return { dir: true }
    return { size: st.size, mtime: st.mtime, read: () => fs.readFile(file) }
  } catch (err) {
    if (err.code === 'EACCES') return { errno: 13, text: 'Permission denied' }
    if (err.code === 'ENOTDIR') return { errno: 20, text: 'Not a directory' }
    return { errno: 2, text: 'No such file or directory' }
  }
}

const mimeTypes = {
  html: 'text/html', htm: 'text/html', shtml: 'text/html', css: 'text/css', xml: 'text/xml', gif: 'image/gif', jpeg: 'image/jpeg', jpg: 'image/jpeg',
  js: 'application/javascript', txt: 'text/plain', png: 'image/png', svg: 'image/svg+xml', svgz: 'image/svg+xml', ico: 'image/x-icon', webp: 'image/webp',
  json: 'application/json', pdf: 'application/pdf', wasm: 'application/wasm', zip: 'application/zip', woff: 'font/woff', woff2: 'font/woff2',
}
const contentType = (path) => mimeTypes[/\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream'
const etagOf = (f) => `"${Math.floor(f.mtime.getTime() / 1000).toString(16)}-${f.size.toString(16)}"`

let connections = 0
const errorLog = (req, msg) => {
  process.stderr.write(`${errorTime(new Date())} [error] ${pid}#${pid}: *${req.socket.connectionId ?? 1} ${msg}, client: ${req.socket.remoteAddress}, server: localhost, request: "${req.method} ${req.url} HTTP/${req.httpVersion}", host: "${req.headers.host ?? ''}"\n`)
}

/** The answer to one request: status, headers and body, as nginx's static module gives it. */
async function answer(req) {
  const headers = { Server: `nginx/${version}`, 'Content-Type': 'text/html' }
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers, body: errorPage(405, 'Not Allowed') }
  let path
  try {
    path = decodeURIComponent((req.url ?? '/').split('?')[0].replace(/^[a-z]+:\/\/[^/]*/i, '') || '/')
  } catch {
    return { status: 400, headers, body: errorPage(400, 'Bad Request') }
  }
  const parts = []
  for (const seg of path.split('/')) {
    if (seg === '..') {
      if (parts.length === 0) return { status: 400, headers, body: errorPage(400, 'Bad Request') }
      parts.pop()
    } else if (seg !== '' && seg !== '.') parts.push(seg)
  }
  let rel = '/' + parts.join('/') + (path.endsWith('/') && parts.length ? '/' : '')
  let found = await lookup(rel)
  if (found.dir) {
    if (!rel.endsWith('/')) {
      const location = `http://${req.headers.host ?? 'localhost'}${rel}/`
      return { status: 301, headers: { ...headers, Location: location }, body: errorPage(301, 'Moved Permanently') }
    }
    const index = await firstIndex(rel)
    if (!index) {
      errorLog(req, `directory index of "${htmlRoot}${rel}" is forbidden`)
      return { status: 403, headers, body: errorPage(403, 'Forbidden') }
    }
    rel = index.rel
    found = index.found
  }
  if (found.errno) {
    errorLog(req, `open() "${htmlRoot}${rel}" failed (${found.errno}: ${found.text})`)
    return found.errno === 13 ? { status: 403, headers, body: errorPage(403, 'Forbidden') } : { status: 404, headers, body: errorPage(404, 'Not Found') }
  }
  const etag = etagOf(found)
  Object.assign(headers, { 'Content-Type': contentType(rel), 'Last-Modified': found.mtime.toUTCString(), ETag: etag, 'Accept-Ranges': 'bytes' })
  const since = Date.parse(req.headers['if-modified-since'] ?? '')
  if (req.headers['if-none-match'] === etag || (!req.headers['if-none-match'] && since === Math.floor(found.mtime.getTime() / 1000) * 1000)) return { status: 304, headers }
  return { status: 200, headers, body: req.method === 'HEAD' ? Buffer.alloc(found.size) : await found.read() }
}

async function firstIndex(dir) {
  for (const name of ['index.html', 'index.htm']) {
    const found = await lookup(dir + name)
    if (!found.dir && !(found.errno === 2)) return { rel: dir + name, found }
  }
  return undefined
}

const server = http.createServer(async (req, res) => {
  let a
  try {
    a = await answer(req)
  } catch (err) {
    process.stderr.write(`${errorTime(new Date())} [crit] ${pid}#${pid}: ${err?.message ?? err}\n`)
    a = { status: 500, headers: { Server: `nginx/${version}`, 'Content-Type': 'text/html' }, body: errorPage(500, 'Internal Server Error') }
  }
  const body = a.body === undefined ? undefined : Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body)
  const sent = body?.length ?? 0
  if (a.status !== 304) a.headers['Content-Length'] = sent
  res.writeHead(a.status, a.headers)
  res.end(req.method === 'HEAD' || a.status === 304 ? undefined : body)
  const q = (v) => (v === undefined || v === '' ? '-' : String(v))
  process.stdout.write(
    `${req.socket.remoteAddress} - - [${localTime(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${a.status} ${req.method === 'HEAD' || a.status === 304 ? 0 : sent} "${q(req.headers.referer)}" "${q(req.headers['user-agent'])}" "${q(req.headers['x-forwarded-for'])}"\n`,
  )
})
server.on('connection', (socket) => {
  socket.connectionId = ++connections
})
server.keepAliveTimeout = 65_000

server.on('error', (err) => {
  const reason = { EACCES: '13: Permission denied', EADDRINUSE: '98: Address already in use', EADDRNOTAVAIL: '99: Cannot assign requested address' }[err.code] ?? err.message
  const msg = `bind() to ${address}:80 failed (${reason})`
  notice('emerg', msg)
  process.stderr.write(`nginx: [emerg] ${msg}\n`)
  process.exit(1)
})

server.listen(80, address, () => {
  notice('notice', 'using the "epoll" event method')
  notice('notice', `nginx/${version}`)
  notice('notice', `OS: ${process.platform === 'linux' ? 'Linux' : process.platform}`)
  notice('notice', 'start worker processes')
  notice('notice', `start worker process ${pid}`)
})

for (const [signal, number] of [['SIGTERM', 15], ['SIGQUIT', 3], ['SIGINT', 2]]) {
  process.on(signal, () => {
    notice('notice', `signal ${number} (${signal}) received, ${signal === 'SIGQUIT' ? 'shutting down' : 'exiting'}`)
    server.close(() => {
      notice('notice', 'exit')
      process.exit(0)
    })
    server.closeIdleConnections()
    // In-flight requests get a moment; then nginx's worker_shutdown_timeout-like cut.
    setTimeout(() => process.exit(0), 5_000).unref()
  })
}
