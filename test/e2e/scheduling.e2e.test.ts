// The scheduler through the real kubectl: preemption of a low-priority pod by a high-priority one
// (Preempted event, DisruptionTarget condition, nominatedNodeName), a WaitForFirstConsumer claim
// bound for the node the scheduler picked before the pod is bound, an unbound immediate claim
// keeping its pod Pending with upstream's message, and a StatefulSet pod kept on the node of its
// volume (`--nodes 2`).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const priorityClasses = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: low
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high
value: 1000000
`

// The victim ignores SIGTERM for a while, so its termination (and the DisruptionTarget condition
// on it) can be looked at before the grace period ends.
const busyPod = (name: string, priorityClass: string, cpu: string, grace: number) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  priorityClassName: ${priorityClass}
  terminationGracePeriodSeconds: ${grace}
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
    resources:
      requests:
        cpu: ${cpu}
`

describe('scheduling: preemption and volumes (one node)', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('a high-priority pod that fits nowhere preempts a low-priority one', async () => {
    const node = (await json('get', 'nodes')).items[0]
    const nodeName = node.metadata.name as string
    // 60% of the node's cpu each: the two cannot run side by side.
    const cpu = String(node.status.allocatable.cpu)
    const milli = cpu.endsWith('m') ? Number.parseInt(cpu, 10) : Number(cpu) * 1000
    const want = `${Math.floor(milli * 0.6)}m`
    await c.k('apply', '-f', c.file('pc.yaml', priorityClasses))
    await c.k('apply', '-f', c.file('low.yaml', busyPod('low', 'low', want, 6)))
    await c.k('wait', '--for=condition=Ready', 'pod/low', '--timeout=60s')
    const low = await json('get', 'pod', 'low')

    await c.k('apply', '-f', c.file('high.yaml', busyPod('high', 'high', want, 1)))
    const high = await json('get', 'pod', 'high')
    assert.equal(high.spec.priority, 1000000)

    // While the victim terminates: the preemptor is nominated, the victim carries DisruptionTarget.
    const nominated = await until('high nominated', async () => {
      const p = await json('get', 'pod', 'high')
      return p.status?.nominatedNodeName ? p : undefined
    })
    assert.equal(nominated.status.nominatedNodeName, nodeName)
    assert.equal(nominated.spec.nodeName, undefined)
    const wide = await c.k('get', 'pod', 'high', '-o', 'wide')
    assert.match(wide.split('\n')[0], /NOMINATED NODE/)
    assert.match(wide.split('\n')[1], new RegExp(`^high\\s+0/1\\s+Pending\\s+0\\s+\\S+\\s+<none>\\s+<none>\\s+${nodeName}\\s+<none>$`))

    const describe = await c.k('describe', 'pod', 'low')
    assert.match(describe, /Status:\s+Terminating/)
    assert.match(describe, /Conditions:\n\s+Type\s+Status\n(?:\s+\S+\s+\S+\n)*\s+DisruptionTarget\s+True/)
    const cond = (await json('get', 'pod', 'low')).status.conditions.find((x: Obj) => x.type === 'DisruptionTarget')
    assert.deepEqual([cond.status, cond.reason, cond.message], ['True', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod'])

    const events = await c.k('get', 'events', '--field-selector', 'involvedObject.name=low')
    assert.match(events, new RegExp(`Normal\\s+Preempted\\s+pod/low\\s+Preempted by pod ${high.metadata.uid} on node ${nodeName}`))
    const failed = await c.k('get', 'events', '--field-selector', 'involvedObject.name=high,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}')
    assert.match(failed, /0\/1 nodes are available: 1 Insufficient cpu\./)

    // Once the victim is gone the preemptor runs there.
    await c.k('wait', '--for=delete', `pod/low`, '--timeout=60s')
    await c.k('wait', '--for=condition=Ready', 'pod/high', '--timeout=60s')
    const running = await json('get', 'pod', 'high')
    assert.equal(running.spec.nodeName, nodeName)
    assert.notEqual(low.metadata.uid, running.metadata.uid)

    // A new low-priority pod does not fit and cannot preempt the high one.
    await c.k('apply', '-f', c.file('low2.yaml', busyPod('low', 'low', want, 1)))
    const msg = await until('low unschedulable', async () => {
      const p = await json('get', 'pod', 'low')
      return p.status?.conditions?.find((x: Obj) => x.type === 'PodScheduled' && x.status === 'False')?.message
    })
    assert.equal(msg, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.')
    await c.k('delete', 'pod', 'low', 'high', '--wait=false')
  })

  test('WaitForFirstConsumer: the scheduler selects the node, the claim is bound before the pod', async () => {
    await c.k('apply', '-f', c.file('claim.yaml', `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`))
    assert.match(await c.k('get', 'sc', 'standard'), /WaitForFirstConsumer/)
    await until('the WaitForFirstConsumer event', async () => ((await c.k('describe', 'pvc', 'data')).includes('waiting for first consumer to be created before binding') ? true : undefined))
    assert.equal((await json('get', 'pvc', 'data')).metadata.annotations?.['volume.kubernetes.io/selected-node'], undefined)
    await c.k('apply', '-f', c.file('user.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: user
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    volumeMounts:
    - name: d
      mountPath: /data
  volumes:
  - name: d
    persistentVolumeClaim:
      claimName: data
`))
    await c.k('wait', '--for=condition=Ready', 'pod/user', '--timeout=60s')
    const pod = await json('get', 'pod', 'user')
    const pvc = await json('get', 'pvc', 'data')
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], pod.spec.nodeName)
    assert.equal(pvc.status.phase, 'Bound')
    const pv = await json('get', 'pv', pvc.spec.volumeName)
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [pod.spec.nodeName] }] }])
    // Bound before the pod was: the kubelet never waited on an unbound claim.
    const events = await c.k('get', 'events', '--field-selector', 'involvedObject.name=user')
    assert.doesNotMatch(events, /FailedMount/)
    assert.match(events, /Scheduled\s+pod\/user\s+Successfully assigned default\/user to/)
    await c.k('delete', 'pod', 'user', '--wait=false')
  })

  test('an unbound immediate claim keeps its pod Pending with upstream message', async () => {
    await c.k('apply', '-f', c.file('manual.yaml', `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: manual
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: manual
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: waiter
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
  volumes:
  - name: d
    persistentVolumeClaim:
      claimName: manual
`))
    const message = 'pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.'
    await until('FailedScheduling', async () => ((await c.k('describe', 'pod', 'waiter')).includes(`default-scheduler  0/1 nodes are available: ${message}`) ? true : undefined))
    assert.match(await c.k('get', 'pod', 'waiter'), /waiter\s+0\/1\s+Pending/)

    // A volume for it: the binder binds the claim and the pod is scheduled.
    await c.k('apply', '-f', c.file('manual-pv.yaml', `apiVersion: v1
kind: PersistentVolume
metadata:
  name: manual-pv
spec:
  storageClassName: manual
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: ${c.dir}/manual-pv
`))
    await until('waiter scheduled', async () => ((await json('get', 'pod', 'waiter')).spec.nodeName ? true : undefined), 60_000)
    await c.k('delete', 'pod', 'waiter', '--wait=false')
  })
})

const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "sleep 3600"]
        volumeMounts:
        - name: data
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`

describe('scheduling: volume node affinity (two nodes)', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))

  before(async () => {
    c = await startCluster(['--nodes', '2'])
    await until('two nodes', async () => ((await json('get', 'nodes')).items.length === 2 ? true : undefined))
  })
  after(async () => {
    await c?.destroy()
  })

  test('a StatefulSet pod stays on the node of its volume', async () => {
    await c.k('apply', '-f', c.file('db.yaml', statefulSet))
    await until('db-0 exists', async () => ((await c.kubectl(['get', 'pod', 'db-0'])).code === 0 ? true : undefined))
    await c.k('wait', '--for=condition=Ready', 'pod/db-0', '--timeout=60s')
    const first = await json('get', 'pod', 'db-0')
    const home = first.spec.nodeName as string
    const pvName = (await json('get', 'pvc', 'data-db-0')).spec.volumeName
    assert.deepEqual((await json('get', 'pv', pvName)).spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [home])

    // Its node cordoned, the replacement pod has nowhere to go.
    await c.k('cordon', home)
    await c.k('delete', 'pod', 'db-0')
    const message = await until(
      'db-0 Pending',
      async () => {
        const p = await c.kubectl(['get', 'pod', 'db-0', '-o', 'json'])
        if (p.code !== 0) return undefined
        const pod = JSON.parse(p.stdout)
        if (pod.metadata.uid === first.metadata.uid) return undefined
        return pod.status?.conditions?.find((x: Obj) => x.type === 'PodScheduled' && x.status === 'False')?.message
      },
      60_000,
    )
    assert.equal(message, '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.')
    assert.match(await c.k('get', 'events', '--field-selector', 'involvedObject.name=db-0,reason=FailedScheduling'), /volume node affinity conflict/)

    await c.k('uncordon', home)
    await c.k('wait', '--for=condition=Ready', 'pod/db-0', '--timeout=60s')
    assert.equal((await json('get', 'pod', 'db-0')).spec.nodeName, home)
  })
})
