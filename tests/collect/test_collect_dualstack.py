"""The OpenStack collector reads a dual-stack Neutron: the real harness with an IPv6 subnet.

The seed plus `k8s-subnet-v6` (fd00:10::/64, dhcpv6-stateful) on `k8s-net`,
an IPv6 fixed IP on every node port (`seed_topology(dual_stack=True)`), IPv6
allowed pairs and `ethertype IPv6` rules: everything the engine needs to
decide IPv6 pod traffic must come through, next to the IPv4 it already read.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from test_collect_openstack import Connect, connect  # noqa: F401  (the fixture)

from kostack.collect.openstack import collect_openstack
from kostack_lab.neutron import openstack_connection

pytestmark = pytest.mark.neutron


def test_reads_ipv6_subnets_fixed_ips_pairs_and_rules(
    neutron_seeder: Any,
    neutron: str,
    connect: Connect,  # noqa: F811
) -> None:
    ids = neutron_seeder(dual_stack=True)
    assert ids.subnet6_id is not None
    admin = openstack_connection(neutron)
    w1 = ids.port_ids["k8s-w-1"]
    admin.network.update_port(
        w1,
        allowed_address_pairs=[
            {"ip_address": "10.244.0.0/16"},
            {"ip_address": "fd00:10:244::/56"},
        ],
    )
    pods6 = admin.network.create_security_group_rule(
        security_group_id=ids.nodes_sg_id,
        direction="ingress",
        ether_type="IPv6",
        protocol="tcp",
        port_range_min=8080,
        port_range_max=8080,
        remote_ip_prefix="fd00:10:244::/56",
    )
    ping6 = admin.network.create_security_group_rule(
        security_group_id=ids.nodes_sg_id,
        direction="ingress",
        ether_type="IPv6",
        protocol="ipv6-icmp",
        remote_ip_prefix="::/0",
    )

    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    subnets = {s.id: s for s in record.subnets or ()}
    subnet6 = subnets[ids.subnet6_id]
    assert subnet6.name == "k8s-subnet-v6" and subnet6.network_id == ids.network_id
    assert subnet6.cidr == ipaddress.ip_network("fd00:10::/64")
    assert subnet6.gateway_ip == ipaddress.ip_address("fd00:10::1")
    assert subnets[ids.subnet_id].cidr == ipaddress.ip_network("10.0.0.0/24")

    ports = {p.id: p for p in record.ports or ()}
    for node in ids.nodes:
        fixed = {(str(f.ip_address), f.subnet_id) for f in ports[node.port_id].fixed_ips}
        assert fixed == {(node.ip_address, ids.subnet_id), (node.ip6_address, ids.subnet6_id)}
    assert ids.node("k8s-w-1").ip6_address == "fd00:10::12"
    pairs = {(str(p.ip_address), p.mac_address) for p in ports[w1].allowed_address_pairs}
    assert pairs == {
        ("10.244.0.0/16", "fa:16:3e:00:00:12"),
        ("fd00:10:244::/56", "fa:16:3e:00:00:12"),
    }

    rules = {r.id: r for g in record.security_groups or () for r in g.rules}
    assert (rules[pods6.id].ethertype, rules[pods6.id].protocol) == ("IPv6", "tcp")
    assert (rules[pods6.id].port_range_min, rules[pods6.id].port_range_max) == (8080, 8080)
    assert rules[pods6.id].remote_ip_prefix == ipaddress.ip_network("fd00:10:244::/56")
    assert (rules[ping6.id].ethertype, rules[ping6.id].protocol) == ("IPv6", "ipv6-icmp")
    # Neutron's default group admits IPv6 from its members and lets IPv6 out.
    default = {(r.direction, r.ethertype, r.remote_group_id) for r in rules.values()}
    assert ("ingress", "IPv6", ids.default_sg_id) in default
    assert ("egress", "IPv6", None) in default
