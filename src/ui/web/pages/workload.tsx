import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { abort, ActionError, pause, promote, restart, resume, retry, scale, setImage, undo, type Action, type WorkloadRef } from '../../state/actions.js'
import type { KubeObject } from '../../state/list.js'
import { canaryView, progressSummary, type RolloutLike } from '../../state/canary.js'
import { replicaSetRows, selectorString, serviceSelects, timeline, type ReplicaSetRow } from '../../state/workload.js'
import { send } from '../api.js'
import { useLiveList, useSettled } from '../hooks.js'
import { Timeline } from '../timeline.js'
import { Traffic } from '../traffic.js'

interface Workload extends KubeObject {
  spec?: {
    replicas?: number
    paused?: boolean
    selector?: { matchLabels?: Record<string, string> }
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name: string; image?: string }[] } }
    strategy?: { type?: string; canary?: { stableService?: string; canaryService?: string; steps?: unknown[] }; blueGreen?: { activeService?: string; previewService?: string } }
  }
  status?: {
    replicas?: number
    readyReplicas?: number
    updatedReplicas?: number
    observedGeneration?: number
    phase?: string
    message?: string
    // Rollouts (argoproj.io/v1alpha1)
    stableRS?: string
    currentPodHash?: string
    pauseConditions?: unknown[]
    currentStepIndex?: number
    controllerPause?: boolean
    blueGreen?: { activeSelector?: string; previewSelector?: string }
    canary?: { weights?: { canary?: { weight?: number }; stable?: { weight?: number } } }
    availableReplicas?: number
    abort?: boolean
    conditions?: { type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string }[]
  }
}

interface Service extends KubeObject {
  spec?: { selector?: Record<string, string> }
}

export function WorkloadPage({ ns, resource, name }: { ns: string; resource: 'deployments' | 'rollouts'; name: string }) {
  const base = resource === 'deployments' ? `/apis/apps/v1/namespaces/${ns}/deployments` : `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`
  const self = useLiveList<Workload>(`${base}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`)
  const obj = self.items.get(`${ns}/${name}`)
  const sel = obj ? selectorString(obj.spec?.selector) : ''
  const rsList = useLiveList<KubeObject>(sel ? `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${encodeURIComponent(sel)}` : null)
  const pods = useLiveList<KubeObject>(sel ? `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(sel)}` : null)
  const events = useLiveList<KubeObject>(`/api/v1/namespaces/${ns}/events`)
  const services = useLiveList<Service>(`/api/v1/namespaces/${ns}/services`)
  const rows = useMemo(() => (obj ? replicaSetRows(obj, rsList.items.values(), pods.items.values()) : []), [obj, rsList.items, pods.items])
  const history = useMemo(() => (obj ? replicaSetRows(obj, rsList.items.values(), [], true) : []), [obj, rsList.items])
  const kind = resource === 'deployments' ? 'Deployment' : 'Rollout'
  const entries = useMemo(() => {
    if (!obj) return []
    const about = [{ kind, name, uid: obj.metadata?.uid }, ...history.map((r) => ({ kind: 'ReplicaSet', name: r.name, uid: r.uid }))]
    for (const p of pods.items.values()) about.push({ kind: 'Pod', name: p.metadata!.name!, uid: p.metadata?.uid })
    return timeline(events.items.values() as Iterable<never>, about, 100)
  }, [obj, history, pods.items, events.items])
  const svcNames = useMemo(() => {
    if (!obj) return []
    const st = obj.spec?.strategy
    const named = [st?.canary?.stableService, st?.canary?.canaryService, st?.blueGreen?.activeService, st?.blueGreen?.previewService].filter((s): s is string => Boolean(s))
    if (named.length) return [...new Set(named)]
    const labels = obj.spec?.template?.metadata?.labels
    return [...services.items.values()].filter((s) => serviceSelects(s.spec?.selector, labels)).map((s) => s.metadata!.name!)
  }, [obj, services.items])

  // Read out as the rollout moves, at most every 2 s (1,000 pods change often; a screen reader
  // should hear where things stand, not every dot).
  const progress = useSettled(obj ? progressSummary(kind, name, obj as RolloutLike, rows) : '', 2000)

  if (self.error && !obj) return <p role="alert">{self.error}</p>
  if (!self.loaded) return <p>Loading…</p>
  if (!obj) return <p role="alert">{`${resource === 'deployments' ? 'deployments.apps' : 'rollouts.argoproj.io'} "${name}" not found`}</p>
  const ref: WorkloadRef = { resource, namespace: ns, name }
  const st = obj.status ?? {}
  return (
    <>
      <h1 tabIndex={-1}>
        {kind} {name} {obj.spec?.paused && <span class="badge">paused</span>}
      </h1>
      <p class="summary">
        <span>
          <strong>{st.readyReplicas ?? 0}</strong>/{obj.spec?.replicas ?? 1} ready
        </span>
        <span>{st.updatedReplicas ?? 0} up-to-date</span>
        <span>{st.availableReplicas ?? 0} available</span>
        {st.phase && <span>phase {st.phase}</span>}
        <span>strategy {obj.spec?.strategy?.type ?? (obj.spec?.strategy?.canary ? 'Canary' : obj.spec?.strategy?.blueGreen ? 'BlueGreen' : 'RollingUpdate')}</span>
      </p>
      <p class="sr" aria-live="polite" aria-atomic="true" data-progress>
        {progress}
      </p>
      {resource === 'rollouts' && <Canary obj={obj} rows={rows} />}
      <ReplicaSets ns={ns} rows={rows} />
      <Actions ref_={ref} obj={obj} replicaSets={[...rsList.items.values()]} history={history} />
      <Traffic ns={ns} services={svcNames} />
      <Conditions conditions={st.conditions ?? []} />
      <History rows={history} />
      <Timeline entries={entries} />
    </>
  )
}

