"""What collection would read from a running lab: its Neutron's ports and groups, its cluster.

`kostack probe --lab` and `kostack watch --probes lab` plan from this snapshot when
no live source is given; `lab_pods` says which lab pod probes from (and answers for)
each node.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from kostack_lab.topology_layout import SECOND_POOL_NAME

if TYPE_CHECKING:
    from kostack.model import Snapshot
    from kostack_lab.lab import Lab
    from kostack_lab.lab_runner import LabPod
    from kostack_lab.scenarios import Scenario
    from kostack_lab.topology_layout import Topology

__all__ = ["lab_pods", "lab_snapshot"]


def lab_snapshot(lab: Lab) -> Snapshot:
    """The snapshot of a running lab, as collection would read it from its Neutron and its cluster.

    Ports and security groups come from the lab's port description (its
    Neutron when it has one, so a fix applied there shows), the rest from
    the lab's layout: network MTU, router routes back to the pod blocks,
    nodes, pods, the kubernetes and kube-dns services, Calico's pool and MTU.
    """
    from kostack.model import SCHEMA_VERSION, parse_snapshot

    topo = lab.topology
    scenario = lab.scenario
    ports_json, groups_json = lab.port_description()
    by_ip: dict[str, dict[str, Any]] = {}
    for port in ports_json:
        for fixed in port.get("fixed_ips") or []:
            by_ip[str(fixed.get("ip_address"))] = port
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "source": f"kostack lab ({lab.prefix}*, scenario {scenario.name})",
        "openstack": _openstack(topo, scenario, ports_json, groups_json, by_ip),
        "cluster": _cluster(topo),
        "node_ports": _node_ports(topo, by_ip),
    }
    if topo.dual_stack:
        _add_ipv6(doc, lab, ports_json)
    return parse_snapshot(doc)


def _openstack(
    topo: Topology,
    scenario: Scenario,
    ports_json: list[dict[str, Any]],
    groups_json: list[dict[str, Any]],
    by_ip: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The OpenStack record: the lab's network, subnet and router, its ports and groups."""
    node_port = next((by_ip[n.ip] for n in topo.nodes if n.ip in by_ip), None)
    network_id = str(node_port["network_id"]) if node_port else "lab-network"
    subnet_id = (
        str((node_port.get("fixed_ips") or [{}])[0].get("subnet_id") or "lab-subnet")
        if node_port
        else "lab-subnet"
    )
    router_port = by_ip.get(topo.gateway_ip)
    router_id = str(router_port.get("device_id") or "lab-router") if router_port else "lab-router"
    public_id, public_subnets = _public(ports_json)
    return {
        "project_name": "lab",
        "backend": str(scenario.backend),
        "backend_source": "lab scenario",
        "networks": [
            {
                "id": network_id,
                "name": "k8s-net",
                "mtu": topo.network_mtu,
                "port_security_enabled": True,
                "network_type": "vxlan",
            },
            {"id": public_id, "name": "public", "mtu": 1500, "router_external": True},
        ],
        "subnets": [
            {
                "id": subnet_id,
                "name": "k8s-subnet",
                "network_id": network_id,
                "cidr": topo.network_cidr,
                "gateway_ip": topo.gateway_ip,
            },
            *public_subnets,
        ],
        "routers": [
            {
                "id": router_id,
                "name": "k8s-router",
                "external_network_id": public_id,
                "enable_snat": True,
                "interface_subnet_ids": [subnet_id],
                "routes": [
                    {"destination": cidr, "nexthop": n.ip}
                    for n in topo.nodes
                    for cidr in (n.pod_cidr, n.pod_cidr2)
                    if cidr
                ]
                if topo.router_routes_to_pods
                else [],
            }
        ],
        "ports": [_port(p) for p in ports_json],
        "security_groups": [_group(g) for g in groups_json],
    }


