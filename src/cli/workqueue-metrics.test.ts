import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { setWorkQueueMetricsProvider, workQueueMetricsProvider, WorkQueue } from '../client/workqueue.js'
import { FakeClock } from '../lib/clock.js'
import { installWorkQueueMetrics } from './workqueue-metrics.js'

/** The value of one sample line of the exposition text, or undefined if there is none. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

test('a queue fed through the hook shows up on the registry under client-go names and buckets', async (t) => {
  const registry = new Registry()
  const uninstall = installWorkQueueMetrics(registry)
  t.after(uninstall)
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  q.nameForMetrics('demo-controller') // as runWorkers names a controller's queue
  let text = await registry.metrics()
  assert.equal(sample(text, 'workqueue_depth{name="demo-controller"}'), 0) // there, zeroed, before any add
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_count{name="demo-controller"}'), 0)

  q.add('a')
  q.add('b')
  q.add('a')
  clock.step(3) // a waits 3 ms
  assert.equal(await q.get(), 'a')
  clock.step(200) // processed 200 ms
  q.done('a')
  q.addRateLimited('a') // a retry, due in 5 ms

  text = await registry.metrics()
  assert.match(text, /^# TYPE workqueue_depth gauge$/m)
  assert.match(text, /^# HELP workqueue_adds_total Total number of adds handled by workqueue$/m)
  assert.match(text, /^# TYPE workqueue_queue_duration_seconds histogram$/m)
  assert.match(text, /^# TYPE workqueue_retries_total counter$/m)
  assert.equal(sample(text, 'workqueue_depth{name="demo-controller"}'), 1) // b
  assert.equal(sample(text, 'workqueue_adds_total{name="demo-controller"}'), 2)
  assert.equal(sample(text, 'workqueue_retries_total{name="demo-controller"}'), 1)
  const les = [...text.matchAll(/^workqueue_queue_duration_seconds_bucket\{le="([^"]+)",name="demo-controller"\}/gm)].map((m) => m[1])
  assert.deepEqual(les, ['1e-8', '1e-7', '0.000001', '0.00001', '0.0001', '0.001', '0.01', '0.1', '1', '10', '+Inf'])
  const wait = (le: string) => sample(text, `workqueue_queue_duration_seconds_bucket{le="${le}",name="demo-controller"}`)
  assert.deepEqual([wait('0.001'), wait('0.01'), wait('+Inf')], [0, 1, 1]) // 3 ms
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_sum{name="demo-controller"}'), 0.003)
  const work = (le: string) => sample(text, `workqueue_work_duration_seconds_bucket{le="${le}",name="demo-controller"}`)
  assert.deepEqual([work('0.1'), work('1')], [0, 1]) // 200 ms
  assert.equal(sample(text, 'workqueue_work_duration_seconds_count{name="demo-controller"}'), 1)

  clock.step(5) // the retry falls due: an add
  assert.equal(sample(await registry.metrics(), 'workqueue_adds_total{name="demo-controller"}'), 3)
  assert.equal(sample(await registry.metrics(), 'workqueue_depth{name="demo-controller"}'), 2)
})

test('a provider set before keeps being fed; a later cluster replaces the earlier one, not chains it', async () => {
  const seen: number[] = []
  const preloaded = { queueDuration: () => (s: number) => void seen.push(s) }
  setWorkQueueMetricsProvider(preloaded)
  try {
    const first = new Registry()
    const second = new Registry()
    const uninstallFirst = installWorkQueueMetrics(first)
    const uninstallSecond = installWorkQueueMetrics(second) // e.g. a restart in the same process
    const clock = new FakeClock()
    const q = new WorkQueue({ clock, name: 'q' })
    q.add('k')
    clock.step(7)
    assert.equal(await q.get(), 'k')
    q.done('k')
    assert.deepEqual(seen, [0.007])
    assert.equal(sample(await second.metrics(), 'workqueue_queue_duration_seconds_count{name="q"}'), 1)
    assert.doesNotMatch(await first.metrics(), /name="q"/)
    uninstallFirst() // not the current one: nothing changes
    assert.notEqual(workQueueMetricsProvider(), preloaded)
    uninstallSecond()
    assert.equal(workQueueMetricsProvider(), preloaded)
  } finally {
    setWorkQueueMetricsProvider(undefined)
  }
})
