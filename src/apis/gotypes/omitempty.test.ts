import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dropEmptyOmitted } from './omitempty.js'

test('empty omitempty slices and maps go, at any depth, as Go writes them', () => {
  const d: Record<string, any> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', labels: {}, annotations: {}, finalizers: [], ownerReferences: [], managedFields: [] },
    spec: {
      selector: { matchLabels: { app: 'd' }, matchExpressions: [] },
      template: {
        metadata: { labels: { app: 'd' }, annotations: {} },
        spec: { nodeSelector: {}, tolerations: [], volumes: null, containers: [{ name: 'c', image: 'nginx', env: [], args: [], ports: [{ containerPort: 80 }] }] },
      },
    },
    status: { conditions: [] },
  }
  dropEmptyOmitted(d, 'apps/v1', 'Deployment')
  assert.deepEqual(d.metadata, { name: 'd', managedFields: [] }) // managedFields: [] means "clear" on update
  assert.deepEqual(d.spec.selector, { matchLabels: { app: 'd' } })
  assert.deepEqual(d.spec.template.metadata, { labels: { app: 'd' } })
  assert.deepEqual(d.spec.template.spec, { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] })
  assert.deepEqual(d.status, {})
})

test('slices without omitempty stay, even empty; unknown fields are left alone', () => {
  const p: Record<string, any> = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], x: {} } }
  dropEmptyOmitted(p, 'v1', 'Pod')
  assert.deepEqual(p.spec, { containers: [], x: {} })
})

test('a ConfigMap’s empty data goes; a kind outside the table loses only empty metadata maps', () => {
  const cm: Record<string, any> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {}, binaryData: {} }
  dropEmptyOmitted(cm, 'v1', 'ConfigMap')
  assert.deepEqual(Object.keys(cm), ['apiVersion', 'kind', 'metadata'])
  const lease: Record<string, any> = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', labels: {} }, spec: { x: {} } }
  dropEmptyOmitted(lease, 'coordination.k8s.io/v1', 'Lease')
  assert.deepEqual(lease, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { x: {} } })
})
