"""Antrea in the engine and the checks: encap tunnels between the nodes' addresses, noEncap with
the pod's own source, hybrid native within a subnet, WireGuard instead of the tunnel, pod
egress masqueraded unless noSNAT, the pod MTU; what kostack does not model is UNKNOWN.

Before Antrea was modelled its cluster got `gap.kube.cni-unmodelled` and every pod flow was
UNKNOWN; these snapshots (cni.type "antrea") did not even load.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.stateless import NAT_PORTS, masquerade_ports
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.reach import encapsulation, parse_endpoint, trace
from kostack.analyze.summary import cni_headline
from kostack.analyze.topology import Topology
from kostack.model import load_snapshot
from kostack_testkit.antrea import FIXED, antrea_example_doc, as_antrea
from kostack_testkit.builders import POD_CIDR, add_pairs, build, example_two_subnets, seed_doc

Doc = dict[str, Any]
IP = ipaddress.ip_address


def _antrea(**settings: Any) -> Doc:
    doc = seed_doc()
    as_antrea(doc, **settings)
    return doc


def _two_subnets(**settings: Any) -> Doc:
    doc = seed_doc()
    example_two_subnets(doc)  # k8s-w-2 and k8s-w-3 in 10.0.1.0/24
    as_antrea(doc, **settings)
    return doc


def _route(doc: Doc, src: str, dst: str, pod_ip: str):  # type: ignore[no-untyped-def]
    topo = Topology(build(doc))
    views = topo.node_views
    return encapsulation(topo, views[src], views[dst], IP(pod_ip))


def _findings(doc: Doc, check: str) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, ("Geneve", 17, 6081, 50)),
        ({"tunnel_type": "vxlan", "tunnel_port": 4789}, ("VXLAN", 17, 4789, 50)),
        ({"tunnel_port": 6082}, ("Geneve", 17, 6082, 50)),
        ({"tunnel_type": "gre", "tunnel_port": None}, ("GRE", 47, None, 42)),
        ({"tunnel_type": "stt", "tunnel_port": 7471}, ("STT", 6, 7471, 0)),
        (
            {"traffic_encryption_mode": "wireguard", "wireguard_port": 51830},
            ("WireGuard", 17, 51830, 60),
        ),
    ],
)
def test_encap_tunnels_between_the_nodes(settings: Doc, expected: tuple[Any, ...]) -> None:
    d = _route(_antrea(**settings), "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.hop.disposition == Disposition.ACCEPTED
    assert (d.encap, d.proto, d.port, d.overhead) == expected


def test_hybrid_is_native_within_a_subnet_and_tunnelled_across() -> None:
    doc = _two_subnets(traffic_encap_mode="hybrid")
    same = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert same.encap is None and same.hop.disposition == Disposition.ACCEPTED
    assert "native (pod source IP on the wire)" in localize(same.hop.detail, "en")
    other = _route(doc, "k8s-w-1", "k8s-w-2", "10.244.2.5")
    assert (other.encap, other.port) == ("Geneve", 6081)
    assert "trafficEncapMode hybrid, tunnelType geneve, different subnets" in localize(
        other.hop.detail, "en"
    )
    assert "서로 다른 서브넷" in localize(other.hop.detail, "ko")


def test_noencap_across_subnets_needs_the_routers_extra_route() -> None:
    doc = _two_subnets(traffic_encap_mode="noEncap")
    doc["openstack"]["routers"][0]["routes"] = []
    d = _route(doc, "k8s-w-1", "k8s-w-2", "10.244.2.5")
    assert d.hop.disposition == Disposition.NO_ROUTE and d.hop.cause == "native-cross-subnet"


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"traffic_encap_mode": None}, "antrea-agent.conf"),
        ({"traffic_encap_mode": "networkPolicyOnly"}, "networkPolicyOnly"),
        ({"traffic_encryption_mode": "ipsec"}, "IPsec ESP (IP protocol 50)"),
        ({"tunnel_type": None}, "tunnelType"),
    ],
)
def test_what_kostack_does_not_model_is_unknown_never_passed(settings: Doc, said: str) -> None:
    """IPsec (ESP plus IKE on UDP 500 and 4500), a chained primary CNI, settings not read:
    the route is undecided, and so is net-sg-cni-encap, even though UDP 6081 is admitted."""
    doc = _antrea(**settings)
    hop = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop
    assert hop.disposition == Disposition.UNKNOWN
    assert said in localize(hop.detail, "en")
    assert localize(hop.detail, "ko") != localize(hop.detail, "en")
    fixed = antrea_example_doc("antrea-geneve-blocked")
    FIXED["antrea-geneve-blocked"](fixed)
    fixed["cluster"]["cni"]["antrea"].update(settings)
    found = _findings(fixed, "net-sg-cni-encap")
    assert {f.status for f in found} == {Status.UNKNOWN}
    pod_to_pod = _findings(fixed, "net-pod-to-pod")
    assert Status.PASS not in {f.status for f in pod_to_pod}


def _pod_flow(doc: Doc, src: str, dst: str):  # type: ignore[no-untyped-def]
    topo = Topology(build(doc))
    s, _, _ = parse_endpoint(topo, src)
    d, _, _ = parse_endpoint(topo, dst)
    (result,) = trace(topo, s, d, "tcp", 8080)
    return result


def test_encap_never_puts_the_pod_source_on_the_wire_noencap_does() -> None:
    """Without pairs: encap passes (the outer source is the node's), noEncap is dropped by
    anti-spoofing with the pod's own source, and passes with the pod CIDR pair."""
    encap = _pod_flow(_antrea(), "pod:demo/netshoot", "pod:demo/dns-test")
    assert encap.ok, [localize(h.detail, "en") for h in encap.hops]
    wire = encap.wire
    assert wire is not None and (str(wire.src), wire.encap, str(wire.inner_src)) == (
        "10.0.0.12",  # k8s-w-1's address, outside; the pod's inside the Geneve packet
        "Geneve",
        "10.244.1.7",
    )
    doc = _antrea(traffic_encap_mode="noEncap")
    dropped = _pod_flow(doc, "pod:demo/netshoot", "pod:demo/dns-test")
    assert dropped.blocking is not None and dropped.blocking.cause == "antispoof"
    assert dropped.wire is not None and str(dropped.wire.src) == "10.244.1.7"
    add_pairs(doc, [POD_CIDR])
    assert _pod_flow(doc, "pod:demo/netshoot", "pod:demo/dns-test").ok


@pytest.mark.parametrize(("no_snat", "on"), [(False, True), (True, False)])
def test_pod_egress_is_masqueraded_unless_no_snat_other_nodes_included(
    no_snat: bool, on: bool
) -> None:
    topo = Topology(build(_antrea(traffic_encap_mode="noEncap", no_snat=no_snat)))
    pod = IP("10.244.1.7")
    for dst in ("1.1.1.1", "10.0.0.13"):  # Antrea's rule leaves out pod CIDRs only
        found = masquerade(topo, pod, IP(dst))
        assert found is not None and found[1] is on
    assert masquerade(topo, pod, IP("10.244.2.5")) is None
    egress = _findings(_antrea(traffic_encap_mode="noEncap", no_snat=no_snat), "net-pod-egress")
    assert (Status.FAIL in {f.status for f in egress}) is no_snat


def test_the_pod_mtu_is_default_mtu_else_the_interfaces_minus_the_tunnel() -> None:
    doc = antrea_example_doc("antrea-geneve-blocked")
    FIXED["antrea-geneve-blocked"](doc)
    (auto,) = _findings(doc, "net-mtu")
    assert auto.status == Status.PASS and "pod MTU 1400" in localize(auto.message, "en")
    doc["cluster"]["cni"]["antrea"]["default_mtu"] = 1450
    (fixed,) = _findings(doc, "net-mtu")
    assert fixed.status == Status.FAIL
    assert "ds/antrea-agent" in " ".join(v for r in fixed.remedies for _k, v in r.params)


def test_the_summary_names_antrea_and_its_mode() -> None:
    snapshot = load_snapshot("examples/antrea-geneve-blocked.json")
    assert cni_headline(snapshot) == (
        "Antrea v2.6.3 encap, Geneve UDP 6081, pod egress masquerade on"
    )
    hybrid = build(_antrea(traffic_encap_mode="hybrid", traffic_encryption_mode="wireguard"))
    headline = cni_headline(hybrid)
    assert "hybrid, WireGuard UDP 51820 across subnets" in localize(headline, "en")
    assert "서브넷 간 WireGuard UDP 51820" in localize(headline, "ko")


def test_the_masquerade_keeps_the_pods_port_unless_snat_fully_random_ports() -> None:
    """Under a stateless group the replies' ports matter: Antrea's MASQUERADE adds
    --random-fully only with snatFullyRandomPorts (default false)."""
    assert masquerade_ports(Topology(build(_antrea()))) is None
    assert masquerade_ports(Topology(build(_antrea(snat_fully_random_ports=True)))) == NAT_PORTS


def test_the_clusterip_ping_story_names_antreaproxy_unless_it_is_off() -> None:
    from kostack.analyze.engine.clusterip_ping import ping_story
    from kostack.probe.predict import cni_mtu

    on = Topology(build(_antrea()))
    assert "that AntreaProxy translates" in ping_story(on, "10.96.0.1")
    assert "AntreaProxy가" in localize(ping_story(on, "10.96.0.1"), "ko")
    pod = next(p for p in on.snapshot.cluster.pods if p.node == "k8s-w-1")  # type: ignore[union-attr]
    src, _, _ = parse_endpoint(on, f"pod:{pod.namespace}/{pod.name}")
    dst, _, _ = parse_endpoint(on, "ip:10.96.0.1")
    (result,) = trace(on, src, dst, "icmp", None)
    assert any("AntreaProxy DNATs" in h.detail for h in result.hops)
    off = Topology(build(_antrea(antrea_proxy=False, default_mtu=1400)))
    assert "that kube-proxy translates" in ping_story(off, "10.96.0.1")
    assert cni_mtu(off.snapshot) == 1400 and cni_mtu(on.snapshot) is None


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"default_mtu": None}, "antrea-agent.conf defaultMTU was not collected"),
        ({"tunnel_type": None}, "trafficEncapMode/trafficEncryptionMode/tunnelType was not"),
    ],
)
def test_an_unread_mtu_setting_is_named(settings: Doc, named: str) -> None:
    (mtu,) = _findings(_antrea(**settings), "net-mtu")
    assert mtu.status == Status.UNKNOWN
    assert named in mtu.message
    assert "settings were not collected" not in mtu.message
