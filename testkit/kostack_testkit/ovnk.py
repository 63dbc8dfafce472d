"""Clusters whose CNI is OVN-Kubernetes, built from the seed's snapshot.

OpenShift's defaults (cluster-network-operator bindata/network/ovn-kubernetes/self-hosted/
004-config.yaml, pkg/network/ovn_kubernetes.go): Geneve on UDP 6081 between the nodes'
addresses, gateway mode shared (routingViaHost false), the pods' MTU the network's minus 100,
no kube-proxy (OVN's load balancers serve Services). Each node's pods take addresses from its
annotation k8s.ovn.org/node-subnets (docs/facts.md "OVN-Kubernetes").
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, registry_doc
from kostack_testkit.kuberouter import geneve_groups, swap_cni

Doc = dict[str, Any]

NAMESPACE = "openshift-ovn-kubernetes"
LABELS = {"app": "ovnkube-node", "component": "network", "type": "infra"}


def ovnk_settings(doc: Doc, **settings: Any) -> Doc:
    """OVN-Kubernetes' settings as kostack reads OpenShift's ovnkube.conf: each node's
    node-subnets its seed podCIDR, the pods' MTU the network's minus 100."""
    net_mtu = doc["openstack"]["networks"][0]["mtu"]
    ovnk = {
        "config_map": f"{NAMESPACE}/ovnkube-config",
        "encap_type": "geneve",
        "encap_port": 6081,
        "transport": "",
        "mtu": net_mtu - 100,
        "gateway_mode": "shared",
        "disable_snat_multiple_gws": False,
        "cluster_subnets": [POD_CIDR],
        "host_prefixes": [24],
        "service_cidrs": [SERVICE_CIDR],
        "ipsec": False,
        "node_subnets": {n["name"]: list(n["pod_cidrs"]) for n in doc["cluster"]["nodes"]},
    }
    ovnk.update(settings)
    return {"type": "ovn-kubernetes", "ovn_kubernetes": ovnk}


def as_ovnk(doc: Doc, **settings: Any) -> None:
    """The seed's cluster with OVN-Kubernetes instead of Calico: pods keep their addresses
    (each inside its node's node-subnets), the agent pods are ovnkube-node's, and no
    kube-proxy runs."""
    swap_cni(doc, ovnk_settings(doc, **settings), "ovnkube-node-", LABELS)
    cluster = doc["cluster"]
    cluster["pod_cidrs_source"] = "k8s.ovn.org/node-subnets"
    cluster["kube_proxy_mode"] = "none"
    for pod in cluster["pods"]:
        if pod["name"].startswith("ovnkube-node-"):
            pod["namespace"] = NAMESPACE


def geneve_blocked(doc: Doc) -> None:
    """OVN-Kubernetes' defaults (Geneve between all nodes), and the nodes only in a group that
    admits no UDP 6081 from one another."""
    as_ovnk(doc)
    geneve_groups(doc, admitted=False)


def geneve_fixed(doc: Doc) -> None:
    """OVN-Kubernetes' defaults with UDP 6081 admitted between the nodes."""
    as_ovnk(doc)
    geneve_groups(doc, admitted=True)


OVNK_EXAMPLES = {
    "ovnk-geneve-blocked": (
        "OVN-Kubernetes with OpenShift's defaults (Geneve on UDP 6081 between the nodes, "
        "gateway mode shared, no kube-proxy): the nodes' only group admits no UDP 6081 from "
        "one another.",
        geneve_blocked,
    ),
    "ovnk-healthy": (
        "OVN-Kubernetes with OpenShift's defaults, UDP 6081 admitted between the nodes and the "
        "pods' MTU the network's minus 100: healthy.",
        geneve_fixed,
    ),
}
# Their fixed states, for the tests (not examples).
FIXED = {"ovnk-geneve-blocked": geneve_fixed}


def ovnk_example_doc(name: str) -> Doc:
    return registry_doc(OVNK_EXAMPLES, name)


def ovnk_doc(edit: Any) -> Doc:
    """The seed edited by ``edit`` (one of this module's builders)."""
    return registry_doc({"ovnk": ("an OVN-Kubernetes cluster", edit)}, "ovnk")
