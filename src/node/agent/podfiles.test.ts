// The pod's hostname, /etc/hosts and resolv.conf exactly as upstream writes them, and who its containers run as.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Pod } from 'kubernetes-types/core/v1.js'
import { containerUser, hostsFileContent, podHostnameAndDomain, podRequestsRoot, resolvConfContent } from './podfiles.js'

const pod = (spec: Pod['spec'] = { containers: [{ name: 'c' }] }, name = 'web-7d4b9c-x2x5z', namespace = 'shop'): Pod => ({ metadata: { name, namespace }, spec })

test('hostname: spec.hostname, else the pod name cut to 63 characters without a trailing dash; subdomain gives a domain', () => {
  assert.deepEqual(podHostnameAndDomain(pod()), { hostname: 'web-7d4b9c-x2x5z' })
  assert.deepEqual(podHostnameAndDomain(pod({ containers: [], hostname: 'db-0', subdomain: 'db' })), { hostname: 'db-0', domain: 'db.shop.svc.cluster.local' })
  const long = 'a'.repeat(62) + '-b'
  assert.equal(podHostnameAndDomain(pod(undefined, long)).hostname, 'a'.repeat(62))
})

test('/etc/hosts: managedHostsFileContent, with the pod entry and host aliases', () => {
  assert.equal(
    hostsFileContent(['127.244.0.5'], pod()),
    '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n127.244.0.5\tweb-7d4b9c-x2x5z\n',
  )
  const withAliases = hostsFileContent(
    ['127.244.0.6'],
    pod({ containers: [], hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '127.1.2.3', hostnames: ['foo.remote'] }] }),
  )
  assert.ok(withAliases.includes('127.244.0.6\tdb-0.db.shop.svc.cluster.local\tdb-0\n'))
  assert.ok(withAliases.endsWith('\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n127.1.2.3\tfoo.remote\n'))
})

test('resolv.conf: ClusterFirst, dnsConfig merged, None, Default', () => {
  assert.equal(resolvConfContent(pod()), 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.96.0.10\noptions ndots:5\n')
  assert.equal(
    resolvConfContent(pod({ containers: [], dnsConfig: { nameservers: ['127.0.0.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } })),
    'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 127.96.0.10\nnameserver 127.0.0.53\noptions ndots:2 edns0\n',
  )
  assert.equal(resolvConfContent(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['127.0.0.53'] } })), 'nameserver 127.0.0.53\n')
  assert.equal(resolvConfContent(pod({ containers: [], dnsPolicy: 'Default' })), undefined)
  assert.equal(
    resolvConfContent(pod({ containers: [], dnsPolicy: 'Default', dnsConfig: { searches: ['x.example'] } }), { hostResolvConf: 'nameserver 127.0.0.53\nsearch lan\n' }),
    'search lan x.example\nnameserver 127.0.0.53\n',
  )
})

test('containerUser: the container securityContext over the pod one; fsGroup and supplementalGroups as groups', () => {
  assert.equal(containerUser(pod(), { name: 'c' }), undefined)
  const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 2000] }, containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsUser: 0 } }] })
  assert.deepEqual(containerUser(p, p.spec!.containers[0]), { uid: 1000, gid: 3000, supplementalGroups: [2000, 4000] })
  assert.equal(containerUser(p, p.spec!.containers[1])?.uid, 0)
  assert.equal(podRequestsRoot(p), true)
  assert.equal(podRequestsRoot(pod()), false)
})
