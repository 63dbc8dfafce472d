"""The seed as a dual-stack cluster (kubeadm ``podSubnet: "10.244.0.0/16,fd00:10:244::/56"``):
an IPv6 subnet on the node network, an IPv6 InternalIP, pod block and pod address per node,
Calico's second IP pool, dual-stack Services. Written as schema_version 3 documents.

Addresses follow docs/facts.md ("IPv6"): node n (1..4) has fd00:0:0:1::1n on the DHCPv6-stateful
subnet fd00:0:0:1::/64 (a SLAAC subnet would not do: Neutron refuses a chosen address on it,
AllocationOnAutoAddressSubnet, pinned in tests/fix/test_apply_dualstack.py); its pods get
fd00:10:244:0:0:0:0:n00 and up, from a /122 Calico block (Calico's IPv6 default block size).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack_testkit.builders import (
    NET_ID,
    POD_CIDR,
    SERVICE_CIDR,
    add_pairs,
    fake_id,
    registry_doc,
    seed_doc,
)

Doc = dict[str, Any]

POD_CIDR_V6 = "fd00:10:244::/56"
SERVICE_CIDR_V6 = "fd00:10:96::/112"
NODE_SUBNET_V6 = "fd00:0:0:1::/64"
SUBNET_V6_ID = fake_id("subnet", "k8s-subnet-v6")
BLOCK_PREFIX_V6 = 122


def node_ip_v6(index: int) -> str:
    """Node ``index`` (0-based, in the seed's order): fd00:0:0:1::11, ::12, ... (hex)"""
    return str(ipaddress.ip_address("fd00:0:0:1::11") + index)


def node_block_v6(index: int, *, per_node_64: bool = True) -> str:
    """Node ``index``'s first IPv6 Calico block, a /122: the first of the node's own /64
    (fd00:10:244:<index>::/64, its Node spec.podCIDR, up to 256 nodes), or, for more nodes,
    the index-th /122 of fd00:10:244::/56 (no per-node /64)."""
    base = int(ipaddress.ip_network(POD_CIDR_V6).network_address)
    offset = index << 64 if per_node_64 else index << (128 - BLOCK_PREFIX_V6)
    return str(ipaddress.ip_network((base + offset, BLOCK_PREFIX_V6)))


def pod_ip_v6(v4: str, index: int, *, per_node_64: bool = True) -> str:
    """The IPv6 address of the pod with IPv4 address ``v4`` on node ``index``."""
    host = int(ipaddress.ip_address(v4)) & 0x3F
    block = ipaddress.ip_network(node_block_v6(index, per_node_64=per_node_64))
    return str(block.network_address + max(host, 2))


def make_dual_stack(doc: Doc) -> None:
    """Turn the seed document (or a synthetic one of builders.synthetic_doc) into its
    dual-stack twin (IPv4 stays primary). Linear in the nodes and pods."""
    doc["schema_version"] = 3
    os_ = doc["openstack"]
    os_["subnets"].append(
        {
            "id": SUBNET_V6_ID,
            "name": "k8s-subnet-v6",
            "network_id": NET_ID,
            "cidr": NODE_SUBNET_V6,
            "gateway_ip": "fd00:0:0:1::1",
            "ip_version": 6,
            "ipv6_ra_mode": "dhcpv6-stateful",
            "ipv6_address_mode": "dhcpv6-stateful",
            "enable_dhcp": True,
        }
    )
    for sn in os_["subnets"]:
        sn.setdefault("ip_version", 6 if ":" in sn["cidr"] else 4)
    for router in os_["routers"]:
        router["interface_subnet_ids"].append(SUBNET_V6_ID)
    cluster = doc["cluster"]
    index = {n["name"]: i for i, n in enumerate(cluster["nodes"])}
    port_of = {link["node"]: link["port_id"] for link in doc["node_ports"]}
    ports = {p["id"]: p for p in os_["ports"]}
    per_node_64 = len(index) <= 256
    for node in cluster["nodes"]:
        i = index[node["name"]]
        addresses = node.setdefault(
            "addresses", [{"type": "InternalIP", "address": node["internal_ip"]}]
        )
        addresses.insert(1, {"type": "InternalIP", "address": node_ip_v6(i)})
        if node.get("pod_cidrs"):  # spec.podCIDRs: one per family
            own = ipaddress.ip_network(node_block_v6(i)).supernet(new_prefix=64)
            node["pod_cidrs"].append(str(own))
        ports[port_of[node["name"]]]["fixed_ips"].append(
            {"subnet_id": SUBNET_V6_ID, "ip_address": node_ip_v6(i)}
        )
    calico = cluster["cni"]["calico"]
    v4_pool = calico["ip_pools"][0]
    calico["ip_pools"].append(
        {
            "name": "default-ipv6-ippool",
            "cidr": POD_CIDR_V6,
            "ipip_mode": "Never",  # Calico allows no IPIP on IPv6 pools
            "vxlan_mode": v4_pool["vxlan_mode"],
            "nat_outgoing": False,
            "block_size": BLOCK_PREFIX_V6,
            "disabled": False,
            "source": v4_pool.get("source"),
        }
    )
    for name, i in index.items():
        calico["blocks"].append({"cidr": node_block_v6(i, per_node_64=per_node_64), "node": name})
    for key, extra in (
        ("pod_cidrs", POD_CIDR_V6),
        ("cluster_cidrs", POD_CIDR_V6),
        ("service_cidrs", SERVICE_CIDR_V6),
    ):
        cluster[key] = [*cluster[key], extra]
    for pod in cluster["pods"]:
        if pod.get("ip") and not pod.get("host_network") and pod.get("node") in index:
            pod["ips"] = [
                pod["ip"],
                pod_ip_v6(pod["ip"], index[pod["node"]], per_node_64=per_node_64),
            ]
    v6_of = {f"{p['namespace']}/{p['name']}": p["ips"][1] for p in cluster["pods"] if p.get("ips")}
    for n, svc in enumerate(cluster["services"]):
        if svc.get("cluster_ip"):
            svc["cluster_ips"] = [svc["cluster_ip"], f"fd00:10:96::{n + 1:x}"]
            svc["ip_families"] = ["IPv4", "IPv6"]
            svc["ip_family_policy"] = "PreferDualStack"
            # the IPv6 EndpointSlice: the same pods by their IPv6 addresses
            svc["endpoints"] = [
                *(svc.get("endpoints") or ()),
                *(
                    {**ep, "ip": v6_of[ep["pod"]]}
                    for ep in svc.get("endpoints") or ()
                    if ep.get("pod") in v6_of
                ),
            ]


def dual_stack_doc() -> Doc:
    doc = seed_doc()
    make_dual_stack(doc)
    return doc


def ipv6_broken(doc: Doc) -> None:
    """The seed's fix for IPv4 only: pairs for the IPv4 pod and service CIDRs; IPv6 breaks."""
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])


