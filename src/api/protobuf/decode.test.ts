import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeMessageBytes } from './decode.js'
import { ProtobufError } from './errors.js'
import { f, msg, varint } from './testdata/encode.js'

function throwsProto(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtobufError && (typeof message === 'string' ? err.message === message : message.test(err.message)))
}

/** A Time{seconds} payload. */
function time(seconds: number): number[] {
  return f.varint(1, seconds)
}

describe('decodeMessageBytes: JSON presence rules', () => {
  it('keeps a pointer field that was sent, even zero, and drops zero omitempty values', () => {
    const spec = msg(f.varint(1, 0), f.bytes(3, []), f.bytes(4, []), f.varint(5, 0), f.varint(7, false))
    assert.deepEqual(decodeMessageBytes(spec, 'apps.DeploymentSpec'), {
      replicas: 0,
      template: { metadata: {}, spec: {} },
      strategy: {},
    })
  })

  it('leaves out an absent pointer, and writes an absent Go value as Go would', () => {
    // template and strategy are Go values: absent means zero, which Go still writes.
    assert.deepEqual(decodeMessageBytes(new Uint8Array(0), 'apps.DeploymentSpec'), {
      template: { metadata: {}, spec: {} },
      strategy: {},
    })
    // containerPort has no omitempty: always written.
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(1, '')), 'core.ContainerPort'), { containerPort: 0 })
    assert.deepEqual(decodeMessageBytes(new Uint8Array(0), 'core.Container'), { name: '', resources: {} })
  })

  it('keeps explicit false for pointer booleans and drops it for value booleans', () => {
    assert.deepEqual(decodeMessageBytes(msg(f.varint(5, false)), 'core.Secret'), { metadata: {}, immutable: false })
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(1, 'c'), f.varint(16, false), f.varint(18, true)), 'core.Container'), {
      name: 'c',
      resources: {},
      tty: true,
    })
  })
})

