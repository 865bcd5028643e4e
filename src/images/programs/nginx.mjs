// nginx (docker.io/library/nginx:<tag>): the image's default server — port 80 on the pod IP,
// "Welcome to nginx!" at / and /index.html, nginx's own 404/405 pages elsewhere, the access log
// in the image's "main" format on stdout, notices on stderr. argv[2] is the nginx version the tag
// names (the Server header). SIGTERM/SIGQUIT: stop listening, finish, exit 0.
// Port 80 needs root (or net.ipv4.ip_unprivileged_port_start); without it this logs nginx's own
// "bind() ... failed (13: Permission denied)" and exits 1, as nginx does.
import http from 'node:http'

const version = process.argv[2] || '1.27.3'
const address = process.env.POD_IP || '127.0.0.1'
const pid = process.pid
const [, minor] = version.split('.').map(Number)

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

const errorPage = (status, text) =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx/${version}</center>\r\n</body>\r\n</html>\r\n`

// The files' mtime in the image (Last-Modified, ETag): the release's build date, fixed.
const mtime = new Date(Date.UTC(2024, 10, 26, 15, 55, 0))
const etag = `"${Math.floor(mtime.getTime() / 1000).toString(16)}-${Buffer.byteLength(welcome).toString(16)}"`

const p2 = (n) => String(n).padStart(2, '0')
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const errorTime = (d) => `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
const localTime = (d) => `${p2(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`
const notice = (level, msg) => process.stderr.write(`${errorTime(new Date())} [${level}] ${pid}#${pid}: ${msg}\n`)

if (minor >= 19) {
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

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const headers = { Server: `nginx/${version}`, 'Content-Type': 'text/html' }
  let status
  let body
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    status = 405
    body = errorPage(405, 'Not Allowed')
  } else if (path === '/' || path === '/index.html') {
    status = 200
    body = welcome
    Object.assign(headers, { 'Last-Modified': mtime.toUTCString(), ETag: etag, 'Accept-Ranges': 'bytes' })
    if (req.headers['if-none-match'] === etag) status = 304
  } else {
    status = 404
    body = errorPage(404, 'Not Found')
  }
  const sent = status === 304 ? 0 : Buffer.byteLength(body)
  if (status !== 304) headers['Content-Length'] = sent
  res.writeHead(status, headers)
  res.end(req.method === 'HEAD' || status === 304 ? undefined : body)
  const q = (v) => (v === undefined || v === '' ? '-' : String(v))
  process.stdout.write(
    `${req.socket.remoteAddress} - - [${localTime(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${req.method === 'HEAD' ? 0 : sent} "${q(req.headers.referer)}" "${q(req.headers['user-agent'])}" "${q(req.headers['x-forwarded-for'])}"\n`,
  )
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
