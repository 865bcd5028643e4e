// Lifecycle hooks (postStart, preStop): exec, httpGet, sleep. Resolves to an error text or undefined.
import type { Container, LifecycleHandler } from 'kubernetes-types/core/v1.js'
import { runProbe, type ProbeTarget } from './probe.js'

export async function runHook(h: LifecycleHandler, c: Container, target: ProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  if (timeoutMs <= 0) return 'hook timed out'
  if (h.exec) {
    const r = await target.exec(h.exec.command ?? [], timeoutMs).catch((err: Error) => ({ exitCode: -1, output: err.message, timedOut: false }))
    if (r.timedOut) return `command '${(h.exec.command ?? []).join(' ')}' timed out`
    return r.exitCode === 0 ? undefined : `command '${(h.exec.command ?? []).join(' ')}' exited with ${r.exitCode}: ${r.output}`
  }
  if (h.httpGet) {
    const r = await runProbe({ httpGet: h.httpGet, timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) }, { ...target, container: c })
    return r.ok ? undefined : r.output
  }
  if (h.sleep) {
    const ms = Math.min(timeoutMs, (h.sleep.seconds ?? 0) * 1000)
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms)
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
    return undefined
  }
  return undefined
}
