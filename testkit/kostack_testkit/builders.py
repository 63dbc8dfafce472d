"""Builders for snapshots: the seed incident and its variants.

Used by examples/ (scripts/make_examples.py writes them), the tests and the
benchmarks. Builders return plain JSON-shaped dicts so a variant is a small,
readable edit; ``build()`` validates one into a Snapshot. The seed's
topology (names, addresses, MACs, server ids, groups and rules) comes from
its one definition, kostack_lab.seed; what is only a snapshot's (ids,
revision numbers, pods, Calico settings) is here.
"""

from __future__ import annotations

import copy
import ipaddress
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from kostack.model import Snapshot, parse_snapshot
from kostack_lab import seed

Doc = dict[str, Any]

_NS = uuid.UUID("6f1d2c3b-4a59-4e8f-9a1b-2c3d4e5f6a7b")


def fake_id(kind: str, name: str, prefix: str = "") -> str:
    """A deterministic UUID for ``kind``/``name``; ``prefix`` replaces its first hex digits."""
    u = str(uuid.uuid5(_NS, f"{kind}/{name}"))
    return prefix + u[len(prefix) :] if prefix else u


seed_device_id = seed.node_device_id  # the Nova server id of a seed node

# Port ids start as in the north-star screens (5f1c.., a07e.., ...).
_PORT_ID_PREFIXES = {"k8s-cp-1": "5f1c", "k8s-w-1": "a07e", "k8s-w-2": "9b3d", "k8s-w-3": "c4e2"}
SEED_NODES: tuple[tuple[str, str, str, str], ...] = tuple(
    # name, ip, mac, port id prefix
    (n.name, n.ip, n.mac, _PORT_ID_PREFIXES[n.name])
    for n in seed.seed_nodes()
)

PROJECT_ID = "3f0e5c2a9d7b4c1e8a6f2b4d9c0e1a7b"
NET_ID = fake_id("network", seed.NETWORK_NAME)
PUBLIC_NET_ID = fake_id("network", seed.PUBLIC_NETWORK_NAME)
SUBNET_ID = fake_id("subnet", seed.SUBNET_NAME)
PUBLIC_SUBNET_ID = fake_id("subnet", seed.PUBLIC_SUBNET_NAME)
ROUTER_ID = fake_id("router", seed.ROUTER_NAME)
SG_DEFAULT = fake_id("sg", seed.DEFAULT_GROUP)
SG_NODES = fake_id("sg", seed.NODES_GROUP)
POD_CIDR = seed.POD_SUBNET
SERVICE_CIDR = seed.SERVICE_SUBNET


def rule(
    sg: str,
    direction: str,
    protocol: str | None = None,
    ports: tuple[int, int] | int | None = None,
    prefix: str | None = None,
    group: str | None = None,
    ethertype: str = "IPv4",
    name: str = "",
) -> Doc:
    """One security-group rule as a snapshot dict (deterministic id)."""
    lo = hi = None
    if isinstance(ports, int):
        lo = hi = ports
    elif ports is not None:
        lo, hi = ports
    key = f"{sg}/{direction}/{ethertype}/{protocol}/{lo}-{hi}/{prefix}/{group}/{name}"
    return {
        "id": fake_id("rule", key),
        "direction": direction,
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": lo,
        "port_range_max": hi,
        "remote_ip_prefix": prefix,
        "remote_group_id": group,
    }


def seed_rule(sg: str, spec: seed.RuleSpec) -> Doc:
    """A rule of the seed (kostack_lab.seed) in group ``sg``, as a snapshot dict."""
    low, high = spec.port_range_min, spec.port_range_max
    ports = None if low is None else (low, low if high is None else high)
    return rule(
        sg,
        spec.direction,
        spec.protocol,
        ports,
        spec.remote_ip_prefix,
        group=sg if spec.remote_group is not None else None,  # the seed's: its own group
        ethertype=spec.ethertype,
    )


def default_group_rules(sg: str) -> list[Doc]:
    """What Neutron gives a project's `default` group: egress any, ingress from members."""
    return [seed_rule(sg, r) for r in seed.DEFAULT_GROUP_RULES]


def new_group_rules(sg: str) -> list[Doc]:
    """What Neutron gives any new group: egress any (IPv4 and IPv6)."""
    return [seed_rule(sg, r) for r in seed.NEW_GROUP_RULES]


