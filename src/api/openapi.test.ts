import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  openapiV2Document,
  openapiV3Document,
  openapiV3GroupVersions,
  openapiV3Root,
  patchContentTypes,
  type OpenAPIResource,
} from './openapi.js'

type Json = Record<string, any>

const r = (group: string, kind: string, resource: string, extra: Partial<OpenAPIResource> = {}): OpenAPIResource => ({
  group,
  version: 'v1',
  kind,
  resource,
  namespaced: true,
  ...extra,
})

const served: OpenAPIResource[] = [
  r('', 'Namespace', 'namespaces', { namespaced: false, hasStatus: true }),
  r('', 'Node', 'nodes', { namespaced: false, hasStatus: true }),
  r('', 'Pod', 'pods', { hasStatus: true }),
  r('', 'Service', 'services', { hasStatus: true }),
  r('', 'Endpoints', 'endpoints'),
  r('', 'ConfigMap', 'configmaps'),
  r('', 'Secret', 'secrets'),
  r('', 'ServiceAccount', 'serviceaccounts'),
  r('', 'Event', 'events'),
  r('', 'Binding', 'bindings', { verbs: ['create'] }),
  r('apps', 'Deployment', 'deployments', { hasStatus: true, scale: {} }),
  r('apps', 'ReplicaSet', 'replicasets', { hasStatus: true, scale: {} }),
  r('apps', 'StatefulSet', 'statefulsets', { hasStatus: true, scale: {} }),
  r('apps', 'DaemonSet', 'daemonsets', { hasStatus: true }),
  r('apps', 'ControllerRevision', 'controllerrevisions'),
  r('discovery.k8s.io', 'EndpointSlice', 'endpointslices'),
  r('coordination.k8s.io', 'Lease', 'leases'),
  r('events.k8s.io', 'Event', 'events'),
]

const gvPath = (x: OpenAPIResource) => (x.group === '' ? `api/${x.version}` : `apis/${x.group}/${x.version}`)

