import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { decodeProtobufObject, ProtobufError, readEnvelope } from './index.js'
import { envelope, f, msg } from './testdata/encode.js'
import { rootKinds } from '../../apis/gotypes/kinds.js'

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./testdata/${name}.bin`, import.meta.url))
}

function throwsProto(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    if (!(err instanceof ProtobufError)) return false
    assert.equal(err.code, code)
    if (typeof message === 'string') assert.equal(err.message, message)
    else assert.match(err.message, message)
    return true
  })
}

// Expected objects: what `kubectl create ... --dry-run=client -o json` prints for the same command,
// minus `status` and `creationTimestamp: null`.
describe('decodeProtobufObject: bodies captured from kubectl create (testdata/capture.ts)', () => {
  it('create deployment kubernetes-bootcamp --image=... --replicas=4 --port=8080', () => {
    assert.deepEqual(decodeProtobufObject(fixture('deployment-bootcamp')), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kubernetes-bootcamp', labels: { app: 'kubernetes-bootcamp' } },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'kubernetes-bootcamp' } },
        template: {
          metadata: { labels: { app: 'kubernetes-bootcamp' } },
          spec: {
            containers: [
              {
                name: 'kubernetes-bootcamp',
                image: 'gcr.io/google-samples/kubernetes-bootcamp:v1',
                ports: [{ containerPort: 8080 }],
                resources: {},
              },
            ],
          },
        },
        strategy: {},
      },
    })
  })

  it('create deployment web --image=nginx --replicas=0 -- sleep 10 (replicas: 0 survives)', () => {
    assert.deepEqual(decodeProtobufObject(fixture('deployment-zero-replicas')), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', command: ['sleep', '10'], resources: {} }] },
        },
        strategy: {},
      },
    })
  })

  it('create service nodeport myapp-svc --tcp=8080:8080 --node-port=30880', () => {
    assert.deepEqual(decodeProtobufObject(fixture('service-nodeport')), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'myapp-svc', labels: { app: 'myapp-svc' } },
      spec: {
        ports: [{ name: '8080-8080', protocol: 'TCP', port: 8080, targetPort: 8080, nodePort: 30880 }],
        selector: { app: 'myapp-svc' },
        type: 'NodePort',
      },
    })
  })

  it('create service clusterip x --tcp=80:8080', () => {
    assert.deepEqual(decodeProtobufObject(fixture('service-clusterip')), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x', labels: { app: 'x' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'x' },
        type: 'ClusterIP',
      },
    })
  })

  it('create namespace dev', () => {
    assert.deepEqual(decodeProtobufObject(fixture('namespace')), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' }, spec: {} })
  })

  it('create configmap cfg --from-literal=a=b', () => {
    assert.deepEqual(decodeProtobufObject(fixture('configmap')), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } })
  })

  it('create secret generic s --from-literal=k=v (data base64)', () => {
    assert.deepEqual(decodeProtobufObject(fixture('secret-generic')), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'dg==' } })
  })

  it('create serviceaccount sa1', () => {
    assert.deepEqual(decodeProtobufObject(fixture('serviceaccount')), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } })
  })

  it('create deployment two --image=busybox --image=nginx:1.27 (default replicas: 1 is sent)', () => {
    assert.deepEqual(decodeProtobufObject(fixture('deployment-two-images')), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'two', labels: { app: 'two' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'two' } },
        template: {
          metadata: { labels: { app: 'two' } },
          spec: {
            containers: [
              { name: 'busybox', image: 'busybox', resources: {} },
              { name: 'nginx', image: 'nginx:1.27', resources: {} },
            ],
          },
        },
        strategy: {},
      },
    })
  })

  it('create service externalname ext --external-name=example.test', () => {
    assert.deepEqual(decodeProtobufObject(fixture('service-externalname')), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext', labels: { app: 'ext' } },
      spec: { selector: { app: 'ext' }, type: 'ExternalName', externalName: 'example.test' },
    })
  })

  it('create secret docker-registry reg ... (type and binary data)', () => {
    const config = { auths: { '127.0.0.1:5000': { username: 'u', password: 'p', auth: 'dTpw' } } }
    assert.deepEqual(decodeProtobufObject(fixture('secret-docker-registry')), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'reg' },
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
      type: 'kubernetes.io/dockerconfigjson',
    })
  })
})

describe('decodeProtobufObject: the envelope', () => {
  it('reads runtime.Unknown', () => {
    const env = readEnvelope(fixture('namespace'))
    assert.deepEqual(env.typeMeta, { apiVersion: 'v1', kind: 'Namespace' })
    assert.equal(env.contentEncoding, '')
    assert.equal(env.contentType, '')
    assert.equal(env.raw.length, 27)
  })

  it('keeps a non-empty status', () => {
    const pod = msg(f.bytes(1, f.bytes(1, 'p')), f.bytes(3, f.bytes(1, 'Running')))
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'Pod', pod)), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, status: { phase: 'Running' } })
  })

  it('rejects bodies that are not protobuf, with upstream wording (400)', () => {
    throwsProto(() => decodeProtobufObject(Buffer.alloc(0)), 400, 'empty data')
    throwsProto(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), 400, 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]')
    throwsProto(() => decodeProtobufObject(Buffer.from('k8s')), 400, 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]')
    throwsProto(() => decodeProtobufObject(Buffer.from('k8s\0')), 400, 'empty body')
    throwsProto(() => decodeProtobufObject(fixture('deployment-bootcamp').subarray(0, 100)), 400, 'unexpected EOF')
  })

  it('answers 415 for a kind it has no schema for', () => {
    assert.throws(
      () => decodeProtobufObject(envelope('example.com/v1', 'Widget', [])),
      (err: unknown) =>
        err instanceof ProtobufError &&
        err.code === 415 &&
        err.reason === 'UnsupportedMediaType' &&
        err.apiVersion === 'example.com/v1' &&
        err.kind === 'Widget' &&
        err.message === 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    )
  })

  it('reports a missing kind or apiVersion, unless the request supplies defaults', () => {
    throwsProto(() => decodeProtobufObject(envelope('v1', '', [])), 400, `Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"v1", Kind:""}'`)
    throwsProto(() => decodeProtobufObject(envelope('', 'Namespace', [])), 400, `Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"", Kind:"Namespace"}'`)
    assert.deepEqual(decodeProtobufObject(envelope('', '', f.bytes(1, f.bytes(1, 'dev'))), { apiVersion: 'v1', kind: 'Namespace' }), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dev' },
      spec: {},
    })
  })

  it('tags errors inside the object with its apiVersion and kind', () => {
    assert.throws(
      () => decodeProtobufObject(envelope('apps/v1', 'Deployment', f.bytes(2, f.bytes(1, 'x')))),
      (err: unknown) => err instanceof ProtobufError && err.code === 400 && err.kind === 'Deployment' && err.message === 'proto: wrong wireType = 2 for field Replicas',
    )
  })
})

