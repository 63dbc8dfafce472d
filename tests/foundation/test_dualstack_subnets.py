"""A dual-stack node's IPv6 pod traffic runs between the nodes' IPv6 addresses: Calico's
CrossSubnet of an IPv6 pool and the route's next hop follow the nodes' IPv6 subnets, not their
IPv4 ones. Nodes on one IPv4 subnet but two IPv6 subnets, the IPv6 pool on VXLAN CrossSubnet:
the route said "via 10.0.0.13, same subnet 10.0.0.0/24 -> native" and the cluster was healthy,
though IPv6 pods cross on VXLAN (70 bytes) with a pod MTU of 1400 on a 1450 network."""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.topology import Topology
from kostack.catalog import localize
from kostack_testkit.builders import NET_ID, build, fake_id
from kostack_testkit.dualstack import dual_stack_doc, dual_stack_fixed

SUBNET_B = fake_id("subnet", "k8s-subnet-v6b")
MOVED = {"k8s-w-2": "fd00:0:0:2::13", "k8s-w-3": "fd00:0:0:2::14"}


def _two_ipv6_subnets() -> dict[str, Any]:
    doc = dual_stack_doc()
    dual_stack_fixed(doc)
    doc["openstack"]["subnets"].append(
        {
            "id": SUBNET_B,
            "name": "k8s-subnet-v6b",
            "network_id": NET_ID,
            "cidr": "fd00:0:0:2::/64",
            "ip_version": 6,
            "gateway_ip": "fd00:0:0:2::1",
            "ipv6_ra_mode": "dhcpv6-stateful",
            "ipv6_address_mode": "dhcpv6-stateful",
        }
    )
    doc["openstack"]["routers"][0]["interface_subnet_ids"].append(SUBNET_B)
    port_of = {link["node"]: link["port_id"] for link in doc["node_ports"]}
    ports = {p["id"]: p for p in doc["openstack"]["ports"]}
    for node in doc["cluster"]["nodes"]:
        if node["name"] in MOVED:
            old = node["addresses"][1]["address"]
            node["addresses"][1]["address"] = MOVED[node["name"]]
            for fixed in ports[port_of[node["name"]]]["fixed_ips"]:
                if fixed["ip_address"] == old:
                    fixed.update(subnet_id=SUBNET_B, ip_address=MOVED[node["name"]])
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["vxlan_mode"] = "CrossSubnet"
    return doc


def test_the_ipv6_route_crosses_the_ipv6_subnets() -> None:
    topo = Topology(build(_two_ipv6_subnets()))
    views = topo.node_views
    pod = ipaddress.ip_address("fd00:10:244:2::5")
    decision = encapsulation(topo, views["k8s-w-1"], views["k8s-w-2"], pod)
    assert decision.encap == "VXLAN"
    text = localize(decision.hop.detail, "en")
    assert "via fd00:0:0:2::13, fd00:0:0:1::/64 vs fd00:0:0:2::/64" in text, text
    # IPv4 pods between the same nodes stay native on their shared IPv4 subnet
    v4 = encapsulation(topo, views["k8s-w-1"], views["k8s-w-2"], ipaddress.ip_address("10.244.2.5"))
    assert v4.encap is None and "same subnet 10.0.0.0/24" in localize(v4.hop.detail, "en")


def test_the_vxlan_overhead_of_the_ipv6_pods_is_the_mtu_root_cause() -> None:
    d = diagnose(build(_two_ipv6_subnets()))
    assert [rc.key for rc in d.root_causes] == ["mtu"]
    assert "VXLAN (70 bytes)" in localize(d.root_causes[0].message, "en")
