"""Clusters whose CNI is kube-router (k0s's default), built from the seed's snapshot.

k0s runs kube-router as DaemonSet kube-system/kube-router with its defaults: routes learned
over an iBGP full mesh on TCP 179, native routing between nodes of one subnet (the pod's
own source address on the wire), IPIP to nodes of another subnet, pod egress masqueraded.
Each node's pods take addresses from its Node spec.podCIDR (docs/facts.md "kube-router").
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import (
    _BASE_NODE_RULES,
    POD_CIDR,
    SERVICE_CIDR,
    SG_NODES,
    _custom_group_only,
    add_pairs,
    registry_doc,
    rule,
)

Doc = dict[str, Any]

K0S_VERSION = "v2.10.0-iptables1.8.13-k0s.1"


def k0s_kube_router(**settings: Any) -> Doc:
    """kube-router's settings as kostack reads k0s's DaemonSet (defaults where k0s passes none)."""
    kube_router = {
        "run_router": True,
        "enable_overlay": True,
        "overlay_type": "subnet",
        "overlay_encap": "ipip",
        "overlay_encap_port": 5555,
        "enable_pod_egress": True,
        "bgp_port": 179,
        "nodes_full_mesh": True,
        "enable_ibgp": True,
        "peer_router_ips": [],
        "cluster_asn": None,
        "run_service_proxy": False,
        "auto_mtu": True,
        "enable_ipv4": True,
        "enable_ipv6": False,
        "bundle": "k0s",
    }
    kube_router.update(settings)
    return {
        "type": "kube-router",
        "version": K0S_VERSION,
        "version_source": f"image quay.io/k0sproject/kube-router:{K0S_VERSION}",
        "kube_router": kube_router,
    }


def as_kube_router(doc: Doc, **settings: Any) -> None:
    """The seed's cluster with kube-router instead of Calico: pods keep their addresses (each
    inside its node's podCIDR), the agent pods are kube-router's."""
    swap_cni(
        doc, k0s_kube_router(**settings), "kube-router-", {"k8s-app": "kube-router", "tier": "node"}
    )


def swap_cni(doc: Doc, cni: Doc, agent_prefix: str, labels: dict[str, str]) -> None:
    """The seed's cluster with another CNI whose pod ranges are the Nodes' spec.podCIDR: the
    CNI record replaced, calico-node's pods renamed and relabelled as the agent's."""
    cluster = doc["cluster"]
    cluster["cni"] = cni
    cluster["pod_cidrs_source"] = "Node spec.podCIDR"
    for pod in cluster["pods"]:
        if pod["name"].startswith("calico-node-"):
            pod["name"] = pod["name"].replace("calico-node-", agent_prefix)
            pod["labels"] = dict(labels)


# The seed's node rules without Calico's (BGP 179, Typha 5473).
NON_CALICO_NODE_RULES = [r for r in _BASE_NODE_RULES if r["port_range_min"] not in (179, 5473)]


def geneve_groups(doc: Doc, admitted: bool) -> None:
    """The nodes only in a group of the seed's rules without Calico's, admitting UDP 6081
    (Geneve) between them or not (Antrea's and Kube-OVN's default tunnel)."""
    geneve = [rule(SG_NODES, "ingress", "udp", 6081, group=SG_NODES)] if admitted else []
    _custom_group_only(doc, [*NON_CALICO_NODE_RULES, *geneve])


def no_pairs_no_bgp(doc: Doc) -> None:
    """The seed's breakage under kube-router: no allowed pairs, and the nodes only in a group
    that admits no TCP 179 (nor anything from the pods' addresses)."""
    as_kube_router(doc)
    _custom_group_only(doc, list(NON_CALICO_NODE_RULES))


def fixed(doc: Doc) -> None:
    """kube-router on the seed, fixed: pod and service CIDR pairs, TCP 179 between the nodes
    and ingress from the pods' addresses."""
    as_kube_router(doc)
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    rules = [r for r in _BASE_NODE_RULES if r["port_range_min"] != 5473]
    _custom_group_only(doc, [*rules, rule(SG_NODES, "ingress", None, None, POD_CIDR)])


def bgp_one_way(doc: Doc) -> None:
    """kube-router fixed, but the nodes admit TCP 179 only from k8s-cp-1, k8s-w-1 and k8s-w-2:
    k8s-w-3 can open no session, the others open theirs to it, so every session comes up."""
    fixed(doc)
    ips = {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"] = [r for r in group["rules"] if r["port_range_min"] != 179]
    group["rules"] += [
        rule(SG_NODES, "ingress", "tcp", 179, f"{ips[n]}/32", name=n)
        for n in ("k8s-cp-1", "k8s-w-1", "k8s-w-2")
    ]


KUBE_ROUTER_EXAMPLES = {
    "kube-router-no-pairs-no-bgp": (
        "k0s with kube-router (its defaults: native routing within the subnet, iBGP mesh on "
        "TCP 179): no allowed address pairs, and the nodes' only group admits no TCP 179 and "
        "nothing from the pod range.",
        no_pairs_no_bgp,
    ),
    "kube-router-fixed": (
        "k0s with kube-router after the fix: pod and service CIDR pairs, TCP 179 between the "
        "nodes, ingress from the pod range.",
        fixed,
    ),
    "kube-router-bgp-one-way": (
        "kube-router fixed, but TCP 179 is admitted only from k8s-cp-1, k8s-w-1 and k8s-w-2: "
        "k8s-w-3 opens no BGP session itself, the other nodes open theirs to it (GoBGP peers "
        "are active at both ends), so every session comes up.",
        bgp_one_way,
    ),
}


def kube_router_example_doc(name: str) -> Doc:
    return registry_doc(KUBE_ROUTER_EXAMPLES, name)
