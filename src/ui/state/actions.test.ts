import { test } from 'node:test'
import assert from 'node:assert/strict'
import { abort, ActionError, pause, promote, restart, resume, retry, scale, setImage, undo, type WorkloadRef } from './actions.js'

const ref: WorkloadRef = { resource: 'deployments', namespace: 'default', name: 'web' }
const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'kubernetes-bootcamp', image }] },
})
const deploy = {
  metadata: { name: 'web', uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', other: 'dropped' } },
  spec: { template: template('bootcamp:v2') },
}
const rs = (revision: string, image: string, hash: string, owner = 'd1') => ({
  metadata: { name: `web-${hash}`, annotations: { 'deployment.kubernetes.io/revision': revision, 'kubernetes.io/change-cause': `to ${image}` }, ownerReferences: [{ uid: owner, controller: true }] },
  spec: { template: template(image, hash) },
})

test('set image: the SMP kubectl set image sends, with the container order kept', () => {
  const a = setImage(ref, { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'kubernetes-bootcamp' }] } } } }, 'kubernetes-bootcamp', 'bootcamp:v2')
  assert.equal(a.kubectl, 'kubectl set image deployment/web kubernetes-bootcamp=bootcamp:v2')
  assert.deepEqual(a.requests, [
    {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl-set',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'kubernetes-bootcamp' }], containers: [{ image: 'bootcamp:v2', name: 'kubernetes-bootcamp' }] } } } },
    },
  ])
  assert.throws(() => setImage(ref, deploy, 'nope', 'x'), (e: Error) => e instanceof ActionError && e.message === 'error: unable to find container named "nope"')
  assert.equal(setImage({ ...ref, namespace: 'shop' }, deploy, 'kubernetes-bootcamp', "x'y").kubectl, `kubectl set image deployment/web 'kubernetes-bootcamp=x'\\''y' -n shop`)
})

test('scale: a merge patch of the scale subresource; a negative count is refused', () => {
  assert.deepEqual(scale(ref, 3), {
    kubectl: 'kubectl scale deployment/web --replicas=3',
    requests: [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/default/deployments/web/scale', contentType: 'application/merge-patch+json', body: { spec: { replicas: 3 } } }],
  })
  assert.throws(() => scale(ref, -1), ActionError)
  assert.throws(() => scale(ref, 1.5), ActionError)
})

test('pause, resume and restart: the SMPs of kubectl rollout, with its client-side refusals', () => {
  assert.deepEqual(pause(ref, deploy).requests[0].body, { spec: { paused: true } })
  assert.equal(pause(ref, deploy).requests[0].path, '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl-rollout')
  assert.throws(() => pause(ref, { spec: { paused: true } }), /already paused/)
  assert.deepEqual(resume(ref, { spec: { paused: true } }).requests[0].body, { spec: { paused: null } })
  assert.throws(() => resume(ref, deploy), /is not paused/)
  const r = restart(ref, new Date('2026-12-07T10:11:12.345Z'))
  assert.equal(r.kubectl, 'kubectl rollout restart deployment/web')
  assert.deepEqual(r.requests[0].body, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-07T10:11:12Z' } } } } })
})

test('undo: the JSON patch kubectl rollout undo computes (template minus pod-template-hash, annotations merged)', () => {
  const rss = [rs('1', 'bootcamp:v1', 'aaa'), rs('2', 'bootcamp:v2', 'bbb'), rs('7', 'bootcamp:v7', 'zzz', 'someone-else')]
  const a = undo(ref, deploy, rss, 0)
  assert.equal(a.kubectl, 'kubectl rollout undo deployment/web')
  assert.deepEqual(a.requests, [
    {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/web',
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/template', value: template('bootcamp:v1') },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'to bootcamp:v1' },
        },
      ],
    },
  ])
  assert.equal(undo(ref, deploy, rss, 1).kubectl, 'kubectl rollout undo deployment/web --to-revision=1')
  assert.throws(() => undo(ref, deploy, rss, 7), /unable to find specified revision 7 in history/)
  assert.throws(() => undo(ref, deploy, rss, 2), /skipped rollback \(current template already matches revision 2\)/)
  assert.throws(() => undo(ref, { ...deploy, spec: { ...deploy.spec, paused: true } }, rss, 1), /you cannot rollback a paused deployment/)
  assert.throws(() => undo(ref, deploy, [rs('2', 'bootcamp:v2', 'bbb')], 0), /no rollout history found for deployment "web"/)
})

const ro: WorkloadRef = { resource: 'rollouts', namespace: 'default', name: 'demo' }
const roPath = '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/demo'

test('promote: the Argo plugin patches — status subresource first, the unified patch when that is 404', () => {
  const paused = { spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } }, status: { pauseConditions: [{ reason: 'CanaryPauseStep' }], currentStepIndex: 1 } }
  const a = promote(ro, paused, false)
  assert.equal(a.kubectl, 'kubectl argo rollouts promote demo')
  assert.deepEqual(a.requests, [
    {
      method: 'PATCH',
      path: `${roPath}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { pauseConditions: null } },
      onNotFound: { method: 'PATCH', path: roPath, contentType: 'application/merge-patch+json', body: { spec: { paused: false }, status: { pauseConditions: null } } },
    },
  ])
  // Not paused, in the middle of the steps: the step index moves on.
  const mid = promote(ro, { spec: { strategy: { canary: { steps: [{}, {}, {}] } } }, status: { currentStepIndex: 1 } }, false)
  assert.deepEqual(mid.requests[0].body, { status: { pauseConditions: null, currentStepIndex: 2 } })
  const full = promote(ro, { spec: { paused: true }, status: { currentPodHash: 'b', stableRS: 'a' } }, true)
  assert.equal(full.kubectl, 'kubectl argo rollouts promote demo --full')
  assert.deepEqual(
    full.requests.map((r) => [r.path, r.body]),
    [
      [`${roPath}/status`, { status: { promoteFull: true } }],
      [roPath, { spec: { paused: false } }],
    ],
  )
})

test('abort and retry: status.abort through the status subresource', () => {
  assert.deepEqual(abort(ro).requests[0].body, { status: { abort: true } })
  assert.equal(abort(ro).requests[0].path, `${roPath}/status`)
  assert.equal(abort(ro).kubectl, 'kubectl argo rollouts abort demo')
  assert.deepEqual(retry(ro).requests[0].body, { status: { abort: false } })
  assert.equal(retry(ro).kubectl, 'kubectl argo rollouts retry rollout demo')
})