describe('decodeProtobufObject: malformed input never throws anything but ProtobufError', () => {
  function onlyProtobufErrors(body: Uint8Array): boolean {
    try {
      decodeProtobufObject(body)
      return true
    } catch (err) {
      if (err instanceof ProtobufError) return true
      throw err
    }
  }

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyProtobufErrors), { numRuns: 2000 })
  })

  it('random bytes after the magic', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyProtobufErrors(Buffer.concat([Buffer.from('k8s\0'), b]))), { numRuns: 2000 })
  })

  it('random objects of every kind we decode', () => {
    const kinds = Object.keys(rootKinds).map((k) => k.split(' ') as [string, string])
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 300 }), ([apiVersion, kind], raw) => onlyProtobufErrors(envelope(apiVersion, kind, raw))),
      { numRuns: 3000 },
    )
  })

  it('well-formed random messages of every kind we decode', () => {
    // Valid wire format with random field numbers, wire types and nested payloads, so the decoder
    // gets past the first byte and into nested messages, maps and special types.
    const { message } = fc.letrec<{ message: number[]; field: number[] }>((tie) => ({
      message: fc.array(tie('field'), { maxLength: 6 }).map((fields) => fields.flat()),
      field: fc.oneof(
        { depthSize: 'small' },
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.integer({ min: -3, max: 3 }))).map(([n, v]) => f.varint(n, v)),
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.string({ maxLength: 8 })).map(([n, v]) => f.bytes(n, v)),
        fc.tuple(fc.integer({ min: 1, max: 40 }), tie('message')).map(([n, m]) => f.bytes(n, m)),
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer()).map(([n, v]) => f.fixed32(n, v)),
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([n, v]) => f.fixed64(n, v)),
      ),
    }))
    const kinds = Object.keys(rootKinds).map((k) => k.split(' ') as [string, string])
    let decoded = 0
    fc.assert(
      fc.property(fc.constantFrom(...kinds), message, ([apiVersion, kind], raw) => {
        try {
          const obj = decodeProtobufObject(envelope(apiVersion, kind, raw))
          JSON.stringify(obj)
          decoded++
          return obj.kind === kind
        } catch (err) {
          if (err instanceof ProtobufError) return true
          throw err
        }
      }),
      { numRuns: 3000 },
    )
    assert.ok(decoded > 0)
  })

  it('truncated and corrupted captured bodies', () => {
    const bodies = ['deployment-bootcamp', 'deployment-zero-replicas', 'service-nodeport', 'configmap', 'secret-generic'].map(fixture)
    fc.assert(
      fc.property(fc.constantFrom(...bodies), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (body, cut, at, byte) => {
        const copy = Buffer.from(body.subarray(0, 4 + (cut % (body.length - 3))))
        if (copy.length > 4) copy[4 + (at % (copy.length - 4))] = byte
        return onlyProtobufErrors(copy)
      }),
      { numRuns: 3000 },
    )
  })
})