def dual_stack_fixed(doc: Doc) -> None:
    """Pairs for both families' pod and service CIDRs on every node port, and natOutgoing on
    the IPv6 pool: a Neutron router does not NAT IPv6 and the router's routes back cover the
    IPv4 blocks only, so IPv6 pod egress needs the node to masquerade it."""
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR, POD_CIDR_V6, SERVICE_CIDR_V6])
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["nat_outgoing"] = True


def ipv6_egress_broken(doc: Doc) -> None:
    """Pairs for both families, the IPv6 pool without natOutgoing (Calico's default for an
    IPv6 pool) and router routes back for the IPv4 blocks only: IPv6 pod egress is lost."""
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR, POD_CIDR_V6, SERVICE_CIDR_V6])


def ipv6_tunnel_broken(doc: Doc) -> None:
    """Both pools VXLAN Always and natOutgoing, pairs for both families, nodes only in
    `k8s-nodes` with UDP 4789 from the group for IPv4 only: Calico's IPv6 pool encapsulates
    over the nodes' IPv6 addresses (vxlan-v6.calico), so only IPv6 pod traffic breaks. The
    pod MTU is what Calico detects with the IPv6 tunnel on: 1450 - 70 = 1380."""
    from kostack_testkit.builders import (
        _BASE_NODE_RULES,
        SG_NODES,
        _custom_group_only,
        rule,
        set_calico_mode,
    )

    dual_stack_fixed(doc)
    set_calico_mode(doc, vxlan="Always")
    calico = doc["cluster"]["cni"]["calico"]
    for pool in calico["ip_pools"]:
        pool["vxlan_mode"] = "Always"
        pool["nat_outgoing"] = True
    calico["bgp"] = False
    calico["mtu"] = 1380
    _custom_group_only(
        doc,
        [
            *_BASE_NODE_RULES,
            rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES),
            rule(SG_NODES, "ingress", "icmp", None, group=SG_NODES, ethertype="IPv6"),
        ],
    )


