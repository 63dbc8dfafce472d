"""Start/stop, pods created by probe runners, pod logs and watches."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from kostack_testkit.k8s_fixtures import flannel_cluster, seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


def double_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("kube-api-double:")]


def client_for(api: KubeApiDouble, tmp_path: Path) -> kubernetes.client.ApiClient:
    path = api.write_kubeconfig(tmp_path / f"kubeconfig-{api.port}")
    return kubernetes.config.new_client_from_config(config_file=str(path), context=api.context_name)


def test_stop_leaves_nothing_listening(tmp_path: Path) -> None:
    before = double_threads()
    api = KubeApiDouble(seed_cluster()).start()
    port = api.port
    client = client_for(api, tmp_path)
    assert kubernetes.client.CoreV1Api(client).list_node().items  # keep-alive connection open
    watch = kubernetes.watch.Watch()
    stream = watch.stream(kubernetes.client.CoreV1Api(client).list_namespaced_pod, "demo")
    assert next(stream)["type"] == "ADDED"  # a watch in flight must not block stop()
    assert len(double_threads()) == len(before) + 1
    api.stop()
    assert double_threads() == before
    assert not api.running
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass
    api.stop()  # idempotent
    watch.stop()
    client.close()


def test_context_manager_and_restart(tmp_path: Path) -> None:
    api = KubeApiDouble(flannel_cluster())
    with api:
        first_port = api.port
        client = client_for(api, tmp_path)
        kubernetes.client.CoreV1Api(client).create_namespace({"metadata": {"name": "kept"}})
        client.close()
    with pytest.raises(RuntimeError):
        api.port  # noqa: B018 - the property raises when stopped
    with api.start():
        client = client_for(api, tmp_path)
        names = {
            n.metadata.name for n in kubernetes.client.CoreV1Api(client).list_namespace().items
        }
        assert "kept" in names  # objects survive a restart
        client.close()
    assert first_port > 0
    with api, pytest.raises(RuntimeError, match="already running"):
        api.start()
    assert not api.running


def test_two_doubles_run_side_by_side(tmp_path: Path) -> None:
    with KubeApiDouble(seed_cluster()) as seed, KubeApiDouble(flannel_cluster()) as flannel:
        assert seed.port != flannel.port
        seed_core = kubernetes.client.CoreV1Api(client_for(seed, tmp_path))
        flannel_core = kubernetes.client.CoreV1Api(client_for(flannel, tmp_path))
        assert seed_core.list_namespaced_config_map("kube-flannel").items == []
        assert flannel_core.list_namespaced_config_map("kube-flannel").items


def probe_pod(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "kostack-probe"}},
        "spec": {"containers": [{"name": "probe", "image": "nicolaka/netshoot:v0.13"}], **spec},
    }


def test_created_pods_run_with_an_ip_from_their_node(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    pending = core.create_namespaced_pod("demo", probe_pod("before-hook"))
    assert pending.status.phase == "Pending" and pending.status.pod_ip is None
    seed_api.start_pods_on_create()
    pinned = core.create_namespaced_pod("demo", probe_pod("on-w1", nodeName="k8s-w-1"))
    assert pinned.status.phase == "Running"
    assert pinned.status.host_ip == "10.0.0.12"
    # Taken on k8s-w-1: .0 (VXLAN tunnel), .2 (CoreDNS), .7 (netshoot).
    assert pinned.status.pod_ip == "10.244.1.3"
    assert all(c.status == "True" for c in pinned.status.conditions)
    assert pinned.status.container_statuses[0].ready is True
    scheduled = core.create_namespaced_pod("demo", probe_pod("anywhere"))
    assert scheduled.spec.node_name in {"k8s-w-2", "k8s-w-3"}  # least loaded, not the tainted cp
    on_cp = core.create_namespaced_pod(
        "demo",
        probe_pod(
            "on-cp",
            nodeSelector={"kubernetes.io/hostname": "k8s-cp-1"},
            tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}],
        ),
    )
    assert (on_cp.spec.node_name, on_cp.status.pod_ip) == ("k8s-cp-1", "10.244.0.3")
    host = core.create_namespaced_pod(
        "demo", probe_pod("host", hostNetwork=True, nodeName="k8s-w-3")
    )
    assert host.status.pod_ip == "10.0.0.14"
    nowhere = core.create_namespaced_pod("demo", probe_pod("nowhere", nodeSelector={"x": "y"}))
    assert nowhere.status.phase == "Pending"
    assert nowhere.status.conditions[0].reason == "Unschedulable"
    running = core.list_namespaced_pod("demo", field_selector="status.phase=Running")
    assert {p.metadata.name for p in running.items} == {
        "netshoot",
        "on-w1",
        "anywhere",
        "on-cp",
        "host",
    }


def test_a_custom_create_hook(seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api) -> None:
    def fail_image_pull(pod: dict[str, Any]) -> None:
        pod["status"]["containerStatuses"] = [
            {
                "name": "probe",
                "image": "nicolaka/netshoot:v0.13",
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff"}},
            }
        ]

    seed_api.on_create("", "pods", fail_image_pull)
    pod = core.create_namespaced_pod("demo", probe_pod("stuck"))
    assert pod.status.container_statuses[0].state.waiting.reason == "ImagePullBackOff"


def test_pod_logs(seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api) -> None:
    seed_api.set_pod_log("demo", "netshoot", "line 1\nline 2\nline 3\n")
    assert core.read_namespaced_pod_log("netshoot", "demo") == "line 1\nline 2\nline 3\n"
    assert core.read_namespaced_pod_log("netshoot", "demo", tail_lines=2) == "line 2\nline 3\n"
    assert core.read_namespaced_pod_log("netshoot", "demo", container="netshoot").startswith(
        "line 1"
    )
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_pod_log("netshoot", "demo", previous=True)
    assert raised.value.status == 400
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_pod_log("missing", "demo")
    assert raised.value.status == 404
    two = probe_pod("two")
    two["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    core.create_namespaced_pod("demo", two)
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_pod_log("two", "demo")
    assert raised.value.status == 400
    assert "choose one of: [probe sidecar]" in raised.value.body
    seed_api.set_pod_log("demo", "two", "sidecar says hi\n", container="sidecar")
    assert core.read_namespaced_pod_log("two", "demo", container="sidecar") == "sidecar says hi\n"
    assert core.read_namespaced_pod_log("two", "demo", container="probe") == ""


def test_watch_streams_changes_after_a_list(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    listed = core.list_namespaced_config_map("demo")
    writer_done = threading.Event()

    def writer() -> None:
        # Runs once the watch below has received its first event.
        core.create_namespaced_config_map("demo", {"metadata": {"name": "second"}, "data": {}})
        core.delete_namespaced_config_map("first", "demo")
        writer_done.set()

    core.create_namespaced_config_map("demo", {"metadata": {"name": "first"}, "data": {}})
    events: list[tuple[str, str]] = []
    watch = kubernetes.watch.Watch()
    for event in watch.stream(
        core.list_namespaced_config_map,
        "demo",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=10,
    ):
        events.append((event["type"], event["object"].metadata.name))
        if len(events) == 1:
            threading.Thread(target=writer).start()
        if len(events) == 3:
            watch.stop()
    assert writer_done.wait(5)
    assert events == [("ADDED", "first"), ("ADDED", "second"), ("DELETED", "first")]


def test_watch_filters_by_label_and_ends_at_its_timeout(core: kubernetes.client.CoreV1Api) -> None:
    watch = kubernetes.watch.Watch()
    seen = [
        event["object"].metadata.name
        for event in watch.stream(
            core.list_pod_for_all_namespaces, label_selector="k8s-app=kube-dns", timeout_seconds=1
        )
    ]
    assert len(seen) == 2 and all(name.startswith("coredns-") for name in seen)
