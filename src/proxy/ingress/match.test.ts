import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { compileRoutes, hostName, matchRequest, type IngressLike } from './match.js'

type P = { path: string; pathType: string; svc: string }
const ingress = (name: string, rules: { host?: string; paths: P[] }[], extra: Partial<NonNullable<IngressLike['spec']>> = {}, created = '2026-01-01T00:00:00Z'): IngressLike => ({
  metadata: { namespace: 'default', name, creationTimestamp: created },
  spec: {
    ...extra,
    rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.svc, port: { number: 80 } } } })) } })),
  },
})
const routed = (ings: IngressLike[], host: string, path: string) => matchRequest(compileRoutes(ings), host, path)?.service?.name

describe('Ingress path matching: the Kubernetes docs "Examples" table', () => {
  // Kind | Path(s) | Request path | Matches?  (https://kubernetes.io/docs/concepts/services-networking/ingress/#examples)
  const cases: [kind: string, paths: string[], request: string, matches: string | false][] = [
    ['Prefix', ['/'], '/anything/at/all', '/'],
    ['Exact', ['/foo'], '/foo', '/foo'],
    ['Exact', ['/foo'], '/bar', false],
    ['Exact', ['/foo'], '/foo/', false],
    ['Exact', ['/foo/'], '/foo', false],
    ['Prefix', ['/foo'], '/foo', '/foo'],
    ['Prefix', ['/foo'], '/foo/', '/foo'],
    ['Prefix', ['/foo/'], '/foo', '/foo/'],
    ['Prefix', ['/foo/'], '/foo/', '/foo/'],
    ['Prefix', ['/aaa/bb'], '/aaa/bbb', false],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb', '/aaa/bbb'],
    ['Prefix', ['/aaa/bbb/'], '/aaa/bbb', '/aaa/bbb/'], // ignores the trailing slash
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/', '/aaa/bbb'], // matches the trailing slash
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/ccc', '/aaa/bbb'], // matches a subpath
    ['Prefix', ['/aaa/bbb'], '/aaa/bbbxyz', false], // not a string prefix
    ['Prefix', ['/', '/aaa'], '/aaa/ccc', '/aaa'],
    ['Prefix', ['/', '/aaa', '/aaa/bbb'], '/aaa/bbb', '/aaa/bbb'],
    ['Prefix', ['/', '/aaa', '/aaa/bbb'], '/ccc', '/'],
    ['Prefix', ['/aaa'], '/ccc', false], // the default backend
    ['ImplementationSpecific', ['/aaa'], '/aaa/x', '/aaa'], // kubelite: as Prefix
  ]
  for (const [kind, paths, request, want] of cases) {
    it(`${kind} ${paths.join(', ')} — ${request}: ${want === false ? 'no match' : `matches ${want}`}`, () => {
      const ing = ingress('a', [{ paths: paths.map((p) => ({ path: p, pathType: kind, svc: `svc${p.replaceAll('/', '-')}` })) }])
      assert.equal(routed([ing], 'x.example.com', request), want === false ? undefined : `svc${want.replaceAll('/', '-')}`)
    })
  }

  it('Mixed: /foo (Prefix) and /foo (Exact) — /foo prefers Exact', () => {
    const ing = ingress('a', [{ paths: [{ path: '/foo', pathType: 'Prefix', svc: 'prefix' }, { path: '/foo', pathType: 'Exact', svc: 'exact' }] }])
    assert.equal(routed([ing], '', '/foo'), 'exact')
    assert.equal(routed([ing], '', '/foo/bar'), 'prefix')
  })

  it('ignores the query string', () => {
    const ing = ingress('a', [{ paths: [{ path: '/foo', pathType: 'Exact', svc: 'exact' }] }])
    assert.equal(routed([ing], '', '/foo?x=/bar'), 'exact')
  })
})

describe('Ingress host matching: the docs "Hostname wildcards" table', () => {
  const ing = ingress('a', [
    { host: '*.foo.com', paths: [{ path: '/', pathType: 'Prefix', svc: 'wild' }] },
    { host: 'exact.foo.com', paths: [{ path: '/only', pathType: 'Prefix', svc: 'exact' }] },
    { paths: [{ path: '/', pathType: 'Prefix', svc: 'any' }] },
  ])
  const cases: [host: string, want: string | undefined][] = [
    ['bar.foo.com', 'wild'], // matches based on the shared suffix
    ['baz.bar.foo.com', 'any'], // the wildcard covers one label only
    ['foo.com', 'any'], // the wildcard covers one label only
    ['BAR.Foo.com:8443', 'wild'], // case and port do not matter
    ['exact.foo.com', undefined], // a precise host wins over the wildcard; /x is not among its paths
  ]
  for (const [host, want] of cases) {
    it(`*.foo.com — Host ${host}: ${want ?? 'no match'}`, () => assert.equal(routed([ing], host, '/x'), want))
  }

  it('takes the oldest Ingress’s defaultBackend when nothing matches; merges hosts across Ingresses', () => {
    const older = ingress('old', [{ host: 'a.com', paths: [{ path: '/', pathType: 'Prefix', svc: 'a' }] }], { defaultBackend: { service: { name: 'fallback-old', port: { number: 80 } } } }, '2026-01-01T00:00:00Z')
    const newer = ingress('new', [{ host: 'a.com', paths: [{ path: '/api', pathType: 'Prefix', svc: 'api' }] }], { defaultBackend: { service: { name: 'fallback-new', port: { number: 80 } } } }, '2026-01-02T00:00:00Z')
    assert.equal(routed([newer, older], 'a.com', '/api/v1'), 'api')
    assert.equal(routed([newer, older], 'a.com', '/'), 'a')
    assert.equal(routed([newer, older], 'b.com', '/'), 'fallback-old')
    assert.equal(routed([], 'b.com', '/'), undefined)
  })

  it('reads the Host header as a name', () => {
    assert.equal(hostName('Example.COM.:80'), 'example.com')
    assert.equal(hostName('[::1]:8080'), '[::1]')
    assert.equal(hostName(undefined), '')
  })
})
