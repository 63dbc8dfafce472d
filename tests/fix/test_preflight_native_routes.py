"""`kostack preflight` plans the router's routes to each node's pods whenever the CNI carries
pod traffic unencapsulated between nodes of different subnets: Calico without encapsulation
(BGP), kube-router without overlay, Cilium native routing, flannel host-gw, as Antrea noEncap
already had them. Before, only Antrea got them: the others left `native-cross-subnet` open
("no route") in the verified setup. The engine verifies the plan: without the routes the
setup breaks there, with them nothing remains. The CrossSubnet modes tunnel across subnets and
need no route (checked)."""

from __future__ import annotations

import ipaddress

import pytest
from fix_cloud import run_cli

import kostack.plan.preflight as pf
from kostack.analyze.diagnose import RootCause, diagnose
from kostack.plan.preflight import PlannedNode, PreflightSpec, preflight
from kostack.plan.preflight_world import planned_cloud, planned_snapshot

ACROSS = ("10.0.0.11", "10.0.0.12", "10.0.1.13")  # k8s-w-2 in another subnet
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2")


def spec(cni: str, mode: str, ips: tuple[str, ...] = ACROSS, **kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate(zip(NODES, ips, strict=True))
    )
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.244.0.0/16"),
        "service_cidr": ipaddress.ip_network("10.96.0.0/12"),
        "cni": cni,
        "mode": mode,
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


NATIVE = [("calico", "none"), ("kube-router", "none"), ("cilium", "native"), ("flannel", "host-gw")]


@pytest.mark.parametrize(("cni", "mode"), NATIVE)
def test_native_modes_across_subnets_get_the_routes_and_the_engine_verifies_them(
    cni: str, mode: str
) -> None:
    result = preflight(spec(cni, mode))
    assert result.remaining == (), result.remaining
    # a route to each node's pods via that node
    assert [r.nexthop for r in result.routes] == list(ACROSS)
    # without them the engine finds the hole the routes fill
    assert "native-cross-subnet" in {rc.key for rc in result.current.root_causes}
    assert "native-cross-subnet" in {rc.key for rc in _without_routes(result.spec)}
    assert result.notes[0].startswith("The nodes are in more than one subnet and ")


def _without_routes(s: PreflightSpec) -> tuple[RootCause, ...]:
    """The recommended setup's root causes with the router as it is (no routes added)."""
    cloud = planned_cloud(s)
    group = pf._recommended_group(s, cloud).group
    ports, _ = pf._planned_ports(s, cloud, pf._current_ports(s, cloud), group.id)
    groups = [g for g in cloud.groups if g.id != group.id] + [group]
    mtu = preflight(s).recommended_mtu
    return diagnose(planned_snapshot(s, cloud, mtu, ports, groups, cloud.routers)).root_causes


@pytest.mark.parametrize(
    ("cni", "mode"), [("calico", "vxlan-crosssubnet"), ("calico", "ipip-crosssubnet"), *NATIVE]
)
def test_no_route_where_nothing_crosses_subnets_unencapsulated(cni: str, mode: str) -> None:
    same = preflight(spec(cni, mode, ("10.0.0.11", "10.0.0.12", "10.0.0.13")))
    assert same.routes == () and same.remaining == ()
    if mode.endswith("crosssubnet"):  # tunnelled across subnets: no gap to fill
        across = preflight(spec(cni, mode))
        assert across.routes == () and across.remaining == ()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_cli_prints_the_routes_and_why(lang: str) -> None:
    nodes = [a for ip, n in zip(ACROSS, NODES, strict=True) for a in ("--node", f"{ip}={n}")]
    args = ["--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12"]
    pick = ("--cni", "calico", "--mode", "none", "--lang", lang)
    run = run_cli("preflight", *args, *pick, *nodes, environ={})
    assert run.code == 0, run.stderr
    out = " ".join(run.stdout.split())
    why = {
        "en": "The nodes are in more than one subnet and Calico no encapsulation (BGP) does not "
        "encapsulate pod traffic between them: the router needs a route to each node's pods",
        "ko": "노드가 여러 서브넷에 있는데 Calico 캡슐화 없음 (BGP)에서는 그 사이의 Pod 트래픽을 "
        "캡슐화하지 않으므로, 라우터에 각 노드의 Pod로 가는 경로",
    }[lang]
    assert why in out
    assert (
        "openstack router add route --route destination=10.244.0.0/26,gateway=10.0.0.11 "
        "--route destination=10.244.1.0/26,gateway=10.0.0.12 "
        "--route destination=10.244.2.0/26,gateway=10.0.1.13"
    ) in out


def test_calicos_ipv6_pool_under_ipip_is_native_and_gets_ipv6_routes_only() -> None:
    """Calico has no IPIP for IPv6: under an IPIP mode the IPv6 pool is planned without
    encapsulation, so across subnets its pods need the router (the IPv4 ones are tunnelled)."""
    v6 = ("fd00:0:0:1::11", "fd00:0:0:1::12", "fd00:0:0:2::13")
    nodes = tuple(
        PlannedNode(n, ipaddress.ip_address(a), i == 0, (ipaddress.ip_address(b),))
        for i, (n, a, b) in enumerate(zip(NODES, ACROSS, v6, strict=True))
    )
    for mode in ("ipip", "ipip-crosssubnet"):
        result = preflight(
            spec(
                "calico",
                mode,
                nodes=nodes,
                pod_cidr_secondary=ipaddress.ip_network("fd00:10:244::/56"),
                service_cidr_secondary=ipaddress.ip_network("fd00:10:96::/112"),
            )
        )
        assert result.remaining == (), (mode, result.remaining)
        assert [r.nexthop for r in result.routes] == list(v6)
