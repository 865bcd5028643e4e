// gcr.io/google-samples/kubernetes-bootcamp:v1 / :v2 (also jocatalin/kubernetes-bootcamp): the
// tutorial's Node server.js, same answers and same log lines (console.log joins its arguments with
// spaces, so the start line has two spaces after "Running On:" and a trailing " \n" blank line).
// argv[2] is the image's version (1 or 2). The real app listens on every interface; here it binds
// the pod IP. It installs no SIGTERM handler, so SIGTERM ends it at once (exit by signal, 143).
// Like any Node server it closes a kept-alive connection after 5 s idle; KEEP_ALIVE_TIMEOUT_MS (a
// kubelite addition, which the real image ignores) shortens that, to test proxies and clients
// against a backend that closes idle connections.
import http from 'node:http'

const version = process.argv[2] === '2' ? '2' : '1'
const address = process.env.POD_IP || '127.0.0.1'
let requests = 0
let startTime
let host

function handleRequest(request, response) {
  response.setHeader('Content-Type', 'text/plain')
  response.writeHead(200)
  response.write('Hello Kubernetes bootcamp! | Running on: ')
  response.write(String(host))
  response.end(` | v=${version}\n`)
  console.log('Running On:', host, '| Total Requests:', ++requests, '| App Uptime:', (new Date() - startTime) / 1000, 'seconds', '| Log Time:', new Date())
}

const www = http.createServer(handleRequest)
const keepAliveMs = Number(process.env.KEEP_ALIVE_TIMEOUT_MS)
if (Number.isInteger(keepAliveMs) && keepAliveMs > 0) www.keepAliveTimeout = keepAliveMs
www.listen(8080, address, function () {
  startTime = new Date()
  host = process.env.HOSTNAME
  console.log('Kubernetes Bootcamp App Started At:', startTime, '| Running On: ', host, '\n')
})
