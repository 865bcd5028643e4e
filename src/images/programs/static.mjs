// kubelite/static: serves a directory over HTTP on the pod IP.
//   args: [DIR] [--port N]   (DIR defaults to the working directory, N to 8080)
// index.html for directories that have one, else a listing. One access-log line a request on
// stdout. SIGTERM: stop accepting, finish in-flight requests, exit 0.
import http from 'node:http'
import { createReadStream, promises as fs } from 'node:fs'
import { join, resolve, sep, extname } from 'node:path'

const args = process.argv.slice(2)
let dir = process.cwd()
let port = 8080
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port' || args[i] === '-p') port = Number(args[++i])
  else if (args[i].startsWith('--port=')) port = Number(args[i].slice(7))
  else dir = resolve(args[i])
}
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`static: invalid port ${JSON.stringify(String(port))}\n`)
  process.exit(2)
}
const address = process.env.POD_IP || '127.0.0.1'

const types = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.ico': 'image/x-icon', '.wasm': 'application/wasm',
  '.pdf': 'application/pdf', '.xml': 'application/xml', '.yaml': 'text/yaml; charset=utf-8',
}
const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' })
  let path
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n')
  }
  const file = resolve(join(dir, path))
  if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
  let st
  try {
    st = await fs.stat(file)
  } catch {
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
  }
  if (st.isDirectory()) {
    if (!path.endsWith('/')) return send(res, 301, 'text/plain; charset=utf-8', '', { Location: path + '/' })
    try {
      const index = join(file, 'index.html')
      const ist = await fs.stat(index)
      return sendFile(req, res, index, ist)
    } catch {
      const names = (await fs.readdir(file, { withFileTypes: true })).map((d) => d.name + (d.isDirectory() ? '/' : '')).sort()
      const items = names.map((n) => `<a href="${escapeHtml(encodeURIComponent(n.replace(/\/$/, '')) + (n.endsWith('/') ? '/' : ''))}">${escapeHtml(n)}</a>`).join('\n')
      return send(res, 200, 'text/html; charset=utf-8', `<!DOCTYPE html>\n<title>Index of ${escapeHtml(path)}</title>\n<h1>Index of ${escapeHtml(path)}</h1>\n<pre>\n${items}\n</pre>\n`)
    }
  }
  return sendFile(req, res, file, st)
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra })
  res.end(res.req.method === 'HEAD' ? undefined : body)
  return status
}

function sendFile(req, res, file, st) {
  res.writeHead(200, { 'Content-Type': types[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': st.size, 'Last-Modified': st.mtime.toUTCString() })
  if (req.method === 'HEAD') res.end()
  else createReadStream(file).on('error', () => res.destroy()).pipe(res)
  return 200
}

const server = http.createServer((req, res) => {
  handle(req, res).then(
    (status) => process.stdout.write(`${req.socket.remoteAddress} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status}\n`),
    (err) => {
      process.stderr.write(`static: ${err?.message ?? err}\n`)
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n')
    },
  )
})
server.on('error', (err) => {
  process.stderr.write(`static: listen ${address}:${port}: ${err.code ?? err.message}\n`)
  process.exit(1)
})
server.listen(port, address, () => process.stdout.write(`Serving ${dir} on http://${address}:${port}\n`))
process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeIdleConnections()
  setTimeout(() => process.exit(0), 5_000).unref()
})
