import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { defaultJob, jobCells, prepareJobForCreate, validateJob, validateJobUpdate } from './job.js'

function job(spec: Record<string, unknown>, name = 'pi'): StoredObject {
  const obj = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec } as StoredObject
  defaultJob(obj)
  prepareJobForCreate(obj)
  return obj
}

const template = (restartPolicy?: string) => ({ spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'pi', image: 'busybox' }] } })
const messages = (obj: StoredObject) => validateJob(obj).map(fieldErrorMessage)

describe('batch/v1 Job', () => {
  it('defaults as SetDefaults_Job and generates the selector and labels', () => {
    const j = job({ template: template('Never') }) as StoredObject & { spec: Record<string, any> }
    assert.equal(j.spec.completions, 1)
    assert.equal(j.spec.parallelism, 1)
    assert.equal(j.spec.backoffLimit, 6)
    assert.equal(j.spec.completionMode, 'NonIndexed')
    assert.equal(j.spec.suspend, false)
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed')
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } })
    assert.deepEqual(j.spec.template.metadata.labels, { 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u1', 'batch.kubernetes.io/controller-uid': 'u1' })
    assert.deepEqual(j.metadata.labels, j.spec.template.metadata.labels)
    assert.deepEqual(messages(j), [])
    // Only parallelism given: completions stays unset (a work queue).
    assert.equal((job({ parallelism: 3, template: template('Never') }) as any).spec.completions, undefined)
    // A podFailurePolicy makes pods be replaced only once failed.
    assert.equal((job({ podFailurePolicy: { rules: [] }, template: template('Never') }) as any).spec.podReplacementPolicy, 'Failed')
  })

  it('rejects with upstream field paths and words', () => {
    assert.deepEqual(messages(job({ template: template() })), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'])
    assert.deepEqual(messages(job({ backoffLimit: -1, template: template('Never') })), ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'])
    assert.deepEqual(messages(job({ completionMode: 'Indexed', completions: null, parallelism: 2, template: template('Never') })), ['spec.completions: Required value: when completion mode is Indexed'])
    assert.deepEqual(messages(job({ completionMode: 'Sometimes', template: template('Never') })), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'])
    assert.deepEqual(messages(job({ podFailurePolicy: { rules: [] }, template: template('OnFailure') })), ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'])
    const long = job({ completionMode: 'Indexed', completions: 100, template: template('Never') }, 'a'.repeat(62))
    assert.ok(messages(long).includes(`metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-99`))
    const manual = job({ selector: { matchLabels: { app: 'x' } }, template: template('Never') })
    assert.ok(messages(manual).includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"u1"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated'), messages(manual).join('\n'))
  })

  it('keeps the template immutable unless suspended before it started', () => {
    const old = job({ template: template('Never') })
    const next = structuredClone(old) as any
    next.spec.template.spec.containers[0].image = 'busybox:2'
    assert.deepEqual(validateJobUpdate(next, old).map((e) => `${e.field}: ${e.detail}`), ['spec.template: field is immutable'])
    const suspended = job({ suspend: true, template: template('Never') })
    const moved = structuredClone(suspended) as any
    moved.spec.template.spec.nodeSelector = { disk: 'ssd' }
    assert.deepEqual(validateJobUpdate(moved, suspended), [])
  })

  it('prints STATUS, COMPLETIONS and DURATION as printJob', () => {
    const now = new Date('2026-01-01T00:01:00Z')
    const j = job({ template: template('Never') }) as any
    j.status = { startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:05Z', succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }
    assert.deepEqual(jobCells(j, now).slice(0, 5), ['pi', 'Complete', '1/1', '5s', '60s'])
    const queue = job({ parallelism: 3, template: template('Never') }) as any
    queue.status = { startTime: '2026-01-01T00:00:30Z' }
    assert.deepEqual(jobCells(queue, now).slice(1, 4), ['Running', '0/1 of 3', '30s'])
    queue.status.conditions = [{ type: 'Suspended', status: 'True' }]
    assert.equal(jobCells(queue, now)[1], 'Suspended')
  })
})