function Canary({ obj, rows }: { obj: Workload; rows: ReplicaSetRow[] }) {
  const view = canaryView(obj as RolloutLike, rows)
  if (!view) return null
  const canaryShare = Math.round((view.actualWeight * 100) / view.maxWeight)
  return (
    <section aria-labelledby="canary-h" class="canary">
      <h2 id="canary-h">Canary</h2>
      <p class="summary">
        <span data-set-weight={view.setWeight}>
          set weight <strong>{view.setWeight}%</strong>
        </span>
        <span data-actual-weight={view.actualWeight}>
          actual weight <strong>{view.actualWeight}%</strong>
        </span>
        <span>{view.index < view.steps.length ? `step ${view.index + 1} of ${view.steps.length}` : `all ${view.steps.length} steps done`}</span>
      </p>
      <div class="split" role="img" aria-label={`traffic split: stable ${100 - canaryShare}%, canary ${canaryShare}%`}>
        <span class="stable" style={{ flexGrow: 100 - canaryShare }}>
          {100 - canaryShare > 0 && `stable ${100 - canaryShare}%`}
        </span>
        <span class="canary" style={{ flexGrow: canaryShare }}>
          {canaryShare > 0 && `canary ${canaryShare}%`}
        </span>
      </div>
      <ol class="steps" aria-label="steps">
        {view.steps.map((s) => (
          <li key={s.index} class={s.state} aria-current={s.state === 'current' ? 'step' : undefined}>
            {s.text}
            {s.state === 'done' && <span class="sr"> (done)</span>}
          </li>
        ))}
      </ol>
    </section>
  )
}