test('root index: one entry per group-version, upper-case hex content hash', () => {
  const root = openapiV3Root(served)
  assert.deepEqual(Object.keys(root.paths), [
    'api/v1',
    'apis/apps/v1',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/events.k8s.io/v1',
  ])
  for (const [gv, { serverRelativeURL }] of Object.entries(root.paths))
    assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${gv.replaceAll('.', '\\.')}\\?hash=[0-9A-F]{128}$`))
  assert.deepEqual(openapiV3GroupVersions(served), Object.keys(root.paths))
})

test('root index: hashes are stable and change only with their document', () => {
  const a = openapiV3Root(served).paths
  assert.deepEqual(openapiV3Root([...served]).paths, a)
  const more = openapiV3Root([...served, r('apps', 'Other', 'others')]).paths
  assert.notEqual(more['apis/apps/v1'].serverRelativeURL, a['apis/apps/v1'].serverRelativeURL)
  assert.equal(more['api/v1'].serverRelativeURL, a['api/v1'].serverRelativeURL)
  const fewer = served.filter((x) => x.kind !== 'StatefulSet')
  const b = openapiV3Root(fewer).paths
  assert.notEqual(b['apis/apps/v1'].serverRelativeURL, a['apis/apps/v1'].serverRelativeURL)
  assert.equal(b['api/v1'].serverRelativeURL, a['api/v1'].serverRelativeURL)
  const noScale = served.map((x) => (x.kind === 'Deployment' ? { ...x, scale: undefined } : x))
  assert.notEqual(openapiV3Root(noScale).paths['apis/apps/v1'].serverRelativeURL, a['apis/apps/v1'].serverRelativeURL)
})

test('every kind has a PATCH operation kubectl accepts for fieldValidation and dryRun', () => {
  for (const res of served) {
    if (res.verbs && !res.verbs.includes('patch')) continue
    const doc = openapiV3Document(served, gvPath(res)) as Json
    const ns = res.namespaced ? '/namespaces/{namespace}' : ''
    const item = doc.paths[`/${gvPath(res)}${ns}/${res.resource}/{name}`]
    assert.ok(item, `${res.kind} path`)
    const patch = item.patch
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: res.group, kind: res.kind, version: 'v1' })
    assert.equal(patch['x-kubernetes-action'], 'patch')
    const names = patch.parameters.map((p: Json) => p.name)
    assert.deepEqual(names, ['dryRun', 'fieldManager', 'fieldValidation', 'force'])
    for (const p of patch.parameters) assert.equal(p.in, 'query')
    assert.deepEqual(Object.keys(patch.requestBody.content), patchContentTypes)
    for (const ct of patchContentTypes)
      assert.equal(patch.requestBody.content[ct].schema.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch')
    assert.deepEqual(item.parameters.map((p: Json) => p.name), res.namespaced ? ['name', 'namespace', 'pretty'] : ['name', 'pretty'])
    assert.equal(item.parameters[0].required, true)
    for (const m of ['get', 'put', 'delete']) assert.equal(item[m]['x-kubernetes-group-version-kind'].kind, res.kind)
  }
})

test('apps/v1: collection, status, scale and watch paths with upstream operation ids', () => {
  const doc = openapiV3Document(served, 'apis/apps/v1') as Json
  const p = doc.paths
  assert.equal(doc.openapi, '3.0.0')
  assert.equal(p['/apis/apps/v1/deployments'].get.operationId, 'listAppsV1DeploymentForAllNamespaces')
  const coll = p['/apis/apps/v1/namespaces/{namespace}/deployments']
  assert.equal(coll.get.operationId, 'listAppsV1NamespacedDeployment')
  assert.equal(coll.get['x-kubernetes-action'], 'list')
  assert.equal(coll.post.operationId, 'createAppsV1NamespacedDeployment')
  assert.equal(coll.post['x-kubernetes-action'], 'post')
  assert.deepEqual(coll.post.parameters.map((x: Json) => x.name), ['dryRun', 'fieldManager', 'fieldValidation'])
  assert.equal(coll.delete.operationId, 'deleteAppsV1CollectionNamespacedDeployment')
  assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection')
  const scale = p['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' })
  assert.equal(scale.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.autoscaling.v1.Scale')
  assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale'])
  assert.equal(p['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].put.operationId, 'replaceAppsV1NamespacedDeploymentStatus')
  assert.equal(p['/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}'].get['x-kubernetes-action'], 'watch')
  assert.equal(p['/apis/apps/v1/watch/deployments'].get['x-kubernetes-action'], 'watchlist')
  assert.equal(p['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}/scale'], undefined)
  assert.equal(p['/apis/apps/v1/namespaces/{namespace}/controllerrevisions/{name}/status'], undefined)

  const core = openapiV3Document(served, 'api/v1') as Json
  assert.equal(core.paths['/api/v1/nodes/{name}'].get.operationId, 'readCoreV1Node')
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/bindings'].post.operationId, 'createCoreV1NamespacedBinding')
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/bindings/{name}'], undefined)
  assert.equal(openapiV3Document(served, 'apis/batch/v1'), undefined)
})

test('components: refs rewritten, wrapped in allOf beside a description, all resolvable', () => {
  for (const gv of openapiV3GroupVersions(served)) {
    const doc = openapiV3Document(served, gv) as Json
    const schemas = doc.components.schemas
    const text = JSON.stringify(doc)
    assert.ok(!text.includes('#/definitions/'), gv)
    for (const m of new Set(text.match(/#\/components\/schemas\/[^"]+/g) ?? []))
      assert.ok(schemas[m.slice('#/components/schemas/'.length)], `${gv}: ${m}`)
  }
  const apps = openapiV3Document(served, 'apis/apps/v1') as Json
  const s = apps.components.schemas
  assert.deepEqual(s['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }])
  assert.deepEqual(s['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy, {
    allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }],
    description: 'The deployment strategy to use to replace existing pods with new ones.',
    'x-kubernetes-patch-strategy': 'retainKeys',
  })
  assert.deepEqual(s['io.k8s.api.apps.v1.DeploymentList'].properties.items.items, { $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment' })
  const ios = s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']
  assert.equal(ios.format, 'int-or-string')
  assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }])
  assert.equal(ios.type, undefined)
  assert.deepEqual(s['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }])
  assert.equal(s['io.k8s.api.core.v1.PodSpec'].properties.containers['x-kubernetes-patch-merge-key'], 'name')
  // group-version documents only carry what they use
  assert.equal(s['io.k8s.api.core.v1.Node'], undefined)
  assert.equal((openapiV3Document(served, 'api/v1') as Json).components.schemas['io.k8s.api.apps.v1.Deployment'], undefined)
})

test('a kind without a built-in schema gets free-form schemas and no strategic merge patch', () => {
  const widget = { group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true, hasStatus: true, scale: {} }
  const withWidget = [...served, widget]
  assert.ok(openapiV3Root(withWidget).paths['apis/example.com/v1'])
  const doc = openapiV3Document(withWidget, 'apis/example.com/v1') as Json
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'example.com', kind: 'Widget', version: 'v1' })
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation'))
  assert.deepEqual(Object.keys(patch.requestBody.content), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'])
  const schema = doc.components.schemas['com.example.v1.Widget']
  assert.equal(schema['x-kubernetes-preserve-unknown-fields'], true)
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Widget', version: 'v1' }])
  assert.equal(doc.components.schemas['com.example.v1.WidgetList'].properties.items.items.$ref, '#/components/schemas/com.example.v1.Widget')
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'])
  assert.ok(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/scale'])
  assert.ok((openapiV2Document(withWidget) as Json).definitions['com.example.v1.Widget'])
})

test('argoproj.io kinds carry their CRD schema: v3 as declared, v2 without anyOf; no strategic merge patch', () => {
  const rollout = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', resource: 'rollouts', namespaced: true, hasStatus: true, scale: {} }
  const withRollout = [...served, rollout]
  const doc = openapiV3Document(withRollout, 'apis/argoproj.io/v1alpha1') as Json
  const patch = doc.paths['/apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts/{name}'].patch
  assert.deepEqual(Object.keys(patch.requestBody.content), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'])
  const schema = doc.components.schemas['io.argoproj.v1alpha1.Rollout']
  assert.equal(schema['x-kubernetes-preserve-unknown-fields'], undefined)
  const canary = schema.properties.spec.properties.strategy.properties.canary
  assert.equal(canary.description, 'CanaryStrategy defines parameters for a Replica Based Canary')
  assert.deepEqual(canary.properties.maxSurge.anyOf, [{ type: 'integer' }, { type: 'string' }])
  assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }])
  const v2 = (openapiV2Document(withRollout) as Json).definitions['io.argoproj.v1alpha1.Rollout']
  assert.equal(v2.properties.spec.properties.strategy.properties.canary.properties.maxSurge.anyOf, undefined)
  assert.equal(v2.properties.spec.properties.strategy.properties.canary.properties.maxSurge['x-kubernetes-int-or-string'], true)
})

test('v2 document: Swagger 2.0 with definitions and body parameters', () => {
  const doc = openapiV2Document(served) as Json
  assert.equal(doc.swagger, '2.0')
  assert.ok(doc.definitions['io.k8s.api.apps.v1.Deployment'])
  assert.ok(!JSON.stringify(doc).includes('#/components/'))
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch
  assert.deepEqual(patch.consumes, patchContentTypes)
  assert.deepEqual(patch.parameters[0], { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } })
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.type === 'string'))
  const ios = doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']
  assert.deepEqual([ios.type, ios.format], ['string', 'int-or-string'])
  assert.equal(ios['x-kubernetes-int-or-string'], undefined)
})

// The real kubectl renders `explain` from these documents; skipped where it is not installed.
const kubectl = '/usr/bin/kubectl'
test('kubectl explain renders the documents as upstream', { skip: !existsSync(kubectl) }, async (t) => {
  const discoveryType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
  const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
  const entry = (x: OpenAPIResource, shortNames: string[]) => ({
    resource: x.resource,
    responseKind: { group: x.group, version: x.version, kind: x.kind },
    scope: 'Namespaced',
    singularResource: x.kind.toLowerCase(),
    verbs,
    shortNames,
  })
  const [pods, deployments] = [served.find((x) => x.kind === 'Pod')!, served.find((x) => x.kind === 'Deployment')!]
  const discovery = (items: unknown[]) => ({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items })
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const send = (code: number, body: unknown, type = 'application/json') => {
      res.writeHead(code, { 'Content-Type': type })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.4' })
    if (url.pathname === '/api')
      return send(200, discovery([{ metadata: {}, versions: [{ version: 'v1', freshness: 'Current', resources: [entry(pods, ['po'])] }] }]), discoveryType)
    if (url.pathname === '/apis')
      return send(200, discovery([{ metadata: { name: 'apps' }, versions: [{ version: 'v1', freshness: 'Current', resources: [entry(deployments, ['deploy'])] }] }]), discoveryType)
    if (url.pathname === '/openapi/v3') return send(200, openapiV3Root(served))
    const doc = url.pathname.startsWith('/openapi/v3/') ? openapiV3Document(served, url.pathname.slice(12)) : undefined
    if (doc) return send(200, doc)
    send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-openapi-'))
  t.after(() => {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const port = (server.address() as AddressInfo).port
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
      'current-context': 'c',
    }),
  )
  const explain = (what: string) =>
    new Promise<string>((ok, fail) =>
      execFile(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'explain', what], { timeout: 20_000 }, (err, stdout, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : ok(stdout),
      ),
    )

  const strategy = await explain('deployment.spec.strategy')
  assert.equal(
    strategy,
    [
      'GROUP:      apps',
      'KIND:       Deployment',
      'VERSION:    v1',
      '',
      'FIELD: strategy <DeploymentStrategy>',
      '',
      '',
      'DESCRIPTION:',
      '    The deployment strategy to use to replace existing pods with new ones.',
      '    DeploymentStrategy describes how to replace existing pods with new ones.',
      '    ',
      'FIELDS:',
      '  rollingUpdate\t<RollingUpdateDeployment>',
      '    Rolling update config params. Present only if DeploymentStrategyType =',
      '    RollingUpdate.',
      '',
      '  type\t<string>',
      '  enum: Recreate, RollingUpdate',
      '    Type of deployment. Can be "Recreate" or "RollingUpdate". Default is',
      '    RollingUpdate.',
      '    ',
      '    Possible enum values:',
      '     - `"Recreate"` Kill all existing pods before creating new ones.',
      '     - `"RollingUpdate"` Replace the old ReplicaSets by new one using rolling',
      '    update i.e gradually scale down the old ReplicaSets and scale up the new',
      '    one.',
      '',
      '',
      '',
    ].join('\n'),
  )
  const containers = await explain('pods.spec.containers')
  assert.match(containers, /^KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <\[\]Container>\n/)
  assert.match(containers, /\n  image\t<string>\n/)
  assert.match(containers, /\n  name\t<string> -required-\n/)
  assert.match(containers, /\n  ports\t<\[\]ContainerPort>\n/)
  assert.match(await explain('deploy.spec.strategy.rollingUpdate'), /\n  maxSurge\t<IntOrString>\n/)
})