describe('decodeMessageBytes: structure', () => {
  it('decodes nested messages, repeated fields and maps', () => {
    const container = [...f.bytes(1, 'web'), ...f.bytes(2, 'nginx'), ...f.bytes(3, 'sleep'), ...f.bytes(3, '10'), ...f.bytes(6, f.varint(3, 80)), ...f.bytes(6, f.varint(3, 443))]
    const podSpec = [...f.bytes(2, container), ...f.entry(7, 'disk', f.bytes(2, 'ssd'))]
    const meta = [...f.bytes(1, 'p'), ...f.entry(11, 'b', f.bytes(2, '2')), ...f.entry(11, 'a', f.bytes(2, '1'))]
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(1, meta), f.bytes(2, podSpec)), 'core.Pod'), {
      metadata: { name: 'p', labels: { a: '1', b: '2' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx', command: ['sleep', '10'], ports: [{ containerPort: 80 }, { containerPort: 443 }], resources: {} }],
        nodeSelector: { disk: 'ssd' },
      },
      status: {},
    })
  })

  it('skips unknown fields of every wire type', () => {
    const meta = msg(f.varint(99, 2n ** 60n), f.bytes(1, 'x'), f.fixed32(98, 1), f.fixed64(97, 2n), f.bytes(96, 'junk'), [0xab, 0x06, 0xac, 0x06])
    assert.deepEqual(decodeMessageBytes(meta, 'meta.ObjectMeta'), { name: 'x' })
  })

  it('merges a message field sent twice, keeps the last scalar, and the last map entry per key', () => {
    const b = msg(f.bytes(1, f.bytes(1, 'first')), f.bytes(1, f.bytes(3, 'ns')), f.bytes(1, f.bytes(1, 'second')), f.entry(2, 'k', f.bytes(2, 'v1')), f.entry(2, 'k', f.bytes(2, 'v2')))
    assert.deepEqual(decodeMessageBytes(b, 'core.ConfigMap'), { metadata: { name: 'second', namespace: 'ns' }, data: { k: 'v2' } })
  })

  it('accepts packed repeated numbers', () => {
    const packed = f.bytes(4, [...varint(1000), ...varint(2000), ...varint(-1)])
    assert.deepEqual(decodeMessageBytes(msg(packed, f.varint(4, 3000)), 'core.PodSecurityContext'), { supplementalGroups: [1000, 2000, -1, 3000] })
  })

  it('reads int64 beyond 2^32 and negative int32', () => {
    const meta = msg(f.varint(7, 2n ** 40n), f.varint(10, -30))
    assert.deepEqual(decodeMessageBytes(meta, 'meta.ObjectMeta'), { generation: 2 ** 40, deletionGracePeriodSeconds: -30 })
    assert.deepEqual(decodeMessageBytes(msg(f.varint(2, -5)), 'core.PodSecurityContext'), { runAsUser: -5 })
  })

  it('fills missing map keys and values with zero values', () => {
    const b = msg(f.bytes(2, f.bytes(2, 'v')), f.bytes(2, f.bytes(1, 'k')))
    assert.deepEqual(decodeMessageBytes(b, 'core.ConfigMap'), { metadata: {}, data: { '': 'v', k: '' } })
  })

  it('promotes inline structs into the parent object', () => {
    const volume = [...f.bytes(1, 'cache'), ...f.bytes(2, f.bytes(2, f.bytes(1, 'Memory')))]
    const probe = [...f.bytes(1, f.bytes(2, [...f.bytes(1, '/healthz'), ...f.bytes(2, f.varint(2, 8080))])), ...f.varint(4, 5)]
    const container = [...f.bytes(1, 'c'), ...f.bytes(10, probe)]
    const podSpec = [...f.bytes(1, volume), ...f.bytes(2, container)]
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(2, podSpec)), 'core.PodTemplateSpec'), {
      metadata: {},
      spec: {
        volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
        containers: [{ name: 'c', resources: {}, livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } }],
      },
    })
    const ref = msg(f.bytes(1, f.bytes(1, 'cm')), f.bytes(2, 'key'))
    assert.deepEqual(decodeMessageBytes(ref, 'core.ConfigMapKeySelector'), { name: 'cm', key: 'key' })
  })

  it('base64-encodes bytes map values', () => {
    const b = msg(f.entry(2, 'bin', f.bytes(2, [0, 1, 2, 0xff])), f.entry(2, 'empty', []))
    assert.deepEqual(decodeMessageBytes(b, 'core.Secret'), { metadata: {}, data: { bin: 'AAEC/w==', empty: '' } })
  })
})

