// Preact hooks over the page's API calls: a live list, a one-off GET, the hash route.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { KubeObject, ListState } from '../state/list.js'
import { getJSON, watchList } from './api.js'

export interface Live<T extends KubeObject> {
  items: ReadonlyMap<string, T>
  loaded: boolean
  error?: string
}

const empty = new Map()

/** A list kept live by a watch; `path` null waits (a selector not known yet). */
export function useLiveList<T extends KubeObject>(path: string | null): Live<T> {
  const [live, setLive] = useState<Live<T>>({ items: empty, loaded: false })
  useEffect(() => {
    setLive({ items: empty, loaded: false })
    if (!path) return
    return watchList<T>(
      path,
      (s: ListState<T>) => setLive({ items: s.items, loaded: true }),
      (e) => setLive((l) => ({ ...l, error: e.message })),
    )
  }, [path])
  return live
}

/** One GET, again whenever `path` or `tick` changes. */
export function useGet<T>(path: string | null, tick = 0): { data?: T; error?: { message: string; code?: number }; loaded: boolean } {
  const [state, setState] = useState<{ data?: T; error?: { message: string; code?: number }; loaded: boolean }>({ loaded: false })
  useEffect(() => {
    if (!path) return
    const abort = new AbortController()
    getJSON<T>(path, abort.signal).then(
      (data) => setState({ data, loaded: true }),
      (e: Error & { code?: number }) => {
        if (!abort.signal.aborted) setState({ error: { message: e.message, code: e.code }, loaded: true })
      },
    )
    return () => abort.abort()
  }, [path, tick])
  return state
}

export function useHashRoute(): string[] {
  const read = () => decodeURIComponent(location.hash.replace(/^#\/?/, '')).split('/').filter(Boolean)
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const on = () => setRoute(read())
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}

/** A counter that goes up every `ms` while the page is visible (for the traffic report, which has no watch). */
export function useTicker(ms: number): number {
  const [n, setN] = useState(0)
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') setN((x) => x + 1)
    }, ms)
    return () => clearInterval(t)
  }, [ms])
  return n
}

/**
 * `value`, passed on at most once every `ms` (the first change at once, later ones at the end of
 * the interval with the newest value): for live regions, which read out every change.
 */
export function useSettled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value)
  const last = useRef(0)
  useEffect(() => {
    if (Object.is(value, shown)) return
    const wait = last.current + ms - Date.now()
    const t = setTimeout(
      () => {
        last.current = Date.now()
        setShown(value)
      },
      Math.max(0, wait),
    )
    return () => clearTimeout(t)
  }, [value, shown, ms])
  return shown
}
