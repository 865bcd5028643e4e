import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rootKinds } from './kinds.js'
import { messageForKind, messageSpec, parseField } from './schema.js'
import { messageTable } from './table.js'

describe('schema table', () => {
  it('parses the field format', () => {
    assert.deepEqual(parseField('replicas=1:int32*'), { json: 'replicas', num: 1, type: 'int32', kind: 'scalar', label: 'single', pointer: true, omitempty: false, inline: false })
    assert.deepEqual(parseField('^volumeSource=2:core.VolumeSource'), { json: '', num: 2, type: 'core.VolumeSource', kind: 'message', label: 'single', pointer: false, omitempty: false, inline: true })
    assert.equal(parseField('data=2:bytes{}').label, 'map')
    assert.equal(parseField('containers=2:core.Container[]').label, 'repeated')
    assert.equal(parseField('creationTimestamp=8:Time?').kind, 'special')
    assert.throws(() => parseField('bad'), /malformed field/)
  })

  it('is closed: every message a field names is in the table, and numbers are unique', () => {
    for (const name of Object.keys(messageTable)) {
      const spec = messageSpec(name)!
      assert.equal(spec.byNumber.size, spec.fields.length, `${name}: duplicate field number`)
      for (const f of spec.fields) if (f.kind === 'message') assert.ok(messageSpec(f.type), `${name}.${f.json}: no message ${f.type}`)
    }
  })

  it('has a message for every root kind', () => {
    for (const [key, name] of Object.entries(rootKinds)) {
      const [apiVersion, kind] = key.split(' ')
      assert.equal(messageForKind(apiVersion, kind), name)
      assert.ok(messageSpec(name), name)
    }
    assert.equal(messageForKind('example.com/v1', 'Widget'), undefined)
    assert.equal(messageForKind('v1', 'toString'), undefined)
    assert.equal(messageSpec('constructor'), undefined)
  })

  it('covers what kubectl create can set on a Deployment', () => {
    const container = messageSpec('core.Container')!
    for (const json of ['name', 'image', 'command', 'args', 'ports', 'env', 'resources', 'imagePullPolicy']) {
      assert.ok(container.fields.some((f) => f.json === json), json)
    }
  })
})