def _public(ports_json: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The public network's id and subnets. A Neutron's router has its gateway port there: the
    network and subnets are named by the ids that port gives (made-up ids left the port on a
    network the snapshot did not have, and `probe --lab` failed on a lab with its Neutron)."""
    from kostack_lab.seed import PUBLIC_CIDR, PUBLIC_CIDR6, PUBLIC_SUBNET_NAME

    gateway = next(
        (p for p in ports_json if p.get("device_owner") == "network:router_gateway"), None
    )
    if gateway is None:
        return "lab-public", []
    network_id = str(gateway["network_id"])
    subnets = {
        str(fixed["subnet_id"]): PUBLIC_CIDR6 if ":" in str(fixed["ip_address"]) else PUBLIC_CIDR
        for fixed in gateway.get("fixed_ips") or []
        if fixed.get("subnet_id")
    }
    return network_id, [
        {"id": subnet_id, "name": PUBLIC_SUBNET_NAME, "network_id": network_id, "cidr": cidr}
        for subnet_id, cidr in subnets.items()
    ]


def _port(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "name": p.get("name") or "",
        "network_id": p["network_id"],
        "mac_address": p["mac_address"],
        "fixed_ips": [
            {"subnet_id": f.get("subnet_id"), "ip_address": f["ip_address"]}
            for f in p.get("fixed_ips") or []
        ],
        "allowed_address_pairs": [
            {"ip_address": a["ip_address"], "mac_address": a.get("mac_address")}
            for a in p.get("allowed_address_pairs") or []
        ],
        "port_security_enabled": p.get("port_security_enabled"),
        "admin_state_up": p.get("admin_state_up"),
        "status": p.get("status") or "",
        "security_group_ids": list(p.get("security_groups") or []),
        "device_id": p.get("device_id") or "",
        "device_owner": p.get("device_owner") or "",
        "revision_number": p.get("revision_number"),
    }


def _group(g: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": g["id"],
        "name": g.get("name") or "",
        "revision_number": g.get("revision_number"),
        "stateful": g.get("stateful", True) is not False,
        "rules": [
            {
                "id": r["id"],
                "direction": r["direction"],
                "ethertype": r.get("ethertype") or "IPv4",
                "protocol": None if r.get("protocol") is None else str(r["protocol"]),
                "port_range_min": r.get("port_range_min"),
                "port_range_max": r.get("port_range_max"),
                "remote_ip_prefix": r.get("remote_ip_prefix"),
                "remote_group_id": r.get("remote_group_id"),
            }
            for r in g.get("security_group_rules") or []
        ],
    }


def _cluster(topo: Topology) -> dict[str, Any]:
    """The cluster record: nodes, pods, the two services, CIDRs, DNS, kube-proxy and Calico."""
    from kostack_lab.seed import node_device_id

    return {
        "name": "kostack-lab",
        "kubernetes_version": "v1.33.5",
        "nodes": [
            {
                "name": n.name,
                "roles": ["control-plane"] if n.role == "control-plane" else [],
                "internal_ip": n.ip,
                "addresses": [{"type": "InternalIP", "address": n.ip}],
                "provider_id": f"openstack:///{node_device_id(n.name)}",
                "pod_cidrs": [n.pod_cidr],
                "ready": True,
            }
            for n in topo.nodes
        ],
        "pods": [
            {
                "namespace": p.namespace,
                "name": p.name,
                "node": p.node,
                "ip": p.ip,
                "phase": "Running",
                "labels": {"k8s-app": "kube-dns"} if p.app == "coredns" else {"app": "echo"},
            }
            for p in topo.pods
        ],
        "services": _services(topo),
        "pod_cidrs": list(topo.pod_cidrs),
        "service_cidrs": [topo.service_cidr],
        "cluster_dns_ip": topo.dns_service_ip,
        "dns_domain": topo.dns_domain,
        "kube_proxy_mode": "iptables",  # what the lab's DNAT behaves like (scenario_objects)
        "kube_proxy_pods": len(topo.nodes),  # kubeadm's DaemonSet, one per node
        "kubeadm": True,  # the lab serves kube-system/kubeadm-config
        "cni": {"canal": _canal, "antrea": _antrea}.get(topo.cni, _calico)(topo),
    }


def _services(topo: Topology) -> list[dict[str, Any]]:
    """kubernetes (the control plane's apiserver) and kube-dns (the CoreDNS pod)."""
    cp = topo.control_plane
    dns_pod = topo.dns_pod
    return [
        {
            "namespace": "default",
            "name": "kubernetes",
            "cluster_ip": topo.kubernetes_service_ip,
            "ports": [
                {
                    "name": "https",
                    "port": 443,
                    "protocol": "TCP",
                    "target_port": topo.apiserver_port,
                }
            ],
            "endpoints": [{"ip": cp.ip, "node": cp.name, "ports": {"https": topo.apiserver_port}}],
        },
        {
            "namespace": "kube-system",
            "name": "kube-dns",
            "cluster_ip": topo.dns_service_ip,
            "ports": [
                {
                    "name": "dns",
                    "port": 53,
                    "protocol": "UDP",
                    "target_port": topo.dns_port,
                },
                {
                    "name": "dns-tcp",
                    "port": 53,
                    "protocol": "TCP",
                    "target_port": topo.dns_port,
                },
            ],
            "endpoints": [
                {
                    "ip": dns_pod.ip,
                    "node": dns_pod.node,
                    "pod": f"{dns_pod.namespace}/{dns_pod.name}",
                    "ports": {"dns": topo.dns_port, "dns-tcp": topo.dns_port},
                }
            ],
        },
    ]


def _calico(topo: Topology) -> dict[str, Any]:
    """Calico as the operator installs it: one pool, a block per node, the lab's MTU."""
    vxlan_mode = {"None": "Never", "VXLANCrossSubnet": "CrossSubnet", "VXLAN": "Always"}[
        str(topo.encapsulation)
    ]
    return {
        "type": "calico",
        "calico": {
            "install_method": "operator",
            "ip_pools": [
                {
                    "name": "default-ipv4-ippool",
                    "cidr": topo.pod_cidr,
                    "ipip_mode": "Never",
                    "vxlan_mode": vxlan_mode,
                    "nat_outgoing": topo.nat_outgoing,
                    "block_size": 24,
                },
                *(
                    [
                        {
                            "name": SECOND_POOL_NAME,
                            "cidr": topo.pod_cidr2,
                            "ipip_mode": "Never",
                            "vxlan_mode": "Never",  # routed natively (topology.plan_node)
                            "nat_outgoing": topo.nat_outgoing,
                            "block_size": 24,
                        }
                    ]
                    if topo.pod_cidr2
                    else []
                ),
            ],
            "blocks": [
                {"cidr": cidr, "node": n.name}
                for n in topo.nodes
                for cidr in (n.pod_cidr, n.pod_cidr2)
                if cidr
            ],
            "mtu": topo.pod_mtu,
            "mtu_source": "Installation default status.mtu",
            "vxlan_port": topo.vxlan_port,
            "feature_detect_override": topo.felix_override,
        },
    }


def _canal(topo: Topology) -> dict[str, Any]:
    """Canal as collection reads it from the lab's API (kostack_lab.canal_objects): flannel's
    vxlan with --ip-masq, and calico-node's default pool with natOutgoing."""
    from kostack_lab.canal_objects import FLANNEL_VERSION

    return {
        "type": "flannel",
        "version": FLANNEL_VERSION,
        "flannel": {
            "network": topo.pod_cidr,
            "backend_type": "vxlan",
            "port": topo.vxlan_port,
            "ip_masq": True,
            "ip_masq_fully_random_disable": False,  # flanneld without the flag
            "mtu_auto": True,
            "kube_subnet_mgr": True,
            "bundle": "canal",
            "canal_pools": [
                {
                    "name": "default-ipv4-ippool",
                    "cidr": topo.pod_cidr,
                    "ipip_mode": "Never",
                    "vxlan_mode": "Never",
                    "nat_outgoing": topo.nat_outgoing,
                    "block_size": 26,
                    "source": "crd.projectcalico.org/v1 IPPool",
                }
            ],
            "canal_nat_exclusions": "IPPoolsOnly",
            "canal_config": "canal-config",
            "canal_veth_mtu": 0,  # canal.yaml's: calico-node's detection, the NIC's MTU
        },
    }


def _antrea(topo: Topology) -> dict[str, Any]:
    """Antrea as collection reads it from the lab's API (kostack_lab.antrea_objects): hybrid,
    masquerading without --random-fully, the Egress feature on."""
    from kostack_lab.antrea_objects import ANTREA_VERSION

    return {
        "type": "antrea",
        "version": ANTREA_VERSION,
        "antrea": {
            "traffic_encap_mode": "hybrid",
            "tunnel_type": "geneve",
            "tunnel_port": 6081,
            "traffic_encryption_mode": "none",
            "wireguard_port": 51820,
            "no_snat": False,
            "snat_fully_random_ports": False,
            "default_mtu": 0,
            "antrea_proxy": True,
            "proxy_all": False,
            "node_port_addresses": [],  # antreaProxy.nodePortAddresses unset: every address
            "config_map": "antrea-config",
            "egress": True,
            "cluster_port": 10351,  # the agents' memberlist (clusterPort unset)
        },
    }


def _node_ports(topo: Topology, by_ip: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "node": n.name,
            "port_id": by_ip[n.ip]["id"] if n.ip in by_ip else None,
            "matched_by": "internal_ip" if n.ip in by_ip else None,
            "note": "" if n.ip in by_ip else f"no port has fixed IP {n.ip}",
        }
        for n in topo.nodes
    ]


def lab_pods(lab: Lab) -> tuple[dict[str, LabPod], dict[str, str], dict[str, str]]:
    """Per node: the lab pod the agent runs in, the echo listener probes aim at, its IPv6;
    with a second pool, also per ``node@pool`` (`kostack.probe.plan_model.place`) the pod of
    each pool, for the probes pinned to a pool."""
    from kostack.probe.plan_model import place
    from kostack_lab.lab_runner import LabPod

    topo = lab.topology
    sources: dict[str, LabPod] = {}
    echo: dict[str, str] = {}
    echo6: dict[str, str] = {}
    for node in topo.nodes:
        pods = topo.pods_on(node.name)
        # Prefer a plain echo pod of the default pool: on the control plane the first pod is
        # CoreDNS.
        chosen = next(
            (p for p in pods if p.app == "echo" and not p.pool), pods[0] if pods else None
        )
        if chosen is None:
            continue
        picks = [("", chosen)]
        if topo.pod_cidr2:
            picks.append(("default-ipv4-ippool", chosen))
            picks += [(p.pool, p) for p in pods if p.pool][:1]
        for pool, pod in picks:
            key = place(node.name, pool)
            sources[key] = LabPod(node.name, pod.netns, f"{pod.namespace}/{pod.name}", pod.ip)
            echo[key] = pod.ip
            if pod.ip6:
                echo6[key] = pod.ip6
    return sources, echo, echo6


def _add_ipv6(doc: dict[str, Any], lab: Lab, ports_json: list[dict[str, Any]]) -> None:
    """A dual-stack lab: the IPv6 subnet, the nodes' IPv6 InternalIPs and pod CIDRs."""
    from kostack_lab.router6 import find_router6
    from kostack_lab.seed import SUBNET6_ADDRESS_MODE, SUBNET6_NAME, SUBNET6_RA_MODE

    topo = lab.topology
    assert topo.network_cidr6 is not None and topo.pod_cidr6 is not None  # dual_stack
    network = doc["openstack"]["networks"][0]["id"]
    subnet6 = next(
        (
            str(fixed["subnet_id"])
            for port in ports_json
            for fixed in port.get("fixed_ips") or []
            if ":" in str(fixed.get("ip_address")) and fixed.get("subnet_id")
        ),
        "lab-subnet-v6",
    )
    router6 = find_router6(topo, ports_json)
    doc["openstack"]["subnets"].append(
        {
            "id": subnet6,
            "name": SUBNET6_NAME,
            "network_id": network,
            "cidr": topo.network_cidr6,
            "gateway_ip": str(ipaddress.ip_network(topo.network_cidr6).network_address + 1),
            # Only a subnet Neutron's router advertises can be its interface (kostack_lab.router6).
            "ipv6_ra_mode": SUBNET6_RA_MODE if router6 else None,
            "ipv6_address_mode": SUBNET6_ADDRESS_MODE,
        }
    )
    if router6 is not None:
        router = doc["openstack"]["routers"][0]
        router["interface_subnet_ids"].append(subnet6)
        if topo.router_routes_to_pods:
            router["routes"] += [
                {"destination": n.pod_cidr6, "nexthop": n.ip6} for n in topo.nodes if n.ip6
            ]
    _add_service_families(doc["cluster"]["services"], topo)
    cluster = doc["cluster"]
    nodes = {n.name: n for n in topo.nodes}
    for node in cluster["nodes"]:
        plan = nodes[node["name"]]
        if plan.ip6 and plan.pod_cidr6:
            node["addresses"].append({"type": "InternalIP", "address": plan.ip6})
            node["pod_cidrs"].append(plan.pod_cidr6)
    cluster["pod_cidrs"] = [*cluster["pod_cidrs"], topo.pod_cidr6]
    calico = cluster["cni"]["calico"]
    pool4 = calico["ip_pools"][0]
    calico["ip_pools"].append(
        {**pool4, "name": "default-ipv6-ippool", "cidr": topo.pod_cidr6, "block_size": 122}
    )
    # The lab routes one IPv6 block per node (its /64 podCIDR), as the IPv4 /24s.
    calico["blocks"] += [{"cidr": n.pod_cidr6, "node": n.name} for n in topo.nodes if n.pod_cidr6]
    for pod in cluster["pods"]:  # status.podIPs: both families, the primary first
        pod_plan = topo.pod(pod["name"])
        if pod_plan.ip6:
            pod["ips"] = [pod_plan.ip, pod_plan.ip6]


def _add_service_families(services: list[dict[str, Any]], topo: Topology) -> None:
    """Both ClusterIPs, the families and an IPv6 endpoint for each dual-stack lab service."""
    plans = {(s.namespace, s.name): s for s in topo.services}
    for service in services:
        plan = plans.get((service["namespace"], service["name"]))
        if plan is None or plan.cluster_ip6 is None or plan.ports[0].target_ip6 is None:
            continue
        service["cluster_ips"] = [plan.cluster_ip, plan.cluster_ip6]
        service["ip_families"] = ["IPv4", "IPv6"]
        service["ip_family_policy"] = "PreferDualStack"
        first = service["endpoints"][0]
        service["endpoints"].append({**first, "ip": plan.ports[0].target_ip6})