def seed_doc() -> Doc:
    """The seed incident as a snapshot document (see docs/facts.md section 1)."""
    ports: list[Doc] = []
    nodes: list[Doc] = []
    links: list[Doc] = []
    blocks: list[Doc] = []
    plans = seed.seed_nodes()
    for idx, (name, ip, mac, prefix) in enumerate(SEED_NODES):
        port_id = fake_id("port", name, prefix)
        ports.append(
            {
                "id": port_id,
                "name": f"{name}-port",
                "network_id": NET_ID,
                "mac_address": mac,
                "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": ip}],
                "allowed_address_pairs": [],
                "port_security_enabled": True,
                "admin_state_up": True,
                "security_group_ids": [SG_DEFAULT, SG_NODES],
                "device_id": seed_device_id(name),
                "device_owner": "compute:nova",
                "revision_number": 3,
                "status": "ACTIVE",
                "project_id": PROJECT_ID,
            }
        )
        role = ["control-plane"] if "cp" in name else []
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
        if role:
            labels["node-role.kubernetes.io/control-plane"] = ""
        nodes.append(
            {
                "name": name,
                "roles": role,
                "internal_ip": ip,
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": name},
                ],
                "provider_id": f"openstack:///{seed_device_id(name)}",
                "pod_cidrs": [plans[idx].pod_cidr],
                "labels": labels,
                "kubelet_version": seed.KUBERNETES_VERSION,
                "os_image": "Ubuntu 22.04.5 LTS",
                "kernel_version": "5.15.0-156-generic",
                "container_runtime": "containerd://1.7.27",
                "ready": True,
            }
        )
        links.append({"node": name, "port_id": port_id, "matched_by": "provider_id"})
        first_block = ipaddress.ip_network(plans[idx].pod_cidr).subnets(new_prefix=26)
        blocks.append({"cidr": str(next(first_block)), "node": name})
    pods = [
        _pod(
            "kube-system",
            "coredns-674b8bbfcf-7xk2q",
            "k8s-cp-1",
            "10.244.0.2",
            {"k8s-app": "kube-dns"},
        ),
        _pod(
            "kube-system",
            "coredns-674b8bbfcf-m9w4d",
            "k8s-w-1",
            "10.244.1.2",
            {"k8s-app": "kube-dns"},
        ),
        _pod("demo", "netshoot", "k8s-w-1", "10.244.1.7", {"run": "netshoot"}),
        _pod("demo", "dns-test", "k8s-w-2", "10.244.2.5", {"run": "dns-test"}),
        _pod("harbor", "harbor-core-7d9f8b6c5d-q2x7m", "k8s-w-3", "10.244.3.4", {"app": "harbor"}),
        _pod(
            "harbor",
            "harbor-jobservice-5c8d7f9b4-k8p2n",
            "k8s-w-2",
            "10.244.2.9",
            {"app": "harbor"},
        ),
    ]
    for name, ip, _mac, _p in SEED_NODES:
        pods.append(
            {
                "namespace": "calico-system",
                "name": f"calico-node-{name[-3:].replace('-', '')}",
                "node": name,
                "ip": ip,
                "phase": "Running",
                "host_network": True,
                "labels": {"k8s-app": "calico-node"},
            }
        )
    services = [
        {
            "namespace": "default",
            "name": "kubernetes",
            "cluster_ip": seed.KUBERNETES_SERVICE_IP,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "target_port": 6443}],
            "endpoints": [{"ip": plans[0].ip, "node": plans[0].name, "ports": {"https": 6443}}],
        },
        {
            "namespace": "kube-system",
            "name": "kube-dns",
            "cluster_ip": seed.CLUSTER_DNS_IP,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "target_port": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "target_port": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "target_port": 9153},
            ],
            "endpoints": [
                {
                    "ip": "10.244.0.2",
                    "node": "k8s-cp-1",
                    "pod": "kube-system/coredns-674b8bbfcf-7xk2q",
                    "ports": {"dns": 53, "dns-tcp": 53, "metrics": 9153},
                },
                {
                    "ip": "10.244.1.2",
                    "node": "k8s-w-1",
                    "pod": "kube-system/coredns-674b8bbfcf-m9w4d",
                    "ports": {"dns": 53, "dns-tcp": 53, "metrics": 9153},
                },
            ],
        },
    ]
    return {
        "schema_version": 2,
        "created_at": "2026-11-20T09:14:00Z",
        "source": "example: the seed incident (incident-report.ko.txt)",
        "openstack": {
            "cloud": "k8s",
            "region": "RegionOne",
            "project_id": PROJECT_ID,
            "project_name": "k8s",
            "release": "2025.2",
            "backend": "ml2/ovs",
            "backend_source": "agents list: Open vSwitch agent",
            "extensions": [
                "allowed-address-pairs",
                "port-security",
                "security-group",
                "router",
                "extraroute",
            ],
            "networks": [
                {
                    "id": NET_ID,
                    "name": seed.NETWORK_NAME,
                    "mtu": seed.NETWORK_MTU,
                    "port_security_enabled": True,
                    "network_type": "vxlan",
                    "project_id": PROJECT_ID,
                },
                {
                    "id": PUBLIC_NET_ID,
                    "name": seed.PUBLIC_NETWORK_NAME,
                    "mtu": 1500,
                    "port_security_enabled": True,
                    "network_type": "flat",
                    "router_external": True,
                },
            ],
            "subnets": [
                {
                    "id": SUBNET_ID,
                    "name": seed.SUBNET_NAME,
                    "network_id": NET_ID,
                    "cidr": plans[0].subnet_cidr,
                    "gateway_ip": plans[0].gateway_ip,
                },
                {
                    "id": PUBLIC_SUBNET_ID,
                    "name": seed.PUBLIC_SUBNET_NAME,
                    "network_id": PUBLIC_NET_ID,
                    "cidr": seed.PUBLIC_CIDR,
                    "gateway_ip": seed.PUBLIC_GATEWAY_IP,
                },
            ],
            "routers": [
                {
                    "id": ROUTER_ID,
                    "name": seed.ROUTER_NAME,
                    "external_network_id": PUBLIC_NET_ID,
                    "enable_snat": True,
                    "interface_subnet_ids": [SUBNET_ID],
                    # what the OpenStack cloud controller's route controller adds per node podCIDR
                    "routes": [{"destination": n.pod_cidr, "nexthop": n.ip} for n in plans],
                    "revision_number": 4,
                }
            ],
            "ports": ports,
            "security_groups": [
                {
                    "id": SG_DEFAULT,
                    "name": seed.DEFAULT_GROUP,
                    "project_id": PROJECT_ID,
                    "revision_number": 5,
                    "rules": default_group_rules(SG_DEFAULT),
                },
                {
                    "id": SG_NODES,
                    "name": seed.NODES_GROUP,
                    "project_id": PROJECT_ID,
                    "revision_number": 7,
                    "rules": [
                        *new_group_rules(SG_NODES),
                        *(seed_rule(SG_NODES, r) for r in seed.NODES_GROUP_RULES),
                    ],
                },
            ],
        },
        "cluster": {
            "name": "kubernetes",
            "kubernetes_version": seed.KUBERNETES_VERSION,
            "nodes": nodes,
            "pods": pods,
            "services": services,
            "pod_cidrs": [seed.POD_SUBNET],
            "pod_cidrs_source": "Calico IPPools (enabled)",
            "cluster_cidrs": [seed.POD_SUBNET],
            "service_cidrs": [seed.SERVICE_SUBNET],
            "cluster_dns_ip": seed.CLUSTER_DNS_IP,
            "dns_domain": seed.DNS_DOMAIN,
            "kube_proxy_mode": "iptables",
            "cni": {
                "type": "calico",
                "version": "v3.30.3",
                "version_source": "ClusterInformation default spec.calicoVersion",
                "calico": {
                    "install_method": "operator",
                    "ip_pools": [
                        {
                            "name": "default-ipv4-ippool",
                            "cidr": seed.POD_SUBNET,
                            "ipip_mode": "Never",
                            "vxlan_mode": "CrossSubnet",
                            "nat_outgoing": False,
                            "block_size": 26,
                            "source": "crd.projectcalico.org/v1 IPPool",
                        }
                    ],
                    "blocks": blocks,
                    "mtu": 1400,
                    "mtu_source": "Installation default status.mtu",
                    "mtu_auto": False,
                    "typha": True,
                    "bgp": True,
                    "node_to_node_mesh": True,
                    "wireguard": False,
                    "wireguard_v4": False,
                    "wireguard_v6": False,
                    "nat_outgoing_exclusions": "IPPoolsOnly",
                    "program_cluster_routes": False,
                    "feature_detect_override": "",
                    "bpf_enabled": False,
                    "bpf_external_service_mode": "Tunnel",
                    "bpf_dsr_optout_cidrs": [],
                    "bpf_exclude_cidrs_from_nat": [],
                },
            },
        },
        "node_ports": links,
        "gaps": [],
        "probes": [],
    }


