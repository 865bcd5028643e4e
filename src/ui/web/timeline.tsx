import type { TimelineEntry } from '../state/workload.js'

export function Timeline({ entries, title = 'Events' }: { entries: TimelineEntry[]; title?: string }) {
  return (
    <section aria-labelledby="ev-h">
      <h2 id="ev-h">{title}</h2>
      {entries.length === 0 ? (
        <p class="muted">No events.</p>
      ) : (
        <ol class="timeline">
          {entries.map((e) => (
            <li key={e.key} class={e.type === 'Warning' ? 'warning' : ''} data-reason={e.reason}>
              <time dateTime={e.time}>{e.time ? new Date(e.time).toLocaleTimeString() : ''}</time> <strong>{e.reason}</strong> <span class="muted">{e.object}</span> {e.message}
              {e.count > 1 && <span class="muted"> (×{e.count})</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
