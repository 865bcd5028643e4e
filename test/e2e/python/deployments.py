"""The official Python client drives a Deployment through a rolling update on kubelite.

Usage: python3 deployments.py KUBECONFIG. Prints one line per check; exits non-zero on a failure.
"""
import sys
import time

from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
apps = client.AppsV1Api()
core = client.CoreV1Api()


def wait_rolled_out(want_image):
    for _ in range(300):
        d = apps.read_namespaced_deployment("py", "default")
        s = d.status
        if (s.observed_generation == d.metadata.generation and s.replicas == 3 and s.updated_replicas == 3
                and s.available_replicas == 3 and d.spec.template.spec.containers[0].image == want_image):
            return d
        time.sleep(0.1)
    raise SystemExit("not rolled out: %s" % d.status)


container = client.V1Container(name="web", image="gcr.io/google-samples/kubernetes-bootcamp:v1")
body = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py"),
    spec=client.V1DeploymentSpec(
        replicas=3,
        selector=client.V1LabelSelector(match_labels={"app": "py"}),
        template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "py"}), spec=client.V1PodSpec(containers=[container])),
    ),
)
apps.create_namespaced_deployment("default", body)
d = wait_rolled_out("gcr.io/google-samples/kubernetes-bootcamp:v1")
print("conditions", sorted((c.type, c.status, c.reason) for c in d.status.conditions))

apps.patch_namespaced_deployment("py", "default", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "jocatalin/kubernetes-bootcamp:v2"}]}}}})
d = wait_rolled_out("jocatalin/kubernetes-bootcamp:v2")
print("revision", d.metadata.annotations["deployment.kubernetes.io/revision"])
rss = apps.list_namespaced_replica_set("default", label_selector="app=py").items
print("replicasets", sorted((r.spec.replicas, r.metadata.annotations["deployment.kubernetes.io/revision"], r.metadata.owner_references[0].kind) for r in rss))
pods = [p for p in core.list_namespaced_pod("default", label_selector="app=py").items if p.metadata.deletion_timestamp is None]
print("pods", len(pods), sorted({p.metadata.owner_references[0].name == [r for r in rss if r.spec.replicas == 3][0].metadata.name for p in pods}))
events = core.list_namespaced_event("default", field_selector="involvedObject.kind=Deployment,involvedObject.name=py").items
print("first event", sorted(events, key=lambda e: e.first_timestamp)[0].message.split(" from ")[1])
scale = apps.read_namespaced_deployment_scale("py", "default")
print("scale", scale.spec.replicas, scale.status.replicas, scale.status.selector)
apps.delete_namespaced_deployment("py", "default", propagation_policy="Foreground")
for _ in range(300):
    if not apps.list_namespaced_replica_set("default", label_selector="app=py").items:
        break
    time.sleep(0.1)
print("replicasets after delete", len(apps.list_namespaced_replica_set("default", label_selector="app=py").items))