def _pod(ns: str, name: str, node: str, ip: str, labels: dict[str, str]) -> Doc:
    return {
        "namespace": ns,
        "name": name,
        "node": node,
        "ip": ip,
        "phase": "Running",
        "host_network": False,
        "labels": labels,
    }


# --------------------------------------------------------------------------- variant helpers


def ports_of(doc: Doc) -> list[Doc]:
    ports: list[Doc] = doc["openstack"]["ports"]
    return ports


def node_port_ids(doc: Doc) -> list[str]:
    return [link["port_id"] for link in doc["node_ports"] if link.get("port_id")]


def port_of(snap: Snapshot, node: str) -> str:
    """The id of ``node``'s one Neutron port in ``snap``."""
    (port,) = [link.port_id for link in snap.node_ports or () if link.node == node]
    assert port is not None
    return port


def group(doc: Doc, name: str) -> Doc:
    groups: list[Doc] = doc["openstack"]["security_groups"]
    for sg in groups:
        if sg["name"] == name:
            return sg
    raise KeyError(name)


def calico_pool(doc: Doc) -> Doc:
    pools: list[Doc] = doc["cluster"]["cni"]["calico"]["ip_pools"]
    return pools[0]


def set_calico_mode(
    doc: Doc, *, ipip: str = "Never", vxlan: str = "Never", method: str = "operator"
) -> None:
    pool = calico_pool(doc)
    pool["ipip_mode"] = ipip
    pool["vxlan_mode"] = vxlan
    doc["cluster"]["cni"]["calico"]["install_method"] = method


def add_pairs(doc: Doc, cidrs: list[str], only: set[str] | None = None) -> None:
    """Give node ports allowed pairs (all ports, or those of the node names in ``only``)."""
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        if only is None or names.get(port["id"]) in only:
            port["allowed_address_pairs"] = [
                *port.get("allowed_address_pairs", []),
                *({"ip_address": c} for c in cidrs),
            ]


def set_port_state(doc: Doc, nodes: set[str], *, admin_up: bool = False, status: str = "") -> None:
    """Set the admin state (and, when given, the status) of the named nodes' ports."""
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        if names.get(port["id"]) in nodes:
            port["admin_state_up"] = admin_up
            if status:
                port["status"] = status


def disable_port_security(doc: Doc) -> None:
    for port in ports_of(doc):
        port["port_security_enabled"] = False
        port["security_group_ids"] = []
        port["allowed_address_pairs"] = []


def use_only_group(doc: Doc, sg_name: str) -> None:
    """Node ports keep only the named group (dropping `default`)."""
    sg_id = group(doc, sg_name)["id"]
    for port in ports_of(doc):
        port["security_group_ids"] = [sg_id]


def build(doc: Doc) -> Snapshot:
    return parse_snapshot(copy.deepcopy(doc))


def variant(*edits: Callable[[Doc], None]) -> Doc:
    doc = seed_doc()
    for edit in edits:
        edit(doc)
    return doc