describe('decodeMessageBytes: special types', () => {
  it('writes Time as RFC 3339 seconds and leaves a zero time out', () => {
    const meta = msg(f.bytes(8, time(1795455708)), f.bytes(9, [...time(1795455708), ...f.varint(2, 999)]))
    assert.deepEqual(decodeMessageBytes(meta, 'meta.ObjectMeta'), {
      creationTimestamp: '2026-11-23T17:41:48Z',
      deletionTimestamp: '2026-11-23T17:41:48Z',
    })
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(8, [])), 'meta.ObjectMeta'), {})
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(8, time(-62135596800))), 'meta.ObjectMeta'), {})
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(8, f.varint(2, 5))), 'meta.ObjectMeta'), { creationTimestamp: '1970-01-01T00:00:00Z' })
    throwsProto(() => decodeMessageBytes(msg(f.bytes(8, time(253402300800))), 'meta.ObjectMeta'), 'Time.MarshalJSON: year outside of range [0,9999]')
  })

  it('writes MicroTime with six fraction digits, truncating nanoseconds', () => {
    const ev = msg(f.bytes(10, [...time(1795455708), ...f.varint(2, 123456789)]))
    assert.equal(decodeMessageBytes(ev, 'core.Event').eventTime, '2026-11-23T17:41:48.123456Z')
    const whole = msg(f.bytes(10, time(1795455708)))
    assert.equal(decodeMessageBytes(whole, 'core.Event').eventTime, '2026-11-23T17:41:48.000000Z')
    const negative = msg(f.bytes(10, [...time(1795455708), ...f.varint(2, -1000)]))
    assert.equal(decodeMessageBytes(negative, 'core.Event').eventTime, '2026-11-23T17:41:47.999999Z')
  })

  it('writes IntOrString as a number or a string', () => {
    const rolling = msg(f.bytes(1, [...f.varint(1, 0), ...f.varint(2, 0)]), f.bytes(2, [...f.varint(1, 1), ...f.bytes(3, '25%')]))
    assert.deepEqual(decodeMessageBytes(rolling, 'apps.RollingUpdateDeployment'), { maxUnavailable: 0, maxSurge: '25%' })
    throwsProto(() => decodeMessageBytes(msg(f.bytes(1, f.varint(1, 2))), 'apps.RollingUpdateDeployment'), 'impossible IntOrString.Type')
  })

  it('drops a zero ServicePort.targetPort (omitempty, unset upstream) but keeps a zero probe port', () => {
    const port = msg(f.varint(3, 80), f.bytes(4, [...f.varint(1, 0), ...f.varint(2, 0), ...f.bytes(3, '')]))
    assert.deepEqual(decodeMessageBytes(port, 'core.ServicePort'), { port: 80 })
    const named = msg(f.varint(3, 80), f.bytes(4, [...f.varint(1, 1), ...f.bytes(3, 'http')]))
    assert.deepEqual(decodeMessageBytes(named, 'core.ServicePort'), { port: 80, targetPort: 'http' })
    assert.deepEqual(decodeMessageBytes(new Uint8Array(0), 'core.TCPSocketAction'), { port: 0 })
  })

  it('writes Quantity as its string and checks its shape', () => {
    const res = msg(f.entry(1, 'cpu', f.bytes(2, f.bytes(1, '500m'))), f.entry(2, 'memory', f.bytes(2, f.bytes(1, '64Mi'))))
    assert.deepEqual(decodeMessageBytes(res, 'core.ResourceRequirements'), { limits: { cpu: '500m' }, requests: { memory: '64Mi' } })
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(2, 'cpu')), 'core.ResourceFieldSelector'), { resource: 'cpu', divisor: '0' })
    throwsProto(() => decodeMessageBytes(msg(f.entry(1, 'cpu', f.bytes(2, f.bytes(1, 'lots')))), 'core.ResourceRequirements'), /^quantities must match the regular expression/)
  })

  it('parses FieldsV1 as JSON', () => {
    const entry = [...f.bytes(1, 'kubectl-create'), ...f.bytes(2, 'Update'), ...f.bytes(6, 'FieldsV1'), ...f.bytes(7, f.bytes(1, '{"f:spec":{"f:replicas":{}}}'))]
    assert.deepEqual(decodeMessageBytes(msg(f.bytes(17, entry)), 'meta.ObjectMeta'), {
      managedFields: [{ manager: 'kubectl-create', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
    })
    throwsProto(() => decodeMessageBytes(msg(f.bytes(17, f.bytes(7, f.bytes(1, '{')))), 'meta.ObjectMeta'), /invalid JSON/)
  })
})

describe('decodeMessageBytes: malformed input', () => {
  it('reports a wrong wire type with the field name', () => {
    throwsProto(() => decodeMessageBytes(msg(f.bytes(1, 'x')), 'apps.DeploymentSpec'), 'proto: wrong wireType = 2 for field Replicas')
    throwsProto(() => decodeMessageBytes(msg(f.varint(3, 1)), 'apps.DeploymentSpec'), 'proto: wrong wireType = 0 for field Template')
  })

  it('reports illegal tags, stray end groups and truncation', () => {
    throwsProto(() => decodeMessageBytes(Uint8Array.from([0x00]), 'apps.DeploymentSpec'), 'proto: DeploymentSpec: illegal tag 0 (wire type 0)')
    throwsProto(() => decodeMessageBytes(Uint8Array.from([0x0c]), 'apps.DeploymentSpec'), 'proto: DeploymentSpec: wiretype end group for non-group')
    throwsProto(() => decodeMessageBytes(Uint8Array.from([0x1a, 0x05, 0x0a]), 'apps.DeploymentSpec'), 'unexpected EOF')
  })

  it('rejects a message we have no schema for', () => {
    throwsProto(() => decodeMessageBytes(new Uint8Array(0), 'example.Widget'), 'protobuf: no schema for message example.Widget')
  })
})
