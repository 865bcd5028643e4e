// The page's only way to the cluster: the dashboard server forwards these paths to the API, with
// the session cookie as the credential. Lists are kept live with watches (never by polling).
import { applyWatchEvents, listState, splitLines, type KubeObject, type ListState, type WatchEvent } from '../state/list.js'
import type { ApiRequest } from '../state/actions.js'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message)
  }
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text()
  try {
    const s = JSON.parse(text) as { message?: string }
    return new ApiError(s.message ?? text, res.status)
  } catch {
    return new ApiError(text || res.statusText, res.status)
  }
}

export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, signal, credentials: 'same-origin' })
  if (!res.ok) throw await failure(res)
  return (await res.json()) as T
}

/** Sends one action request, and its fallback when the first answers 404 (the Argo plugin's habit). */
export async function send(req: ApiRequest): Promise<unknown> {
  const res = await fetch(req.path, { method: req.method, headers: { 'content-type': req.contentType, accept: 'application/json' }, body: JSON.stringify(req.body), credentials: 'same-origin' })
  if (res.status === 404 && req.onNotFound) return send(req.onNotFound)
  if (!res.ok) throw await failure(res)
  return res.json()
}

/** Streams a text body (a followed log) chunk by chunk until aborted. */
export async function stream(path: string, onText: (s: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { signal, credentials: 'same-origin' })
  if (!res.ok || !res.body) throw await failure(res)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    onText(value)
  }
}

/**
 * A list kept live: list, then watch from the list's resourceVersion; events are applied in one
 * batch per animation frame (a rollout of 1,000 pods sends thousands). A closed watch resumes from
 * the last resourceVersion; an ERROR (410 Expired) lists again.
 */
export function watchList<T extends KubeObject>(path: string, onState: (s: ListState<T>) => void, onError: (e: Error) => void): () => void {
  const abort = new AbortController()
  let state: ListState<T> | undefined
  let pending: WatchEvent<T>[] = []
  let scheduled = false
  const sep = path.includes('?') ? '&' : '?'
  const flush = () => {
    scheduled = false
    if (!state || pending.length === 0) return
    state = applyWatchEvents(state, pending)
    pending = []
    onState(state)
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(flush)
    else setTimeout(flush, 100)
  }
  const run = async () => {
    let backoff = 250
    while (!abort.signal.aborted) {
      try {
        if (!state || state.relist) {
          state = listState(await getJSON<{ metadata?: { resourceVersion?: string }; items?: T[] }>(path, abort.signal))
          pending = []
          onState(state)
        }
        const started = Date.now()
        const res = await fetch(`${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(state.resourceVersion)}`, { signal: abort.signal, credentials: 'same-origin' })
        if (!res.ok || !res.body) throw await failure(res)
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buf = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          const { lines, rest } = splitLines(buf + value)
          buf = rest
          for (const line of lines) {
            const ev = JSON.parse(line) as WatchEvent<T>
            if (ev.type === 'ERROR') {
              flush()
              state = { ...state!, relist: true }
              break
            }
            pending.push(ev)
          }
          if (state!.relist) {
            await reader.cancel() // this watch is over: close its connection now
            break
          }
          schedule()
        }
        flush()
        // A watch the server ends at once (or a proxy that cuts it) must not become a busy loop.
        if (Date.now() - started < 1000) {
          await new Promise((r) => setTimeout(r, backoff))
          backoff = Math.min(backoff * 2, 5000)
        } else backoff = 250
      } catch (err) {
        if (abort.signal.aborted) return
        onError(err as Error)
        if ((err as ApiError).code === 401) return
        if ((err as ApiError).code === 410 && state) state = { ...state, relist: true }
        await new Promise((r) => setTimeout(r, backoff))
        backoff = Math.min(backoff * 2, 5000)
      }
    }
  }
  void run()
  return () => abort.abort()
}
