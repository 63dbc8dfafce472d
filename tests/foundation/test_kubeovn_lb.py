"""Kube-OVN's Services: OVN's load balancer on a pod's logical switch DNATs its connections to
a ClusterIP when kube-ovn-controller --enable-lb is on (default) and the pod's Subnet has not
set enableLb false; kube-proxy on the node does otherwise, and always for nodes and
hostNetwork pods (the join switch has no load balancer). An underlay Subnet without it, or
settings not read: not decided.

Before, every TCP/UDP service hop on Kube-OVN said "kube-proxy on NODE", and a Subnet's own
enableLb was not read (the ping note followed the controller's flag alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.engine.types import Disposition, FlowResult
from kostack.analyze.messages import localize
from kostack.analyze.reach import parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack_testkit.builders import POD_CIDR, build, seed_doc
from kostack_testkit.cli import run_cli
from kostack_testkit.kubeovn import as_kube_ovn, subnet

Doc = dict[str, Any]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kube-ovn-geneve-blocked.json"


def _topo(default_lb: bool | None = None, **settings: Any) -> Topology:
    doc = seed_doc()
    default = subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=True)
    if default_lb is not None:
        default["enable_lb"] = default_lb
    as_kube_ovn(doc, default, **settings)
    return Topology(build(doc))


def _trace(topo: Topology, src: str, dst: str, protocol: str = "udp") -> list[FlowResult]:
    s, _, _ = parse_endpoint(topo, src)
    d, port, _ = parse_endpoint(topo, dst)
    return trace(topo, s, d, protocol, port)


def _service_hop(result: FlowResult) -> Any:
    return next(h for h in result.hops if h.step == "kube-proxy")


POD = "pod:demo/netshoot"
DNS = "svc:kube-system/kube-dns:53/udp"


@pytest.mark.parametrize(
    ("lang", "where"), [("en", "OVN load balancer (k8s-w-1)"), ("ko", "OVN 로드 밸런서 (k8s-w-1)")]
)
def test_a_pods_connection_is_dnated_by_ovns_load_balancer(lang: str, where: str) -> None:
    results = _trace(_topo(), POD, DNS)
    assert len(results) == 2  # one per CoreDNS pod, as kube-proxy's
    for result in results:
        hop = _service_hop(result)
        assert hop.disposition == Disposition.ACCEPTED
        assert localize(hop.where, lang) == where
        assert "DNAT 10.96.0.10:53 -> 10.244." in localize(hop.detail, lang)
        assert "subnet.kubeovn.io ovn-default enableLb=(unset)" in [e.text() for e in hop.evidence]


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"default_lb": False}, "enableLb=false"),  # the Subnet's own setting
        ({"enable_lb": False}, "--enable-lb=false"),  # the controller's flag: no LB anywhere
        ({"default_lb": True, "enable_lb": False}, "--enable-lb=false"),  # the flag wins
    ],
)
def test_without_the_load_balancer_kube_proxy_does_it(settings: Doc, why: str) -> None:
    for result in _trace(_topo(**settings), POD, DNS):
        hop = _service_hop(result)
        assert hop.disposition == Disposition.ACCEPTED
        assert localize(hop.where, "en") == "kube-proxy on k8s-w-1"
        assert any(why in e.text() for e in hop.evidence)


def test_a_centralized_subnet_without_it_goes_to_its_gateway_nodes_kube_proxy() -> None:
    topo = _topo(default_lb=False)
    doc = topo.snapshot.model_dump(mode="json")
    for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"]:
        s["gateway_type"] = "centralized"
    for result in _trace(Topology(build(doc)), POD, DNS):
        where = _service_hop(result).where
        assert where == "kube-proxy on a gateway node of Kube-OVN Subnet ovn-default"
        assert localize(where, "ko") == "Kube-OVN Subnet ovn-default의 게이트웨이 노드의 kube-proxy"


def test_a_nodes_connection_goes_through_kube_proxy() -> None:
    """The join switch (the nodes' ovn0) has no load balancer: the node's netfilter, kube-proxy."""
    for result in _trace(_topo(), "node:k8s-w-1", DNS):
        assert localize(_service_hop(result).where, "ko") == "k8s-w-1의 kube-proxy"


def test_not_decided_when_the_flag_was_not_read() -> None:
    for result in _trace(_topo(enable_lb=None), POD, DNS):
        hop = _service_hop(result)
        assert hop.where == "OVN load balancer or kube-proxy (k8s-w-1)"
        assert "which one is not decided" in hop.detail
        assert "kube-ovn-controller --enable-lb" in hop.detail
        assert "어느 쪽인지는 판단하지 않음" in localize(hop.detail, "ko")


def test_an_underlay_subnet_without_the_load_balancer_is_undecided() -> None:
    doc = seed_doc()
    under = subnet("ovn-default", POD_CIDR, default=True, vlan="ovn-vlan", enable_lb=False)
    as_kube_ovn(doc, under, network_type="vlan")
    (result,) = _trace(Topology(build(doc)), POD, DNS)
    hop = _service_hop(result)
    assert hop.disposition == Disposition.UNKNOWN
    assert "kube-proxy does not see its pods' traffic" in hop.detail
    assert "kube-proxy는 그 Pod의 트래픽을 보지 못하므로" in localize(hop.detail, "ko")


def test_no_ready_endpoints_and_no_such_port_name_the_load_balancer() -> None:
    doc = seed_doc()
    as_kube_ovn(doc)
    dns = next(s for s in doc["cluster"]["services"] if s["name"] == "kube-dns")
    dns["endpoints"] = []
    topo = Topology(build(doc))
    (result,) = _trace(topo, POD, DNS)
    hop = _service_hop(result)
    assert hop.disposition == Disposition.DENIED
    assert "Kube-OVN takes its VIP off OVN's load balancer" in hop.detail
    (result,) = _trace(topo, POD, "svc:kube-system/kube-dns:54/udp")
    detail = _service_hop(result).detail
    assert "Kube-OVN's OVN load balancer does not DNAT it" in detail
    assert "Kube-OVN의 OVN 로드 밸런서가 DNAT하지 않습니다" in localize(detail, "ko")


def test_the_ping_follows_the_pods_subnet() -> None:
    """A Subnet with enableLb false: kube-proxy's mode (iptables here: no reply) decides the
    ping, in the hop and in the note (the default Subnet's)."""
    off = _topo(default_lb=False)
    assert "that kube-proxy translates" in ping_story(off, "10.96.0.1")
    (result,) = _trace(off, POD, "ip:10.96.0.1", "icmp")
    assert result.expected_reply == "none"
    on = _topo(default_lb=True)
    (result,) = _trace(on, POD, "ip:10.96.0.1", "icmp")
    assert result.expected_reply == "depends"
    assert "Kube-OVN's OVN load balancer" in ping_story(on, "10.96.0.1")
    unread = _topo(enable_lb=None)
    story = ping_story(unread, "10.96.0.1")
    assert "OVN load balancer or kube-proxy" in story and "no reply" in story


def test_kostack_trace_on_the_example_names_ovns_load_balancer() -> None:
    code, out = run_cli("trace", "--snapshot", str(EXAMPLE), POD, DNS, "--lang", "ko")
    assert code == 1, out
    assert "2 OVN 로드 밸런서 (k8s-w-1): DNAT 10.96.0.10:53 -> 10.244.0.2:53" in out
    assert "kube-proxy" not in out
