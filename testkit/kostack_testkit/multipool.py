"""Clusters with several Calico IPv4 pools (docs/engine.md, "Several IP pools").

The seed's pool 10.244.0.0/16 (pool A) sends natively (IPIP and VXLAN Never) and its pods'
addresses are covered by allowed pairs; a second pool 10.245.0.0/16 (pool B) is used by
pods on some nodes only (a nodeSelector: its blocks sit on those nodes), and each node's
first pod is pool A's, so a check that takes one pod per node never sees pool B.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack_testkit.builders import (
    _BASE_NODE_RULES,
    POD_CIDR,
    SERVICE_CIDR,
    SG_NODES,
    _custom_group_only,
    _pod,
    add_pairs,
    calico_pool,
    registry_doc,
    rule,
    synthetic_doc,
)

Doc = dict[str, Any]

POOL_B = "10.245.0.0/16"
POOL_B_NODES = ("k8s-w-2", "k8s-w-3")


def add_pool(
    doc: Doc,
    name: str,
    cidr: str,
    *,
    ipip: str = "Never",
    vxlan: str = "Never",
    nat_outgoing: bool = True,
) -> None:
    """A second (third...) Calico pool, listed in the cluster's pod CIDRs too."""
    calico = doc["cluster"]["cni"]["calico"]
    calico["ip_pools"].append(
        {
            "name": name,
            "cidr": cidr,
            "ipip_mode": ipip,
            "vxlan_mode": vxlan,
            "nat_outgoing": nat_outgoing,
            "block_size": 26,
            "source": "crd.projectcalico.org/v1 IPPool",
        }
    )
    doc["cluster"]["pod_cidrs"] = [*doc["cluster"]["pod_cidrs"], cidr]
    doc["cluster"]["cluster_cidrs"] = [*doc["cluster"].get("cluster_cidrs", []), cidr]


def _pool_b_pods(doc: Doc, nodes: tuple[str, ...] = POOL_B_NODES) -> None:
    """Pool B's block and one pod on each of ``nodes`` (listed after the nodes' other pods)."""
    names = [n["name"] for n in doc["cluster"]["nodes"]]
    for node in nodes:
        base = int(ipaddress.ip_network(POOL_B).network_address)
        cidr = ipaddress.ip_network((base + 256 * names.index(node), 26))
        doc["cluster"]["cni"]["calico"]["blocks"].append({"cidr": str(cidr), "node": node})
        doc["cluster"]["pods"].append(
            _pod("ipip-apps", f"legacy-{node[-3:].replace('-', '')}", node, str(cidr[4]), {})
        )


def two_pools(doc: Doc, *, ipip: str = "Always") -> None:
    """Pool A native with pairs for it; pool B (``ipip``) on k8s-w-2 and k8s-w-3."""
    pool = calico_pool(doc)
    pool["ipip_mode"], pool["vxlan_mode"], pool["nat_outgoing"] = "Never", "Never", True
    add_pool(doc, "ipip-pool", POOL_B, ipip=ipip)
    _pool_b_pods(doc)


def example_two_pools_ipip(doc: Doc) -> None:
    """IPIP Always on pool B and no IP protocol 4 rule; pool A's pods are admitted."""
    two_pools(doc)
    add_pairs(doc, [POD_CIDR, POOL_B, SERVICE_CIDR])
    _custom_group_only(doc, [*_BASE_NODE_RULES, *_pod_source_rules()])


def _pod_source_rules() -> list[dict[str, Any]]:
    """Ingress from both pools' pods (pool B's pods send natively to pool A's)."""
    return [rule(SG_NODES, "ingress", None, None, c) for c in (POD_CIDR, POOL_B)]


def two_pools_native_uncovered(doc: Doc) -> None:
    """Both pools native; the pairs and the pod-source rule cover pool A only."""
    two_pools(doc, ipip="Never")
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    _custom_group_only(doc, [*_BASE_NODE_RULES, *_pod_source_rules()])


MULTIPOOL_EXAMPLES = {
    "calico-two-pools-ipip-no-proto4": (
        "Two Calico pools: 10.244.0.0/16 native (pairs and rules for it), 10.245.0.0/16 IPIP "
        "Always on k8s-w-2 and k8s-w-3 only, and no IP protocol 4 rule: pool B's pods cannot "
        "reach each other across nodes.",
        example_two_pools_ipip,
    ),
    "calico-two-pools-native-no-pairs": (
        "Two Calico pools, both without encapsulation: allowed pairs for 10.244.0.0/16 only, so "
        "pods of 10.245.0.0/16 (on k8s-w-2 and k8s-w-3) are dropped by anti-spoofing.",
        two_pools_native_uncovered,
    ),
}


def multipool_example_doc(name: str) -> Doc:
    return registry_doc(MULTIPOOL_EXAMPLES, name)


def synthetic_multipool_doc(nodes: int, pods_per_node: int = 4) -> Doc:
    """builders.synthetic_doc with three pools on different node subsets: 10.128.0.0/10
    (every node, native), 10.64.0.0/12 IPIP Always on every third node, 10.80.0.0/12 VXLAN
    Always on every fifth; pairs for all three, TCP and DNS from 10.0.0.0/8 and no IP
    protocol 4 or UDP 4789 rule."""
    doc = synthetic_doc(nodes, groups=4, rules=20, pods_per_node=pods_per_node)
    pool = calico_pool(doc)
    pool["ipip_mode"], pool["vxlan_mode"], pool["nat_outgoing"] = "Never", "Never", True
    extra = (
        ("ipip-pool", "10.64.0.0/12", "Always", "Never", 3),
        ("vxlan-pool", "10.80.0.0/12", "Never", "Always", 5),
    )
    calico = doc["cluster"]["cni"]["calico"]
    for name, cidr, ipip, vxlan, every in extra:
        add_pool(doc, name, cidr, ipip=ipip, vxlan=vxlan)
        base = int(ipaddress.ip_network(cidr).network_address)
        for i, node in enumerate(doc["cluster"]["nodes"]):
            if i % every:
                continue
            block = ipaddress.ip_network((base + 64 * i, 26))
            calico["blocks"].append({"cidr": str(block), "node": node["name"]})
            doc["cluster"]["pods"].append(
                _pod("pool-apps", f"{name}-{i}", node["name"], str(block[2]), {})
            )
    add_pairs(doc, ["10.128.0.0/10", *(cidr for _n, cidr, *_rest in extra)])
    for sg in doc["openstack"]["security_groups"]:  # the tunnels need their own rules
        sg["rules"] = [r for r in sg["rules"] if r.get("remote_group_id") is None]
        sg["rules"] += [
            rule(sg["id"], "ingress", "tcp", None, "10.0.0.0/8"),
            rule(sg["id"], "ingress", "udp", 53, "10.0.0.0/8"),
        ]
    return doc
