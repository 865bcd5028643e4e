// gcr.io/google-samples/hello-app:1.0 / :2.0 (the GKE quickstart's Go server). argv[2] is the
// version ("1.0.0" or "2.0.0"). Listens on $PORT (default 8080) on the pod IP; Go's log package
// writes "YYYY/MM/DD HH:MM:SS msg" lines to stderr. A Go program that is PID 1 and gets SIGTERM
// without handling it exits with status 2 (the runtime's dieFromSignal fallback); so does this.
import http from 'node:http'

const version = process.argv[2] || '1.0.0'
const address = process.env.POD_IP || '127.0.0.1'
const port = process.env.PORT || '8080'

function logPrintf(msg) {
  const d = new Date()
  const p = (n) => String(n).padStart(2, '0')
  const stamp = `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  process.stderr.write(`${stamp} ${msg}\n`)
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  logPrintf(`Serving request: ${path}`)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end(`Hello, world!\nVersion: ${version}\nHostname: ${process.env.HOSTNAME ?? ''}\n`)
})
logPrintf(`Server listening on port ${port}`)
server.on('error', (err) => {
  logPrintf(`listen tcp :${port}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`)
  process.exit(1)
})
server.listen(Number(port), address)
process.on('SIGTERM', () => process.exit(2))