def synthetic_doc(
    nodes: int, groups: int = 100, rules: int = 10_000, pods_per_node: int = 30
) -> Doc:
    """A large cluster for the benchmark: seed-like, ``nodes`` node ports in one /16.

    Up to 65,000 nodes (node addresses 10.0.1.0 onwards in 10.0.0.0/16, one /26
    pod block each in 10.128.0.0/10); more would repeat an address.
    """
    if nodes > 65_000:
        raise ValueError("synthetic_doc makes at most 65,000 nodes")
    doc = seed_doc()
    net = ipaddress.ip_network("10.0.0.0/16")
    doc["openstack"]["subnets"][0]["cidr"] = str(net)
    sg_ids = [SG_DEFAULT, SG_NODES] + [fake_id("sg", f"extra-{i}") for i in range(groups - 2)]
    extra_rules_per_group = max(0, (rules - 11) // max(1, groups - 2))
    for i, sg_id in enumerate(sg_ids[2:]):
        doc["openstack"]["security_groups"].append(
            {
                "id": sg_id,
                "name": f"app-{i}",
                "rules": [
                    *new_group_rules(sg_id),
                    *(
                        rule(sg_id, "ingress", "tcp", 10000 + j, f"192.168.{j % 250}.0/24")
                        for j in range(extra_rules_per_group)
                    ),
                ],
            }
        )
    ports: list[Doc] = []
    node_docs: list[Doc] = []
    links: list[Doc] = []
    blocks: list[Doc] = []
    pods: list[Doc] = []
    host_base = int(ipaddress.ip_address("10.0.1.0"))
    for i in range(nodes):
        name = f"node-{i:05d}"
        ip = str(ipaddress.ip_address(host_base + i))
        mac = f"fa:16:3e:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
        port_id = fake_id("port", name)
        # the i-th /26 of the pod CIDR 10.128.0.0/10: unique for up to 65,536 nodes
        block = ipaddress.ip_network((int(ipaddress.ip_address("10.128.0.0")) + 64 * i, 26))
        ports.append(
            {
                "id": port_id,
                "name": f"{name}-port",
                "network_id": NET_ID,
                "mac_address": mac,
                "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": ip}],
                "port_security_enabled": True,
                "admin_state_up": True,
                "security_group_ids": [SG_DEFAULT, SG_NODES, sg_ids[2 + i % (groups - 2)]],
                "device_id": seed_device_id(name),
                "revision_number": 1,
            }
        )
        node_docs.append(
            {
                "name": name,
                "roles": ["control-plane"] if i < 3 else [],
                "internal_ip": ip,
                "provider_id": f"openstack:///{seed_device_id(name)}",
                "pod_cidrs": [],
            }
        )
        links.append({"node": name, "port_id": port_id, "matched_by": "provider_id"})
        blocks.append({"cidr": str(block), "node": name})
        hosts = block.hosts()
        for j in range(pods_per_node):
            pods.append(_pod("apps", f"app-{i}-{j}", name, str(next(hosts)), {"app": f"a{j}"}))
    doc["openstack"]["ports"] = ports
    doc["cluster"]["nodes"] = node_docs
    doc["cluster"]["pods"] = pods
    doc["cluster"]["pod_cidrs"] = ["10.128.0.0/10"]
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["cidr"] = "10.128.0.0/10"
    doc["cluster"]["cni"]["calico"]["blocks"] = blocks
    doc["node_ports"] = links
    dns_pods = [p for p in pods[:: max(1, len(pods) // 2)]][:2]
    doc["cluster"]["services"][1]["endpoints"] = [
        {
            "ip": p["ip"],
            "node": p["node"],
            "pod": f"apps/{p['name']}",
            "ports": {"dns": 53, "dns-tcp": 53},
        }
        for p in dns_pods
    ]
    doc["cluster"]["services"][0]["endpoints"] = [
        {"ip": node_docs[0]["internal_ip"], "node": node_docs[0]["name"], "ports": {"https": 6443}}
    ]
    return doc


def hetero_doc(nodes: int, *, heterogeneous: bool = True, pods_per_node: int = 30) -> Doc:
    """A large cluster whose node ports are each in a group of their own (``heterogeneous``),
    or all in one shared group with the first node's rules (the baseline).

    Every node's group admits the cluster's protocols, but written its own way:
    the pod CIDR as one rule, two halves or TCP+UDP ranges; BGP from a /16 or a
    /17; kubelet from the control plane's /30 and from the next node's /32 (so no
    two admitted sets are equal); and every 50th node has no Typha rule (a
    genuine drop). Allowed pairs for the pod CIDR on every port; no `default`.
    """
    doc = synthetic_doc(nodes, groups=3, rules=11, pods_per_node=pods_per_node)
    doc["openstack"]["security_groups"] = []
    add_pairs(doc, ["10.128.0.0/10"])
    ips = [n["internal_ip"] for n in doc["cluster"]["nodes"]]

    def rules_for(i: int, sg: str) -> list[Doc]:
        pods: list[Doc] = [
            [rule(sg, "ingress", None, None, "10.128.0.0/10", name=sg)],
            [
                rule(sg, "ingress", None, None, "10.128.0.0/11", name=sg),
                rule(sg, "ingress", None, None, "10.160.0.0/11", name=sg),
            ],
            [
                rule(sg, "ingress", "tcp", (1, 65535), "10.128.0.0/10", name=sg),
                rule(sg, "ingress", "udp", (1, 65535), "10.128.0.0/10", name=sg),
            ],
        ][i % 3]
        out = [
            *new_group_rules(sg),
            *pods,
            rule(sg, "ingress", "tcp", 6443, "10.0.0.0/16", name=sg),
            rule(sg, "ingress", "tcp", 10250, "10.0.1.0/30", name=sg),
            rule(sg, "ingress", "tcp", 10250, f"{ips[(i + 1) % len(ips)]}/32", name=sg),
            rule(sg, "ingress", "tcp", 179, "10.0.0.0/17" if i % 2 else "10.0.0.0/16", name=sg),
            rule(sg, "ingress", "icmp", None, "10.0.0.0/16", name=sg),
            rule(sg, "ingress", "tcp", 22, "0.0.0.0/0", name=sg),
        ]
        if i % 50 != 49:
            out.append(rule(sg, "ingress", "tcp", 5473, "10.0.0.0/16", name=sg))
        return out

    groups = doc["openstack"]["security_groups"]
    if not heterogeneous:
        sg = fake_id("sg", "shared-nodes")
        groups.append({"id": sg, "name": "k8s-nodes", "rules": rules_for(0, sg)})
    for i, port in enumerate(ports_of(doc)):
        if heterogeneous:
            sg = fake_id("sg", f"node-{i}")
            groups.append({"id": sg, "name": f"node-{i:05d}-sg", "rules": rules_for(i, sg)})
        port["security_group_ids"] = [sg]
    return doc


# --------------------------------------------------------------------------- the bundled examples


def _fixed(doc: Doc) -> None:
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])


def _custom_group_only(doc: Doc, rules: list[Doc]) -> None:
    """Node ports in `k8s-nodes` only, with egress-any plus ``rules``."""
    sg = group(doc, "k8s-nodes")
    sg["rules"] = [*new_group_rules(SG_NODES), *rules]
    use_only_group(doc, "k8s-nodes")


_BASE_NODE_RULES = [
    rule(SG_NODES, "ingress", "tcp", 22, "0.0.0.0/0"),
    rule(SG_NODES, "ingress", "tcp", 6443, group=SG_NODES),
    rule(SG_NODES, "ingress", "tcp", 10250, group=SG_NODES),
    rule(SG_NODES, "ingress", "tcp", 5473, group=SG_NODES),
    rule(SG_NODES, "ingress", "tcp", 179, group=SG_NODES),
    rule(SG_NODES, "ingress", "icmp", None, group=SG_NODES),
]


def example_ipip_no_proto4(doc: Doc) -> None:
    set_calico_mode(doc, ipip="Always", method="manifest")
    doc["cluster"]["cni"]["calico"]["mtu"] = 1430
    doc["cluster"]["cni"]["calico"]["mtu_source"] = "calico-config veth_mtu"
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["nat_outgoing"] = True
    _custom_group_only(doc, list(_BASE_NODE_RULES))


def example_vxlan_no_4789(doc: Doc) -> None:
    set_calico_mode(doc, vxlan="Always")
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["nat_outgoing"] = True
    doc["cluster"]["cni"]["calico"]["bgp"] = False
    _custom_group_only(doc, list(_BASE_NODE_RULES))


def example_flannel_no_8472(doc: Doc) -> None:
    doc["cluster"]["cni"] = {
        "type": "flannel",
        "flannel": {
            "network": POD_CIDR,
            "backend_type": "vxlan",
            "port": None,
            "direct_routing": False,
            "mtu": 1400,
            "mtu_auto": False,
            "kube_subnet_mgr": True,
        },
    }
    doc["cluster"]["pod_cidrs_source"] = "ConfigMap kube-flannel-cfg net-conf.json Network"
    for node in doc["cluster"]["nodes"]:
        node["labels"].pop("x", None)
    _custom_group_only(doc, [r for r in _BASE_NODE_RULES if r["port_range_min"] not in (179, 5473)])


def example_two_subnets(doc: Doc) -> None:
    """k8s-w-2 and k8s-w-3 on a second subnet 10.0.1.0/24, VXLANCrossSubnet, no pairs."""
    sub2 = fake_id("subnet", "k8s-subnet-2")
    doc["openstack"]["subnets"].append(
        {
            "id": sub2,
            "name": "k8s-subnet-2",
            "network_id": NET_ID,
            "cidr": "10.0.1.0/24",
            "gateway_ip": "10.0.1.1",
        }
    )
    doc["openstack"]["routers"][0]["interface_subnet_ids"].append(sub2)
    new_ips = {"k8s-w-2": "10.0.1.13", "k8s-w-3": "10.0.1.14"}
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        node = names[port["id"]]
        if node in new_ips:
            port["fixed_ips"] = [{"subnet_id": sub2, "ip_address": new_ips[node]}]
    for node in doc["cluster"]["nodes"]:
        if node["name"] in new_ips:
            node["internal_ip"] = new_ips[node["name"]]
            node["addresses"][0]["address"] = new_ips[node["name"]]
    for route in doc["openstack"]["routers"][0]["routes"]:
        for old, new in (("10.0.0.13", "10.0.1.13"), ("10.0.0.14", "10.0.1.14")):
            if route["nexthop"] == old:
                route["nexthop"] = new
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["nat_outgoing"] = True


def example_calico_bgp_two_subnets_no_routes(doc: Doc) -> None:
    """`example_two_subnets`' nodes (k8s-w-2 and k8s-w-3 on 10.0.1.0/24, one router joining
    both subnets) with Calico unencapsulated (BGP routes), pod-CIDR pairs, natOutgoing on, and
    no extra route on the router: pod traffic between the subnets reaches the router with the
    pods' own addresses, and the router has no route to them."""
    example_two_subnets(doc)
    set_calico_mode(doc)
    add_pairs(doc, [POD_CIDR])
    doc["openstack"]["routers"][0]["routes"] = []


def example_pairs_some_ports(doc: Doc) -> None:
    add_pairs(doc, [POD_CIDR], only={"k8s-cp-1", "k8s-w-1"})


def example_mtu_1500(doc: Doc) -> None:
    _fixed(doc)
    doc["cluster"]["cni"]["calico"]["mtu"] = 1500
    doc["cluster"]["cni"]["calico"]["mtu_source"] = "Installation default spec.calicoNetwork.mtu"


def example_mtu_wireguard_unknown(doc: Doc) -> None:
    """mtu-1500 seen by a user who may not read FelixConfiguration (its gap as the collector
    writes it, and its settings unknown): too large whether WireGuard is off or on."""
    import kostack.collect._cni_calico  # noqa: F401 (registers the collector's words)
    from kostack.catalog import Msg
    from kostack.collect.gap_texts import make_gap

    example_mtu_1500(doc)
    calico = doc["cluster"]["cni"]["calico"]
    unread = ("wireguard", "wireguard_v4", "wireguard_v6", "nat_outgoing_exclusions")
    felix = (
        "program_cluster_routes",
        "feature_detect_override",
        "bpf_external_service_mode",
        "bpf_dsr_optout_cidrs",
        "bpf_exclude_cidrs_from_nat",
    )
    for key in (*unread, *felix, "bpf_enabled"):
        calico[key] = None
    error = "; ".join(
        f"GET /apis/{group}/{version}/felixconfigurations: 403 Forbidden: "
        f'felixconfigurations.{group} is forbidden: User "k8s-viewer" cannot list '
        f'resource "felixconfigurations" in API group "{group}" at the cluster scope'
        for group, version in (("crd.projectcalico.org", "v1"), ("projectcalico.org", "v3"))
    )
    hint = Msg(
        "col.calico.forbidden",
        resource="felixconfigurations.crd.projectcalico.org",
        plural="felixconfigurations",
    )
    gap = make_gap("cluster.cni.calico.felix", error, hint)
    doc["gaps"] = [gap.model_dump(mode="json")]


def example_ovn_seed_fix(doc: Doc) -> None:
    """An ML2/OVN cloud after the seed's own fix: pairs + protocol rules on `default` only."""
    os_ = doc["openstack"]
    os_["backend"] = "ml2/ovn"
    os_["backend_source"] = "agents list: OVN Controller agent"
    os_["networks"][0]["network_type"] = "geneve"
    os_["networks"][0]["mtu"] = 1442
    _fixed(doc)
    sg = group(doc, "default")
    sg["rules"] = [
        *default_group_rules(SG_DEFAULT),
        rule(SG_DEFAULT, "ingress", "ipip", None, group=SG_DEFAULT),
        rule(SG_DEFAULT, "ingress", "udp", 4789, group=SG_DEFAULT),
        rule(SG_DEFAULT, "ingress", "tcp", 179, group=SG_DEFAULT),
    ]
    use_only_group(doc, "default")


def example_cilium_geneve_no_6081(doc: Doc) -> None:
    doc["cluster"]["cni"] = {
        "type": "cilium",
        "cilium": {
            "routing_mode": "tunnel",
            "routing_key": "routing-mode",
            "tunnel_protocol": "geneve",
            "mtu": 1400,
            "mtu_auto": False,
            "ipam_mode": "kubernetes",
        },
    }
    doc["cluster"]["pod_cidrs_source"] = "ConfigMap kube-system/kubeadm-config networking.podSubnet"
    _custom_group_only(doc, [r for r in _BASE_NODE_RULES if r["port_range_min"] not in (179, 5473)])


def example_unmatched_node(doc: Doc) -> None:
    """k8s-w-3's port is not in the project: the note says what the matcher looked for, with
    its message's key and parameters, as `kostack collect` writes it."""
    from kostack.catalog import joined, message_data
    from kostack.match_words import Msg, either

    provider = doc["cluster"]["nodes"][3]["provider_id"]
    server = provider.rpartition("/")[2]
    looked = either([Msg("match.by.device", id=server), Msg("match.by.ip", ips="10.0.0.14")])
    note = joined(
        [Msg("match.no-device", server=server, provider=provider), Msg("match.none", looked=looked)]
    )
    key, params = message_data(note)
    doc["node_ports"][3] = {
        "node": "k8s-w-3",
        "port_id": None,
        "matched_by": None,
        "note": str(note),
        "note_key": key,
        "note_params": params,
    }
    _fixed(doc)


def example_harbor_wrong_namespace(doc: Doc) -> None:
    """The seed with its Helm state: Harbor in the wrong namespace, stale PVCs, crash loops."""
    from kostack_testkit.helm_example import seed_helm_doc

    doc["helm"] = seed_helm_doc()


def _own_group(doc: Doc, node: str, rules: list[Doc]) -> str:
    """Give ``node``'s port a group of its own (egress any + ``rules``), and only that; its
    id."""
    sg_id = fake_id("sg", f"own-{node}")
    doc["openstack"]["security_groups"].append(
        {"id": sg_id, "name": f"{node}-sg", "rules": [*new_group_rules(sg_id), *rules]}
    )
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        if names[port["id"]] == node:
            port["security_group_ids"] = [sg_id]
    return sg_id


def example_hetero_groups(doc: Doc) -> None:
    """Every node in its own group; rules written differently that admit the same, except that
    k8s-w-3's group has no kubelet rule."""
    _fixed(doc)

    def sg(node: str) -> str:
        return fake_id("sg", f"own-{node}")

    cp, w1, w2, w3 = (n for n, _ip, _m, _p in SEED_NODES)
    _own_group(doc, cp, [
        rule(sg(cp), "ingress", None, None, "10.0.0.0/24"),
        rule(sg(cp), "ingress", None, None, POD_CIDR),
    ])  # fmt: skip
    _own_group(doc, w1, [
        rule(sg(w1), "ingress", "tcp", (1, 65535), "10.0.0.0/24"),
        rule(sg(w1), "ingress", "udp", (1, 65535), "10.0.0.0/24"),
        rule(sg(w1), "ingress", "icmp", None, "10.0.0.0/24"),
        rule(sg(w1), "ingress", None, None, POD_CIDR),
    ])  # fmt: skip
    _own_group(doc, w2, [
        rule(sg(w2), "ingress", None, None, "10.0.0.0/16"),
        rule(sg(w2), "ingress", None, None, "10.244.0.0/17"),
        rule(sg(w2), "ingress", None, None, "10.244.128.0/17"),
    ])  # fmt: skip
    _own_group(doc, w3, [
        rule(sg(w3), "ingress", "tcp", 22, "0.0.0.0/0"),
        rule(sg(w3), "ingress", "tcp", 5473, "10.0.0.0/24"),
        rule(sg(w3), "ingress", "tcp", 179, "10.0.0.0/24"),
        rule(sg(w3), "ingress", "udp", 4789, "10.0.0.0/24"),
        rule(sg(w3), "ingress", None, None, POD_CIDR),
    ])  # fmt: skip


def _backend_not_visible(doc: Doc) -> None:
    """What a project member sees: no agents list, no provider:network_type."""
    os_ = doc["openstack"]
    os_["backend"] = None
    os_["backend_source"] = None
    for net in os_["networks"]:
        net["network_type"] = None


def example_backend_unknown_healthy(doc: Doc) -> None:
    _fixed(doc)
    _backend_not_visible(doc)


def example_reply_drop_backend_unknown(doc: Doc) -> None:
    example_pairs_some_ports(doc)
    _backend_not_visible(doc)


def example_bgp_blocked(doc: Doc) -> None:
    """Calico without encapsulation (BGP-routed), pod-CIDR pairs, and no TCP 179 between nodes."""
    add_pairs(doc, [POD_CIDR])
    set_calico_mode(doc)
    calico_pool(doc)["nat_outgoing"] = True
    _custom_group_only(
        doc,
        [
            *(r for r in _BASE_NODE_RULES if r["port_range_min"] != 179),
            rule(SG_NODES, "ingress", None, None, POD_CIDR),
        ],
    )


def example_calico_bgp_one_way(doc: Doc) -> None:
    """`example_bgp_blocked` but for TCP 179 admitted one way: the workers' group admits it from
    the masters' group and its own, the masters' group from none. Calico's mesh (v3.4 on) has
    the node with the greater address connect, every worker's (10.0.0.12-14) being greater
    than the master's (10.0.0.11): the workers' connections to the master are dropped, so no
    master-worker session comes up though the master could connect to the workers."""
    example_bgp_blocked(doc)
    masters, workers = fake_id("sg", "k8s-masters"), fake_id("sg", "k8s-workers")
    doc["openstack"]["security_groups"] += [
        {"id": masters, "name": "k8s-masters", "rules": []},
        {
            "id": workers,
            "name": "k8s-workers",
            "rules": [
                rule(workers, "ingress", "tcp", 179, group=masters),
                rule(workers, "ingress", "tcp", 179, group=workers),
            ],
        },
    ]
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        extra = masters if names[port["id"]] == "k8s-cp-1" else workers
        port["security_group_ids"] = [*port["security_group_ids"], extra]


def example_stateless_replies(doc: Doc) -> None:
    """ML2/OVN, pairs and node rules that admit every request (a pod-CIDR rule too), but the
    groups are stateless: no rule admits the replies to the clients' ephemeral ports."""
    os_ = doc["openstack"]
    os_["backend"] = "ml2/ovn"
    os_["backend_source"] = "agents list: OVN Controller agent"
    os_["networks"][0]["network_type"] = "geneve"
    os_["networks"][0]["mtu"] = 1442
    doc["cluster"]["cni"]["calico"]["mtu"] = 1392
    _fixed(doc)
    _custom_group_only(doc, [*_BASE_NODE_RULES, rule(SG_NODES, "ingress", None, None, POD_CIDR)])
    for sg in os_["security_groups"]:
        sg["stateful"] = False


def example_bgp_stateless_replies(doc: Doc) -> None:
    """`example_stateless_replies` with Calico unencapsulated (BGP routes): the nodes' BGP
    sessions get no replies either, so no node has a route to another's pods."""
    example_stateless_replies(doc)
    set_calico_mode(doc)


def example_admin_binding_failed(doc: Doc) -> None:
    """The fixed seed collected by an admin (binding:vif_type read): k8s-w-1 is an SR-IOV VF
    (hw_veb: unfiltered, and it needs no pairs), k8s-w-3's port failed to bind."""
    _fixed(doc)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    bound = {"k8s-w-1": ("direct", "hw_veb"), "k8s-w-3": ("normal", "binding_failed")}
    for port in ports_of(doc):
        port["vnic_type"], port["vif_type"] = bound.get(
            names.get(port["id"], ""), ("normal", "ovs")
        )
        if names.get(port["id"]) == "k8s-w-1":
            port["allowed_address_pairs"] = []


def example_pod_cidr_overlaps_nodes(doc: Doc) -> None:
    """The pod CIDR 10.0.0.0/16 contains the node subnet 10.0.0.0/24, and the nodes' blocks are
    in it (10.0.0.64/27, .96/27, .128/27, .160/27): an actual overlap."""
    cl = doc["cluster"]
    cl["pod_cidrs"] = ["10.0.0.0/16"]
    calico_pool(doc)["cidr"] = "10.0.0.0/16"
    calico_pool(doc)["block_size"] = 27
    for i, b in enumerate(cl["cni"]["calico"]["blocks"]):
        b["cidr"] = f"10.0.0.{64 + 32 * i}/27"
    for i, n in enumerate(cl["nodes"]):
        n["pod_cidrs"] = [f"10.0.0.{64 + 32 * i}/27"]

    def moved(ip: str) -> str:
        if not ip.startswith("10.244."):
            return ip
        _a, _b, third, last = ip.split(".")
        return f"10.0.0.{64 + 32 * int(third) + int(last)}"

    for p in cl["pods"]:
        p["ip"] = moved(p["ip"])
    for svc in cl["services"]:
        for ep in svc["endpoints"]:
            ep["ip"] = moved(ep["ip"])
    for i, r in enumerate(doc["openstack"]["routers"][0]["routes"]):
        r["destination"] = f"10.0.0.{64 + 32 * i}/27"


EXAMPLES: dict[str, tuple[str, Callable[[Doc], None] | None]] = {
    "seed-incident": (
        "The seed incident: VXLANCrossSubnet in one subnet, no allowed pairs, natOutgoing off.",
        None,
    ),
    "seed-fixed": (
        "The seed after the recommended fix: pod and service CIDR pairs on every node port.",
        _fixed,
    ),
    "seed-port-security-off": (
        "The seed after the fast fix: port security disabled on every node port.",
        disable_port_security,
    ),
    "ipip-always-no-proto4": (
        "calico.yaml (IPIP Always); nodes only in a custom group without IP protocol 4.",
        example_ipip_no_proto4,
    ),
    "vxlan-always-no-4789": (
        "Calico VXLAN Always; nodes only in a custom group without UDP 4789.",
        example_vxlan_no_4789,
    ),
    "flannel-vxlan-no-8472": (
        "Flannel vxlan; nodes only in a custom group without UDP 8472.",
        example_flannel_no_8472,
    ),
    "two-subnets-crosssubnet": (
        "VXLANCrossSubnet with nodes in two subnets and no pairs: only same-subnet pairs break.",
        example_two_subnets,
    ),
    "calico-bgp-two-subnets-no-routes": (
        "Calico without encapsulation (BGP routes), nodes in two subnets joined by one router, "
        "pod-CIDR pairs, and no router route to any node's pods.",
        example_calico_bgp_two_subnets_no_routes,
    ),
    "pairs-some-ports": (
        "Allowed pairs on the control plane and k8s-w-1 only.",
        example_pairs_some_ports,
    ),
    "mtu-1500": ("Fixed pairs, but Calico MTU 1500 on a 1450 network.", example_mtu_1500),
    "mtu-wireguard-unknown": (
        "Calico MTU 1500 on a 1450 network, FelixConfiguration not readable: too large whether "
        "WireGuard is off or on, by a different margin.",
        example_mtu_wireguard_unknown,
    ),
    "ovn-seed-fix-not-enough": (
        "ML2/OVN: the seed's own fix (pairs + protocol rules in `default`) still drops pod traffic.",
        example_ovn_seed_fix,
    ),
    "cilium-geneve-no-6081": (
        "Cilium tunnel geneve; nodes only in a custom group without UDP 6081.",
        example_cilium_geneve_no_6081,
    ),
    "unmatched-node": (
        "Fixed pairs, but node k8s-w-3 matched no Neutron port.",
        example_unmatched_node,
    ),
    "harbor-wrong-namespace": (
        "The seed with its Helm state: Harbor installed without -n into default (stale PVCs "
        "bound again, core and jobservice crash-looping), the newer attempt in harbor failing "
        "on the network.",
        example_harbor_wrong_namespace,
    ),
    "hetero-groups": (
        "Every node in its own security group, rules written differently; k8s-w-3 lacks kubelet.",
        example_hetero_groups,
    ),
    "backend-unknown-healthy": (
        "The fixed seed seen by a project member: the Neutron backend is not visible.",
        example_backend_unknown_healthy,
    ),
    "reply-drop-backend-unknown": (
        "Pairs on two ports only, and the Neutron backend not visible: replies drop either way.",
        example_reply_drop_backend_unknown,
    ),
    "bgp-blocked": (
        "Calico without encapsulation (BGP routes), pod-CIDR pairs, TCP 179 blocked between nodes.",
        example_bgp_blocked,
    ),
    "pod-cidr-overlaps-nodes": (
        "The pod CIDR 10.0.0.0/16 contains the node subnet 10.0.0.0/24 and its blocks are in it.",
        example_pod_cidr_overlaps_nodes,
    ),
    "stateless-replies-dropped": (
        "ML2/OVN, every request admitted, but the groups are stateless and admit no reply.",
        example_stateless_replies,
    ),
    "calico-bgp-one-way": (
        "Calico without encapsulation (BGP routes); the workers' group admits TCP 179 from the "
        "masters' group, the masters' group not from the workers': the mesh's greater address "
        "(a worker) connects, so no master-worker session comes up.",
        example_calico_bgp_one_way,
    ),
    "bgp-stateless-replies": (
        "ML2/OVN, Calico without encapsulation (BGP routes), every request admitted (TCP 179 "
        "too), but the groups are stateless and admit no reply: no BGP session comes up.",
        example_bgp_stateless_replies,
    ),
    "admin-binding-failed": (
        "The fixed seed seen by an admin: k8s-w-1 an SR-IOV VF without pairs (unfiltered), "
        "k8s-w-3's port failed to bind.",
        example_admin_binding_failed,
    ),
}


Registry = Mapping[str, tuple[str, Callable[[Doc], None] | None]]


def registry_doc(registry: Registry, name: str, base: Callable[[], Doc] | None = None) -> Doc:
    """Example ``name`` of ``registry``: its edit applied to ``base`` (the seed) and its
    description as the snapshot's source."""
    description, edit = registry[name]
    doc = (base or seed_doc)()
    if edit is not None:
        edit(doc)
    doc["source"] = f"example {name}: {description}"
    return doc


def example_doc(name: str) -> Doc:
    return registry_doc(EXAMPLES, name)
