"""The official Python client's spellings of the protocol: booleans as `True`, a watch stream, exec
over a WebSocket, and a followed log. Each was broken once (issue: query booleans).

Usage: python3 protocol.py KUBECONFIG POD. Prints one line per check; exits non-zero on a failure.
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.stream import stream

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
pod = sys.argv[2]

# watch=True: the stream must carry the ConfigMap created after it opened.
w = watch.Watch()
def later():
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-watched")))
timer = threading.Timer(0.5, later)
timer.start()
seen = None
for ev in w.stream(core.list_namespaced_config_map, "default", timeout_seconds=20):
    if ev["object"].metadata.name == "py-watched":
        seen = ev["type"]
        w.stop()
print("watch", seen)

# exec with stdout=True, stderr=True over the WebSocket the client speaks.
out = stream(core.connect_get_namespaced_pod_exec, pod, "default", command=["echo", "hello from exec"],
             stderr=True, stdin=False, stdout=True, tty=False)
print("exec", out.strip())

# follow=True: the log stream stays open and yields the first line.
resp = core.read_namespaced_pod_log(pod, "default", follow=True, _preload_content=False)
first = next(resp.stream()).decode().splitlines()[0]
resp.release_conn()
print("log", first.split(" At:")[0])