def ipv6_bgp_blocked(doc: Doc) -> None:
    """Both pools unencapsulated (BGP-routed), pairs for both families, nodes only in
    `k8s-nodes`, which admits every pod's traffic in both families but TCP 179 from the group
    for IPv4 only (the common rule): BIRD6 peers over the nodes' IPv6 addresses, so no IPv6
    session comes up and no node has a route to another node's IPv6 pods."""
    from kostack_testkit.builders import (
        _BASE_NODE_RULES,
        SG_NODES,
        _custom_group_only,
        rule,
        set_calico_mode,
    )

    dual_stack_fixed(doc)
    set_calico_mode(doc)
    calico = doc["cluster"]["cni"]["calico"]
    calico["ip_pools"][1]["vxlan_mode"] = "Never"
    calico["bgp"] = True
    _custom_group_only(
        doc,
        [
            *_BASE_NODE_RULES,
            rule(SG_NODES, "ingress", None, None, POD_CIDR),
            rule(SG_NODES, "ingress", None, None, POD_CIDR_V6, ethertype="IPv6"),
            rule(SG_NODES, "ingress", "icmp", None, group=SG_NODES, ethertype="IPv6"),
        ],
    )


DUALSTACK_EXAMPLES = {
    "dualstack-ipv6-broken": (
        "The seed as a dual-stack cluster, with allowed pairs for the IPv4 pod and service "
        "CIDRs only: IPv4 works, IPv6 pod traffic is dropped.",
        ipv6_broken,
    ),
    "dualstack-fixed": (
        "The dual-stack seed with allowed pairs for both families' pod and service CIDRs, "
        "and natOutgoing on the IPv6 pool.",
        dual_stack_fixed,
    ),
    "dualstack-ipv6-tunnel-broken": (
        "The dual-stack seed on VXLAN Always, with a UDP 4789 rule for IPv4 only: Calico's "
        "IPv6 pool tunnels over the nodes' IPv6 addresses, so IPv4 works and IPv6 pod "
        "traffic is dropped.",
        ipv6_tunnel_broken,
    ),
    "dualstack-ipv6-bgp-blocked": (
        "The dual-stack seed unencapsulated (BGP-routed) in both families, with a TCP 179 rule "
        "for IPv4 only: Calico's BIRD6 peers over the nodes' IPv6 addresses, so IPv4 works "
        "and no node has a route to another node's IPv6 pods.",
        ipv6_bgp_blocked,
    ),
}


def dualstack_example_doc(name: str) -> Doc:
    return registry_doc(DUALSTACK_EXAMPLES, name, dual_stack_doc)


def synthetic_dual_stack_doc(nodes: int, pods_per_node: int = 30) -> Doc:
    """builders.synthetic_doc made dual stack (the benchmark's dual-stack variant)."""
    from kostack_testkit.builders import synthetic_doc

    doc = synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=pods_per_node)
    make_dual_stack(doc)
    return doc
