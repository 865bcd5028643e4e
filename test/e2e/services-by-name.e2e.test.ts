// Services by name from inside pods (issue: pods behave like pods): the pod's resolv.conf points at
// the cluster DNS (kube-dns, 127.96.0.10) with upstream's search path, so a frontend calls
// `http://backend:8080`, and a pod's own token reaches `https://kubernetes.default.svc`.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, until, type Cluster } from './harness.js'

const backend = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  replicas: 2
  selector:
    matchLabels: {app: backend}
  template:
    metadata:
      labels: {app: backend}
    spec:
      containers:
      - name: app
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
---
apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  selector: {app: backend}
  ports:
  - port: 8080
`

describe('Services by name from inside pods', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
    await c.k('apply', '-f', c.file('backend.yaml', backend))
    await c.k('rollout', 'status', 'deployment/backend', '--timeout=60s')
  })
  after(async () => {
    await c?.destroy()
  })

  test('a frontend reaches the backend Service by its short, namespaced and full names', async () => {
    await c.k('run', 'frontend', '--image=busybox', '--restart=Never', '--', 'sh', '-c',
      'for n in backend backend.default backend.default.svc.cluster.local; do curl -s --max-time 5 http://$n:8080 || echo "$n failed"; done')
    const logs = await until('frontend done', async () => {
      const phase = (await c.k('get', 'pod', 'frontend', '-o', 'jsonpath={.status.phase}')).trim()
      return phase === 'Succeeded' || phase === 'Failed' ? c.k('logs', 'frontend') : undefined
    }, 60_000)
    const lines = logs.trim().split('\n')
    assert.equal(lines.length, 3, logs)
    for (const l of lines) assert.match(l, /^Hello Kubernetes bootcamp! \| Running on: backend-\w+-\w+ \| v=1$/)
  })

  test('the pod’s service-account token reaches https://kubernetes.default.svc/api with the mounted CA', async () => {
    await c.k('run', 'incluster', '--image=busybox', '--restart=Never', '--', 'sh', '-c',
      'S=/var/run/secrets/kubernetes.io/serviceaccount; curl -sS --max-time 5 --cacert $S/ca.crt -H "Authorization: Bearer $(cat $S/token)" https://kubernetes.default.svc/api')
    const out = await until('incluster done', async () => {
      const phase = (await c.k('get', 'pod', 'incluster', '-o', 'jsonpath={.status.phase}')).trim()
      return phase === 'Succeeded' || phase === 'Failed' ? c.k('logs', 'incluster') : undefined
    }, 60_000)
    assert.match(out, /"kind":\s*"APIVersions"/, out)
  })
})
