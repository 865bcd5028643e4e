// Peers' figures that cannot be measured here (they need Docker or a VM): quoted from what their
// projects published, with the source, never estimated. Where no published figure was found the
// entry says so. Checked 2026-12-07.
import type { Entry } from './results.js'

const minikubeTimeToK8s = 'https://github.com/kubernetes/minikube/commit/ac79ca2299263a7451a3d8014a353a48c1436bd2'
const k3sProfiling = 'https://docs.k3s.io/reference/resource-profiling'

/** Time from the start command to a cluster that answers (seconds). */
export const quotedStart: Entry[] = [
  {
    name: 'minikube v1.26.1',
    kind: 'quoted',
    value: 29.525,
    source: minikubeTimeToK8s,
    detail: "minikube's time-to-k8s benchmark, \"Command Exec\" (docker driver), its own CI machine",
  },
  {
    name: 'kind v0.14.0',
    kind: 'quoted',
    value: 20.986,
    source: minikubeTimeToK8s,
    detail: "measured by minikube's time-to-k8s benchmark, \"Command Exec\"; kind publishes no figure of its own",
  },
  {
    name: 'k3s (as k3d v5.4.4)',
    kind: 'quoted',
    value: 14.7,
    source: minikubeTimeToK8s,
    detail: "measured by minikube's time-to-k8s benchmark, \"Command Exec\"; k3s's docs publish no start time",
  },
  { name: 'kwokctl', kind: 'missing', source: 'no published figure (its docs say "in seconds", no number)' },
]

/** Memory of the whole idle cluster (MB). */
export const quotedRss: Entry[] = [
  {
    name: 'k3s v1.26.5 server',
    kind: 'quoted',
    value: 1596,
    source: k3sProfiling,
    detail: 'minimum RAM, Kine/SQLite, server with a workload (Prometheus + Grafana, an nginx Deployment), AWS c6id.xlarge',
  },
  { name: 'k3s agent', kind: 'quoted', value: 275, source: k3sProfiling, detail: 'minimum RAM of an agent (kubelet + k3s agent) alone' },
  { name: 'kind', kind: 'missing', source: 'no published figure' },
  { name: 'minikube', kind: 'missing', source: 'no published figure' },
  { name: 'kwokctl', kind: 'missing', source: 'no published figure' },
]
