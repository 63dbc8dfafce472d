"""The dual-stack lab's plans, without root: router IPv6 side, IPv6 outside, per-family kube-proxy."""

from __future__ import annotations

from typing import Any

from kostack_lab.router6 import Router6, find_router6, plan_router6
from kostack_lab.scenarios import get_scenario, neutron_description
from kostack_lab.seed import ROUTER6_MAC
from kostack_lab.topology import plan_kube_proxy, plan_router
from kostack_lab.topology_layout import Encapsulation, build_topology


def dual(**overrides: Any) -> Any:
    settings: dict[str, Any] = {
        "prefix": "ks-",
        "nodes": 3,
        "encapsulation": Encapsulation.VXLAN_CROSS_SUBNET,
        "nat_outgoing": False,
        "dual_stack": True,
    }
    return build_topology(**{**settings, **overrides})


def test_router_forwards_ipv6_without_nat_and_the_outside_routes_back() -> None:
    router = plan_router(dual())
    assert router.router_sysctls["net.ipv6.conf.all.forwarding"] == 1
    assert router.router_sysctls["net.ipv6.conf.all.disable_ipv6"] == 0
    assert "addr add 2001:db8:113::1/64 dev ks-eth1 nodad" in router.router_lines
    assert "route add blackhole ::/0" in router.router_lines  # a ClusterIP ping dies silently
    assert "ip6" not in router.router_nft  # Neutron NATs IPv4 only
    assert "addr add 2001:db8:113::10/64 dev ks-eth0 nodad" in router.internet_lines
    assert "route add fd00:10:244::/56 via 2001:db8:113::1 dev ks-eth0" in router.internet_lines
    assert "route add fd00:10::/64 via 2001:db8:113::1 dev ks-eth0" in router.internet_lines
    assert router.internet_sysctls["net.ipv6.conf.all.disable_ipv6"] == 0
    # An IPv4-only lab keeps IPv6 off in the router and the internet host.
    single = plan_router(get_scenario("fixed").topology(prefix="ks-", nodes=2))
    assert single.router_sysctls["net.ipv6.conf.all.disable_ipv6"] == 1
    assert not any(":" in line.split()[2] for line in single.internet_lines if "addr" in line)


def test_router6_is_the_router_interface_port_on_the_ipv6_subnet() -> None:
    scenario = get_scenario("dualstack-fixed")
    topo = scenario.topology(prefix="ks-", nodes=3)
    ports, _groups = neutron_description(scenario, topo)
    assert find_router6(topo, ports) == Router6("fd00:10::1", ROUTER6_MAC)
    # A compute port with an address on the subnet is no router; nor is any port on IPv4 only.
    node_ports = [p for p in ports if p["device_owner"] == "compute:nova"]
    assert find_router6(topo, node_ports) is None
    assert find_router6(get_scenario("fixed").topology(prefix="ks-", nodes=2), ports) is None
    dvr = [{**ports[-1], "device_owner": "network:router_interface_distributed"}]
    assert find_router6(topo, dvr) == Router6("fd00:10::1", ROUTER6_MAC)


def test_router6_plan_address_link_local_pod_routes_and_the_nodes_ra_route() -> None:
    topo = dual()
    setup = plan_router6(topo, Router6("fd00:10::1", ROUTER6_MAC))
    assert setup.router_lines[0] == "addr add fd00:10::1/64 dev ks-eth0 nodad"
    # The port's own MAC differs from the router NIC's: its link-local is added too.
    assert "addr add fe80::f816:3eff:fef6:1/64 dev ks-eth0 nodad" in setup.router_lines
    assert "route add fd00:10:244:2::/64 via fd00:10::13 dev ks-eth0" in setup.router_lines
    assert setup.node_lines == (
        "route replace default via fe80::f816:3eff:fef6:1 dev ks-eth0 proto ra",
    )
    no_routes = plan_router6(
        dual(router_routes_to_pods=False), Router6("fd00:10::1", topo.router_mac)
    )
    assert not any("route add" in line for line in no_routes.router_lines)
    assert not any("fe80" in line for line in no_routes.router_lines)  # the NIC's own link-local


def test_kube_proxy_dnats_both_cluster_ips_of_every_lab_service() -> None:
    topo = dual()
    assert {s.name: s.cluster_ip6 for s in topo.services} == {
        "kubernetes": "fd00:10:96::1",
        "kube-dns": "fd00:10:96::a",
        "echo": "fd00:10:96::20",
    }
    rules = plan_kube_proxy(topo)
    assert "ip daddr 10.96.0.1 tcp dport 443 dnat to 10.0.0.11:6443" in rules
    assert "ip6 daddr fd00:10:96::1 tcp dport 443 dnat to [fd00:10::11]:6443" in rules
    assert "ip6 daddr fd00:10:96::a udp dport 53 dnat to [fd00:10:244::11]:53" in rules
    assert "icmp" not in rules  # no rule answers a ping to a ClusterIP, in either family
    single = get_scenario("fixed").topology(prefix="ks-", nodes=2)
    assert all(s.cluster_ip6 is None for s in single.services)
    assert "table ip6" not in plan_kube_proxy(single)


def test_nat_outgoing_masquerades_each_family_of_the_pools() -> None:
    rules = plan_kube_proxy(dual(nat_outgoing=True))
    assert "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade" in rules
    assert "ip6 saddr fd00:10:244::/56 ip6 daddr != fd00:10:244::/56 masquerade" in rules
    assert "ip6 saddr" not in plan_kube_proxy(dual(nat_outgoing=False))
