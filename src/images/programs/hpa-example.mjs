// registry.k8s.io/hpa-example (the HorizontalPodAutoscaler walkthrough's php-apache): Apache with
// an index.php that burns CPU on every request, then answers "OK!":
//   $x = 0.0001; for ($i = 0; $i <= 1000000; $i++) { $x += sqrt($x); } echo "OK!";
// Port 80 on the pod IP (like the image; it needs the pod sandbox's net_bind_service or root),
// Apache's combined access log on stdout. SIGTERM: stop listening and exit (apache2-foreground
// traps it as a graceful stop); SIGWINCH as well, as Apache's graceful-stop signal.
import http from 'node:http'

const address = process.env.POD_IP || '127.0.0.1'

/** The PHP loop, kept as PHP runs it: a million square roots (tens of ms of one core). */
function burn() {
  let x = 0.0001
  for (let i = 0; i <= 1000000; i++) x += Math.sqrt(x)
  return x
}

const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
function clf(d) {
  const p = (n) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${month[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

const server = http.createServer((req, res) => {
  // PHP evaluates the loop before the response; its result is unused, as in index.php.
  if (burn() < 0) res.setHeader('X-Impossible', '1')
  const body = 'OK!'
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', Server: 'Apache/2.4.10 (Debian)', 'X-Powered-By': 'PHP/5.6.40', 'Content-Length': body.length })
  res.end(req.method === 'HEAD' ? undefined : body)
  const ua = req.headers['user-agent'] ?? '-'
  process.stdout.write(`${req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '-'} - - [${clf(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" 200 ${body.length} "-" "${ua}"\n`)
})
server.on('error', (err) => {
  process.stderr.write(`(13)Permission denied: AH00072: make_sock: could not bind to address ${address}:80\nno listening sockets available, shutting down\nAH00015: Unable to open logs\n`)
  if (err.code !== 'EACCES') process.stderr.write(`${err.message}\n`)
  process.exit(1)
})
server.listen(80, address, () => {
  process.stderr.write(`AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using ${address}. Set the 'ServerName' directive globally to suppress this message\n`)
  process.stderr.write(`[mpm_prefork:notice] [pid ${process.pid}] AH00163: Apache/2.4.10 (Debian) PHP/5.6.40 configured -- resuming normal operations\n`)
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGWINCH', stop)
