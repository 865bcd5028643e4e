// The same manifests on any cluster (docs/beyond-one-machine.md): every file in examples/ passes
// the real kubectl's `apply --dry-run=server --validate=strict` against kubelite — the API server
// defaults, validates and admits each object (strict field validation against the kinds'
// schemas, the Rollouts' against their CRD schema) and stores nothing. A manifest with a field the
// schema does not know is refused with upstream's strict-decoding message, so a drifting example
// fails here.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { startCluster, type Cluster } from './harness.js'

const root = new URL('../..', import.meta.url).pathname
const examplesDir = join(root, 'examples')

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort()
}

/** `kind/name` of every document in a manifest, as kubectl prints them (`deployment.apps/web`). */
function objectsIn(text: string): { kind: string; name: string }[] {
  return text
    .split(/^---$/m)
    .map((doc) => ({ kind: /^kind:\s*(\S+)/m.exec(doc)?.[1], name: /^metadata:\n(?:\s+.*\n)*?\s+name:\s*(\S+)/m.exec(doc)?.[1] }))
    .filter((o): o is { kind: string; name: string } => !!o.kind && !!o.name)
}

const resourceOf: Record<string, string> = {
  Deployment: 'deployment.apps',
  Service: 'service',
  Ingress: 'ingress.networking.k8s.io',
  Rollout: 'rollout.argoproj.io',
  AnalysisTemplate: 'analysistemplate.argoproj.io',
  ConfigMap: 'configmap',
}

describe('the examples apply unchanged to a server that only validates', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster(['--runtime', 'sim', '--no-dashboard'])
  })
  after(async () => {
    await c?.destroy()
  })

  const files = yamlFiles(examplesDir)

  test('examples/ holds Deployments, Services, an Ingress and Rollouts', () => {
    const kinds = new Set(files.flatMap((f) => objectsIn(readFileSync(f, 'utf8')).map((o) => o.kind)))
    for (const k of ['Deployment', 'Service', 'Ingress', 'Rollout']) assert.ok(kinds.has(k), `an example ${k}`)
  })

  for (const file of files) {
    test(`kubectl apply --dry-run=server --validate=strict -f ${relative(root, file)}`, async () => {
      const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', file])
      assert.equal(r.stderr, '', `${relative(root, file)}: ${r.stderr}`)
      assert.equal(r.code, 0)
      const want = objectsIn(readFileSync(file, 'utf8')).map((o) => `${resourceOf[o.kind] ?? o.kind.toLowerCase()}/${o.name} created (server dry run)\n`)
      assert.equal(r.stdout, want.join(''))
    })
  }

  test('nothing was stored', async () => {
    assert.equal(await c.k('get', 'deployments,rollouts,ingresses', '-o', 'name'), '')
    assert.equal(await c.k('get', 'services', '-o', 'name'), 'service/kubernetes\n')
  })

  test('an unknown field is refused with upstream\'s strict-decoding message', async () => {
    const deployment = readFileSync(join(examplesDir, 'web-deployment.yaml'), 'utf8').replace('  replicas: 3\n', '  replicas: 3\n  replica: 3\n')
    const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', (c.file('typo.yaml', deployment), 'typo.yaml')]) // kubectl runs in the cluster's dir
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'Error from server (BadRequest): error when creating "typo.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"\n')
    // In a Rollout too (its CRD schema), deep in the pod template.
    const rollout = readFileSync(join(examplesDir, 'progressive-delivery', 'rollout.yaml'), 'utf8').replace('          containerPort: 8080\n', '          containerPort: 8080\n          hostPortt: 8080\n')
    const ro = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', (c.file('rollout-typo.yaml', rollout), 'rollout-typo.yaml')])
    assert.equal(ro.code, 1)
    assert.equal(ro.stderr, 'Error from server (BadRequest): error when creating "rollout-typo.yaml": Rollout in version "v1alpha1" cannot be handled as a Rollout: strict decoding error: unknown field "spec.template.spec.containers[0].ports[0].hostPortt"\n')
  })
})