export function ReplicaSets({ ns, rows }: { ns: string; rows: ReplicaSetRow[] }) {
  return (
    <section aria-labelledby="rs-h">
      <h2 id="rs-h">ReplicaSets</h2>
      {rows.length === 0 && <p class="muted">No ReplicaSets yet.</p>}
      {rows.map((r) => {
        const counts = new Map<string, number>()
        for (const p of r.pods) counts.set(p.state, (counts.get(p.state) ?? 0) + 1)
        const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no pods'
        return (
          <div class="rs" key={r.uid} data-rs={r.name} data-revision={r.revision}>
            <h3>
              <span class="rev">revision {r.revision}</span> {r.name}
              {r.role && <span class={`badge role-${r.role}`}>{r.role}</span>}
              {r.current && !r.role && <span class="badge">current</span>}
              <span class="muted">
                {' '}
                {r.ready}/{r.desired} ready · {r.images.join(', ')}
              </span>
            </h3>
            <ul class="dots" aria-label={`pods of ${r.name}: ${summary}`}>
              {r.pods.map((p) => (
                <li key={p.name}>
                  <a class={`dot ${p.state}`} data-state={p.state} href={`#/ns/${ns}/pods/${p.name}`} title={`${p.name}: ${p.status}${p.ready ? ' (ready)' : ''}`}>
                    <span class="sr">
                      {p.name}: {p.status}
                      {p.ready ? ', ready' : ''}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )
      })}
      <p class="legend" aria-hidden="true">
        <span class="dot ready" /> ready <span class="dot running" /> running, not ready <span class="dot pending" /> pending <span class="dot failed" /> failing <span class="dot terminating" /> terminating
      </p>
    </section>
  )
}

function Conditions({ conditions }: { conditions: NonNullable<NonNullable<Workload['status']>['conditions']> }) {
  return (
    <section aria-labelledby="cond-h">
      <h2 id="cond-h">Conditions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type} data-condition={c.type}>
              <td>{c.type}</td>
              <td>{c.status}</td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function History({ rows }: { rows: ReplicaSetRow[] }) {
  return (
    <section aria-labelledby="hist-h">
      <h2 id="hist-h">Revision history</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">ReplicaSet</th>
            <th scope="col">Images</th>
            <th scope="col">Change-cause</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.uid}>
              <td>{r.revision}</td>
              <td>{r.name}</td>
              <td>{r.images.join(', ')}</td>
              <td>{r.changeCause ?? '<none>'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

type Build = () => Action

/** An action waiting for a yes: what it is called, the control that asked (focus goes back there), how to build it. */
interface Pending {
  label: string
  from: string
  build: Build
}

/**
 * The confirmation Argo's dashboard asks before its Rollout actions (and here before restart and
 * undo too, which replace pods): a modal <dialog>, so focus stays inside it and Escape cancels. It
 * opens on Cancel, the choice that changes nothing; closing it puts focus back on the control
 * that opened it.
 */
function Confirm({ pending, command, onClose }: { pending: Pending; command: string; onClose: (yes: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const d = ref.current!
    if (!d.open) d.showModal()
    cancel.current?.focus()
    return () => {
      if (d.open) d.close()
      // After the dialog has left the page (a live update may re-render the actions meanwhile):
      // the control that opened it, looked up again by id.
      const from = pending.from
      setTimeout(() => document.getElementById(from)?.focus(), 0)
    }
  }, [pending])
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-h"
      aria-describedby="confirm-cmd"
      onCancel={(e) => {
        e.preventDefault()
        onClose(false)
      }}
    >
      <h2 id="confirm-h">{pending.label}?</h2>
      <p>
        This sends what <code id="confirm-cmd">{command}</code> would.
      </p>
      <div class="buttons">
        <button type="button" ref={cancel} onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={() => onClose(true)}>
          Yes, {pending.label.toLowerCase()}
        </button>
      </div>
    </dialog>
  )
}

function Actions({ ref_, obj, replicaSets, history }: { ref_: WorkloadRef; obj: Workload; replicaSets: KubeObject[]; history: ReplicaSetRow[] }) {
  const containers = obj.spec?.template?.spec?.containers ?? []
  const [container, setContainer] = useState(containers[0]?.name ?? '')
  const current = containers.find((c) => c.name === container) ?? containers[0]
  const [image, setImageText] = useState<string | null>(null)
  const [replicas, setReplicas] = useState<string | null>(null)
  const previous = history.filter((r) => !r.current)
  const [revision, setRevision] = useState<string>('0')
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null)
  const [busy, setBusy] = useState(false)
  const [pending, setPending] = useState<Pending | null>(null)
  const imageValue = image ?? current?.image ?? ''
  const replicasValue = replicas ?? String(obj.spec?.replicas ?? 1)

  const run = async (build: Build) => {
    // Buttons are aria-disabled while a request is out, not disabled: a disabled button would drop
    // the keyboard focus on the floor.
    if (busy) return
    let action: Action
    try {
      action = build()
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true })
      return
    }
    setBusy(true)
    try {
      for (const r of action.requests) await send(r)
      setMessage({ text: `Done: ${action.kubectl}`, error: false })
    } catch (e) {
      setMessage({ text: `Error from server: ${(e as Error).message}`, error: true })
    } finally {
      setBusy(false)
    }
  }
  const preview = (build: Build) => {
    try {
      return build().kubectl
    } catch (e) {
      return e instanceof ActionError ? `(${e.message})` : ''
    }
  }
  /** Ask first; a refusal kubectl would print on its own side needs no question. */
  const ask = (label: string, from: string, build: Build) => {
    if (busy) return
    try {
      build()
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true })
      return
    }
    setPending({ label, from, build })
  }
  const rollout = ref_.resource === 'rollouts'
  const one = (label: string, build: Build, id: string, confirm = false) => (
    <div class="action">
      <button type="button" id={id} aria-disabled={busy} onClick={() => (confirm ? ask(label, id, build) : run(build))} aria-describedby={`${id}-cmd`}>
        {label}
      </button>
      <code id={`${id}-cmd`}>{preview(build)}</code>
    </div>
  )
  const buildImage = () => setImage(ref_, obj, current?.name ?? '', imageValue)
  const buildScale = () => scale(ref_, Number(replicasValue))
  const buildUndo = () => undo(ref_, obj, replicaSets, Number(revision))
  return (
    <section aria-labelledby="act-h" class="actions" aria-busy={busy}>
      <h2 id="act-h">Actions</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void run(buildImage)
        }}
      >
        {containers.length > 1 && (
          <label>
            Container{' '}
            <select value={current?.name} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>
              {containers.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Image <input name="image" value={imageValue} size={40} onInput={(e) => setImageText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" aria-disabled={busy} aria-describedby="img-cmd">
          Set image
        </button>
        <code id="img-cmd">{preview(buildImage)}</code>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void run(buildScale)
        }}
      >
        <label>
          Replicas <input name="replicas" type="number" min={0} value={replicasValue} onInput={(e) => setReplicas((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" aria-disabled={busy} aria-describedby="scale-cmd">
          Scale
        </button>
        <code id="scale-cmd">{preview(buildScale)}</code>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          ask('Undo', 'undo', buildUndo)
        }}
      >
        <label>
          Undo to{' '}
          <select name="revision" value={revision} onChange={(e) => setRevision((e.target as HTMLSelectElement).value)}>
            <option value="0">the previous revision</option>
            {previous.map((r) => (
              <option key={r.uid} value={String(r.revision)}>
                revision {r.revision} ({r.images.join(', ')})
              </option>
            ))}
          </select>
        </label>
        <button type="submit" id="undo" aria-disabled={busy} aria-describedby="undo-cmd">
          Undo
        </button>
        <code id="undo-cmd">{preview(buildUndo)}</code>
      </form>
      {obj.spec?.paused ? one('Resume', () => resume(ref_, obj), 'resume') : one('Pause', () => pause(ref_, obj), 'pause')}
      {one('Restart', () => restart(ref_, new Date()), 'restart', true)}
      {rollout && (
        <>
          {one('Promote', () => promote(ref_, obj, false), 'promote', true)}
          {one('Promote full', () => promote(ref_, obj, true), 'promote-full', true)}
          {one('Abort', () => abort(ref_), 'abort', true)}
          {one('Retry', () => retry(ref_), 'retry', true)}
        </>
      )}
      <p role="status" aria-live="polite" class={message?.error ? 'error' : 'ok'}>
        {message?.text}
      </p>
      {pending && (
        <Confirm
          pending={pending}
          command={preview(pending.build)}
          onClose={(yes) => {
            const build = pending.build
            setPending(null)
            if (yes) void run(build)
          }}
        />
      )}
    </section>
  )
}
