"""The seed topology has one definition (kostack_lab.seed); every view of it agrees with it.

The lab's network, the lab scenarios' Neutron and Kubernetes views, the
snapshot builders and the Kubernetes fixtures all derive the seed from
kostack_lab.seed (the real Neutron seeding is checked in tests/harness).
"""

from __future__ import annotations

import ipaddress

import pytest

from kostack_lab import seed
from kostack_lab.scenarios import get_scenario, kubernetes_objects, neutron_description
from kostack_testkit import k8s_fixtures
from kostack_testkit.builders import build, seed_doc

SEED = seed.seed_nodes()


def test_the_seed_nodes() -> None:
    assert [(n.name, n.ip, n.mac, n.pod_cidr) for n in SEED] == [
        ("k8s-cp-1", "10.0.0.11", "fa:16:3e:00:00:11", "10.244.0.0/24"),
        ("k8s-w-1", "10.0.0.12", "fa:16:3e:00:00:12", "10.244.1.0/24"),
        ("k8s-w-2", "10.0.0.13", "fa:16:3e:00:00:13", "10.244.2.0/24"),
        ("k8s-w-3", "10.0.0.14", "fa:16:3e:00:00:14", "10.244.3.0/24"),
    ]
    assert [n.control_plane for n in SEED] == [True, False, False, False]
    assert len({n.device_id for n in SEED}) == 4
    assert SEED[1].provider_id == f"openstack:///{seed.node_device_id('k8s-w-1')}"
    assert {n.gateway_ip for n in SEED} == {"10.0.0.1"}


def test_a_second_subnet_and_a_large_cluster() -> None:
    split = seed.seed_nodes(5, second_subnet_nodes=2)
    assert [(n.name, n.ip, n.mac, n.subnet_index) for n in split[3:]] == [
        ("k8s-w-3", "10.1.0.11", "fa:16:3e:01:00:11", 1),
        ("k8s-w-4", "10.1.0.12", "fa:16:3e:01:00:12", 1),
    ]
    large = seed.seed_nodes(300)
    assert large[0].subnet_cidr == "10.0.0.0/23"  # widened: .11 + 299 does not fit a /24
    assert large[-1].ip == "10.0.1.54" and large[255].pod_cidr == "10.244.255.0/24"
    assert len({n.mac for n in large}) == 300
    with pytest.raises(ValueError, match="no /24 left"):
        _ = large[256].pod_cidr  # kubeadm's /16 has 256 node ranges
    with pytest.raises(ValueError):
        seed.seed_nodes(4, second_subnet_nodes=4)


def test_the_lab_network_is_the_seed() -> None:
    topo = get_scenario("seed").topology(prefix="ks-x-", nodes=4)
    assert [(n.name, n.ip, n.mac, n.pod_cidr) for n in topo.nodes] == [
        (n.name, n.ip, n.mac, n.pod_cidr) for n in SEED
    ]
    assert (topo.network_cidr, topo.gateway_ip, topo.router_mac) == (
        seed.NODE_SUBNET_CIDR,
        SEED[0].gateway_ip,
        seed.router_mac(),
    )
    assert (topo.pod_cidr, topo.service_cidr, topo.network_mtu) == (
        seed.POD_SUBNET,
        seed.SERVICE_SUBNET,
        seed.NETWORK_MTU,
    )
    assert (topo.kubernetes_service_ip, topo.dns_service_ip) == (
        seed.KUBERNETES_SERVICE_IP,
        seed.CLUSTER_DNS_IP,
    )


def test_the_scenario_views_are_the_seed() -> None:
    scenario = get_scenario("seed")
    topo = scenario.topology(prefix="ks-x-", nodes=4)
    ports, groups = neutron_description(scenario, topo)
    node_ports = [p for p in ports if p["device_owner"] == "compute:nova"]
    assert [
        (p["name"], p["fixed_ips"][0]["ip_address"], p["mac_address"], p["device_id"])
        for p in node_ports
    ] == [(n.name, n.ip, n.mac, n.device_id) for n in SEED]
    by_name = {g["name"]: g for g in groups}
    nodes_group = by_name[seed.NODES_GROUP]
    ingress = [
        (r["protocol"], r["port_range_min"], r["port_range_max"], r["remote_ip_prefix"])
        for r in nodes_group["security_group_rules"]
        if r["direction"] == "ingress"
    ]
    assert ingress == [
        (r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix)
        for r in seed.NODES_GROUP_RULES
    ]
    default = by_name[seed.DEFAULT_GROUP]["security_group_rules"]
    assert [r["remote_group_id"] is not None for r in default] == [
        r.remote_group is not None for r in seed.DEFAULT_GROUP_RULES
    ]
    nodes = [o for o in kubernetes_objects(scenario, topo) if o["kind"] == "Node"]
    assert [
        (o["metadata"]["name"], o["spec"]["providerID"], o["spec"]["podCIDR"]) for o in nodes
    ] == [(n.name, n.provider_id, n.pod_cidr) for n in SEED]


def test_the_snapshot_builders_are_the_seed() -> None:
    snapshot = build(seed_doc())
    assert snapshot.openstack is not None and snapshot.cluster is not None
    ports = {p.device_id: p for p in snapshot.openstack.ports or ()}
    for node in SEED:
        port = ports[node.device_id]
        assert (str(port.fixed_ips[0].ip_address), port.mac_address) == (node.ip, node.mac)
    cluster_nodes = {n.name: n for n in snapshot.cluster.nodes or ()}
    for node in SEED:
        internal = cluster_nodes[node.name]
        assert (str(internal.internal_ip), [str(c) for c in internal.pod_cidrs]) == (
            node.ip,
            [node.pod_cidr],
        )
    (subnet,) = [s for s in snapshot.openstack.subnets or () if s.name == seed.SUBNET_NAME]
    assert (str(subnet.cidr), str(subnet.gateway_ip)) == (seed.NODE_SUBNET_CIDR, SEED[0].gateway_ip)
    (nodes_group,) = [
        g for g in snapshot.openstack.security_groups or () if g.name == seed.NODES_GROUP
    ]
    assert [
        (r.protocol, r.port_range_min, str(r.remote_ip_prefix))
        for r in nodes_group.rules
        if r.direction == "ingress"
    ] == [(r.protocol, r.port_range_min, r.remote_ip_prefix) for r in seed.NODES_GROUP_RULES]


def test_the_kubernetes_fixtures_are_the_seed() -> None:
    nodes = [o for o in k8s_fixtures.seed_cluster() if o["kind"] == "Node"]
    assert [
        (
            o["metadata"]["name"],
            next(a["address"] for a in o["status"]["addresses"] if a["type"] == "InternalIP"),
            o["spec"]["providerID"],
            o["spec"]["podCIDR"],
        )
        for o in nodes
    ] == [(n.name, n.ip, n.provider_id, n.pod_cidr) for n in SEED]
    assert ipaddress.ip_network(k8s_fixtures.POD_SUBNET) == ipaddress.ip_network(seed.POD_SUBNET)
