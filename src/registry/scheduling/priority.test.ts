// After upstream plugin/pkg/admission/priority/admission_test.go and
// pkg/apis/scheduling/validation/validation_test.go.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { StatusError } from '../../apis/status.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { priorityClasses as podsDefs } from './index.js'
import { admissionObjectName, defaultPriorityClass, priorityAdmission } from './admission.js'
import { validatePriorityClass, type PriorityClassObj } from './priorityclass.js'
import type { AdmissionAttributes } from '../rest.js'
import { podsResource } from '../core/pods.js'

const pc = (name: string, value: number, extra: Partial<PriorityClassObj> = {}): PriorityClassObj => ({ metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...extra })

function plugin(classes: PriorityClassObj[]) {
  return priorityAdmission({
    listPriorityClasses: async () => classes,
    getPriorityClass: async (name) => {
      const found = classes.find((c) => c.metadata.name === name)
      if (!found) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'nf' })
      return found
    },
  })
}

const createPod = (spec: Record<string, unknown>, meta: Record<string, unknown> = { name: 'p' }): AdmissionAttributes => ({
  operation: 'CREATE',
  def: podsResource as never,
  namespace: 'default',
  name: String(meta.name),
  object: { metadata: meta, spec } as never,
  dryRun: false,
})

async function forbidden(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof StatusError)
    assert.equal(err.status.code, 403)
    return err.status.message ?? ''
  }
  assert.fail('admitted')
}

describe('Priority admission', () => {
  it('no class and no default: priority 0, PreemptLowerPriority', async () => {
    const a = createPod({})
    await plugin([]).admit(a)
    assert.deepEqual(a.object!.spec, { priority: 0, preemptionPolicy: 'PreemptLowerPriority' })
  })

  it('the global default with the lowest value names pods without a class', async () => {
    const a = createPod({})
    await plugin([pc('high', 100, { globalDefault: true }), pc('low', 10, { globalDefault: true, preemptionPolicy: 'Never' })]).admit(a)
    assert.deepEqual(a.object!.spec, { priorityClassName: 'low', priority: 10, preemptionPolicy: 'Never' })
  })

  it('resolves a named class; an unknown one or a mismatching priority is forbidden with upstream words', async () => {
    const a = createPod({ priorityClassName: 'high' })
    await plugin([pc('high', 1000)]).admit(a)
    assert.equal((a.object!.spec as { priority: number }).priority, 1000)
    assert.equal(await forbidden(plugin([]).admit(createPod({ priorityClassName: 'nope' }))), 'pods "p" is forbidden: no PriorityClass with name nope was found')
    assert.equal(
      await forbidden(plugin([pc('high', 1000)]).admit(createPod({ priorityClassName: 'high', priority: 5 }))),
      'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    )
    assert.equal(
      await forbidden(plugin([pc('high', 1000, { preemptionPolicy: 'Never' })]).admit(createPod({ priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }))),
      'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    )
  })

  it('names a generated pod by its generateName, as upstream admission sees it', async () => {
    const a = createPod({ priorityClassName: 'nope' }, { name: 'web-abc-x7k2q', generateName: 'web-abc-' })
    assert.equal(admissionObjectName(a), 'web-abc-')
    assert.equal(await forbidden(plugin([]).admit(a)), 'pods "web-abc-" is forbidden: no PriorityClass with name nope was found')
  })

  it('only one global default', async () => {
    const attrs: AdmissionAttributes = { operation: 'CREATE', def: podsDefs as never, namespace: undefined, name: 'b', object: pc('b', 1, { globalDefault: true }) as never, dryRun: false }
    assert.equal(
      await forbidden(plugin([pc('a', 1, { globalDefault: true })]).admit(attrs)),
      'priorityclasses.scheduling.k8s.io "b" is forbidden: PriorityClass a is marked as default. Only one default can exist',
    )
    assert.equal(defaultPriorityClass([pc('a', 1)]), undefined)
  })
})

describe('PriorityClass validation', () => {
  it('reserves system- names and values above 1e9', () => {
    assert.deepEqual(validatePriorityClass(pc('system-node-critical', 2000001000)), [])
    assert.deepEqual(validatePriorityClass(pc('system-cluster-critical', 5)).map(fieldErrorMessage), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
    ])
    assert.deepEqual(validatePriorityClass(pc('big', 1000000001)).map(fieldErrorMessage), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'])
    assert.deepEqual(validatePriorityClass(pc('x', 1, { preemptionPolicy: 'Sometimes' })).map(fieldErrorMessage), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'])
  })

  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    assert.deepEqual(podsDefs.table.columns.map((c) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'])
    const row = podsDefs.table.cells({ ...pc('high', 1000), metadata: { name: 'high', creationTimestamp: '2026-01-01T00:00:00Z' } }, new Date('2026-01-01T00:00:30Z'))
    assert.deepEqual(row, ['high', 1000, false, '30s', 'PreemptLowerPriority'])
  })
})
