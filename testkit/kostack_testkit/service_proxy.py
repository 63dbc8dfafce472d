"""Clusters where nothing serves Services (analyze/engine/service_proxy.py, check
net-service-proxy): kube-proxy removed under a CNI that does not replace it.

They start from the seed with its allowed address pairs fixed (Calico in its iptables data
plane, pod to pod healthy, no load balancer) and change the cluster only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, add_pairs, registry_doc, seed_doc

Doc = dict[str, Any]


def healthy() -> Doc:
    """The seed after its recommended fix (the pod and service ranges paired on every port)."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    return doc


def calico_no_proxy(doc: Doc) -> None:
    """kube-proxy's pods gone (its DaemonSet kept off every node by Calico's nodeSelector, or
    deleted) and its ConfigMap (mode iptables) kept, Calico in its iptables data plane."""
    doc["cluster"]["kube_proxy_pods"] = 0


def calico_proxy_back(doc: Doc) -> None:
    """The fix: kube-proxy's pods run again, one per node."""
    doc["cluster"]["kube_proxy_pods"] = len(doc["cluster"]["nodes"])


def kubeadm_unseen(doc: Doc) -> None:
    """No kube-proxy pod and no ConfigMap on a kubeadm cluster (kubeadm-config read)."""
    cl = doc["cluster"]
    cl["kube_proxy_pods"] = 0
    cl["kube_proxy_mode"] = None
    cl["kube_proxy_absent"] = True
    cl["kubeadm"] = True


def unseen(doc: Doc) -> None:
    """The same on a cluster not known to be kubeadm's: kube-proxy may be a systemd unit."""
    kubeadm_unseen(doc)
    doc["cluster"]["kubeadm"] = False


SERVICE_PROXY_EXAMPLES = {
    "calico-no-service-proxy": (
        "Calico in its iptables data plane, pod to pod healthy, no load balancer; kube-proxy's "
        "pods gone while its ConfigMap (mode iptables) is kept: nothing serves ClusterIPs, DNS "
        "and the kubernetes Service fail everywhere.",
        calico_no_proxy,
    ),
}


def service_proxy_example_doc(name: str) -> Doc:
    return registry_doc(SERVICE_PROXY_EXAMPLES, name, healthy)


def service_proxy_doc(edit: Callable[[Doc], None]) -> Doc:
    """The healthy seed with ``edit`` applied."""
    doc = healthy()
    edit(doc)
    return doc
