"""Whether kubeadm made the cluster (model/cluster.py `kubeadm`): the ConfigMap
kube-system/kubeadm-config read. kubeadm runs kube-proxy only as its DaemonSet, so with this
ConfigMap there and neither kube-proxy's pods nor its ConfigMap, nothing serves Services
(analyze/engine/service_proxy.py); without it kube-proxy may be a systemd unit."""

from __future__ import annotations

from k8s_collect_served import ServeFn

from kostack_testkit.k8s_fixture_objects import JsonObject
from kostack_testkit.k8s_fixtures import calico_manifest_cluster


def _without_kubeadm_config() -> list[JsonObject]:
    return [
        o
        for o in calico_manifest_cluster()
        if not (o["kind"] == "ConfigMap" and o["metadata"]["name"] == "kubeadm-config")
    ]


def test_kubeadm_config_read_says_kubeadm(serve: ServeFn) -> None:
    assert serve(calico_manifest_cluster()).collect().cluster.kubeadm is True
    assert serve(_without_kubeadm_config()).collect().cluster.kubeadm is False


def test_a_denied_read_says_nothing(serve: ServeFn) -> None:
    denied = serve(calico_manifest_cluster())
    denied.api.inject_fault("", "configmaps", status=403, name="kubeadm-config")
    assert denied.collect().cluster.kubeadm is None
