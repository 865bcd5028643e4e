// registry.k8s.io/pause: sleeps until SIGINT or SIGTERM, then exits 0 (pause.c's sigdown).
const names = { SIGINT: 'Interrupt', SIGTERM: 'Terminated' }
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`Shutting down, got signal: ${names[signal]}\n`)
    process.exit(0)
  })
}
setInterval(() => {}, 1 << 30)
