// Bad input never throws anything but the documented ApplyError.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ApplyError } from './errors.js'
import { applyStep, deployment, updateStep } from './harness.js'

const json = fc.jsonValue({ maxDepth: 4 })
const keys = fc.constantFrom('replicas', 'selector', 'template', 'strategy', 'paused', 'x')
const specish = fc.dictionary(keys, fc.oneof(json, fc.record({ spec: fc.record({ containers: fc.array(fc.oneof(json, fc.record({ name: fc.string({ maxLength: 2 }), image: json })), { maxLength: 3 }) }) })), { maxKeys: 4 })

describe('robustness', () => {
  it('apply and update on arbitrary shapes either work or throw ApplyError', () => {
    fc.assert(
      fc.property(specish, specish, json, (a, b, managed) => {
        let live
        try {
          live = applyStep(undefined, deployment(a), 'one')
        } catch (err) {
          assert.ok(err instanceof ApplyError, String(err))
          return
        }
        try {
          applyStep(live, deployment(b), 'two', { force: true })
        } catch (err) {
          assert.ok(err instanceof ApplyError, String(err))
        }
        const corrupt = { ...live, metadata: { ...live.metadata, managedFields: managed } }
        updateStep(corrupt as typeof live, deployment(b), 'three')
        try {
          applyStep(corrupt as typeof live, deployment(b), 'two')
        } catch (err) {
          assert.ok(err instanceof ApplyError, String(err))
        }
      }),
      { numRuns: 150 },
    )
  })
})
