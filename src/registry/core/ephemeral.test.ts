// pods/ephemeralcontainers as kubectl debug uses it: a strategic merge patch that adds one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/memory/memory.js'

async function setup() {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const pods = api.resource('', 'pods')!
  await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] } }, {})
  return pods
}

const smp = 'application/strategic-merge-patch+json'
const debugger1 = { image: 'busybox', name: 'debugger-x1', resources: {}, stdin: true, targetContainerName: 'app', terminationMessagePolicy: 'File', tty: true }

test('kubectl debug’s patch adds an ephemeral container and changes nothing else', async () => {
  const pods = await setup()
  const before = await pods.get('default', 'web')
  const { object } = await pods.patch('default', 'web', smp, JSON.stringify({ spec: { ephemeralContainers: [debugger1] } }), { subresource: 'ephemeralcontainers' })
  const spec = object.spec as any
  assert.equal(spec.ephemeralContainers.length, 1)
  assert.equal(spec.ephemeralContainers[0].name, 'debugger-x1')
  assert.equal(spec.ephemeralContainers[0].imagePullPolicy, 'Always') // defaulted (no tag → Always)
  assert.deepEqual({ ...spec, ephemeralContainers: undefined }, { ...(before.spec as object), ephemeralContainers: undefined })
  // The main resource cannot touch the spec through this path, nor can metadata sneak in.
  const second = { ...debugger1, name: 'debugger-x2' }
  const { object: two } = await pods.patch('default', 'web', smp, JSON.stringify({ spec: { containers: [{ name: 'app', image: 'evil' }], '$setElementOrder/ephemeralContainers': [{ name: 'debugger-x1' }, { name: 'debugger-x2' }], ephemeralContainers: [second] } }), { subresource: 'ephemeralcontainers' })
  assert.deepEqual((two.spec as any).ephemeralContainers.map((c: any) => c.name), ['debugger-x1', 'debugger-x2'])
  assert.equal((two.spec as any).containers[0].image, 'nginx')
})

test('an ephemeral container may not be changed, removed, reuse a name, target a missing container or set ports and probes', async () => {
  const pods = await setup()
  await pods.patch('default', 'web', smp, JSON.stringify({ spec: { ephemeralContainers: [debugger1] } }), { subresource: 'ephemeralcontainers' })
  const current = await pods.get('default', 'web')
  const changed = structuredClone(current) as any
  changed.spec.ephemeralContainers[0].image = 'alpine'
  await assert.rejects(pods.update('default', 'web', changed, { subresource: 'ephemeralcontainers' }), (err: any) => {
    assert.equal(err.status.code, 422)
    assert.match(err.status.message, /^Pod "web" is invalid: spec\.ephemeralContainers\[debugger-x1\]: Forbidden: existing ephemeral containers "debugger-x1" may not be changed/)
    return true
  })
  const removed = structuredClone(current) as any
  removed.spec.ephemeralContainers = []
  await assert.rejects(pods.update('default', 'web', removed, { subresource: 'ephemeralcontainers' }), /existing ephemeral containers "debugger-x1" may not be removed/)
  // Without $setElementOrder a strategic merge patch puts new list items first, as upstream's does.
  const bad = { spec: { ephemeralContainers: [{ name: 'app', image: 'busybox', targetContainerName: 'nope', ports: [{ containerPort: 1 }], readinessProbe: { exec: { command: ['true'] } } }] } }
  await assert.rejects(pods.patch('default', 'web', smp, JSON.stringify(bad), { subresource: 'ephemeralcontainers' }), (err: any) => {
    const m = err.status.message
    for (const want of [
      'spec.ephemeralContainers[0].name: Duplicate value: "app"',
      'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
    ])
      assert.ok(m.includes(want), `${want}\n in ${m}`)
    return true
  })
})
