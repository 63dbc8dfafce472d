"""kube-router (k0s's default CNI) in the engine: native within a subnet with the pod's own
source, IPIP / FOU across subnets (or always, --overlay-type=full), pod routes over an iBGP
mesh opened from both ends, pod egress masqueraded except to pods and nodes.

Before kube-router was modelled a k0s cluster got no diagnosis at all (gap
`gap.kube.cni-unmodelled`, every pod flow UNKNOWN); these snapshots did not even load.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from test_families import _agree

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.bgp_routes import bgp_route
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.reach import encapsulation, parse_endpoint, trace
from kostack.analyze.topology import NodeView, Topology
from kostack.probe.predict import summarize
from kostack_testkit.builders import (
    _BASE_NODE_RULES,
    POD_CIDR,
    SG_NODES,
    _custom_group_only,
    add_pairs,
    build,
    example_two_subnets,
    hetero_doc,
    rule,
    seed_doc,
)
from kostack_testkit.kuberouter import as_kube_router, kube_router_example_doc

Doc = dict[str, Any]
IP = ipaddress.ip_address


def _topo(doc: Doc) -> Topology:
    return Topology(build(doc))


def _route(topo: Topology, src: str, dst: str, pod_ip: str):  # type: ignore[no-untyped-def]
    views = topo.node_views
    return encapsulation(topo, views[src], views[dst], IP(pod_ip))


def _kube_router(**settings: Any) -> Doc:
    doc = seed_doc()
    as_kube_router(doc, **settings)
    return doc


def _two_subnets(**settings: Any) -> Doc:
    doc = seed_doc()
    example_two_subnets(doc)  # k8s-w-2 and k8s-w-3 in 10.0.1.0/24
    as_kube_router(doc, **settings)
    return doc


def test_within_a_subnet_pods_go_natively_and_across_subnets_by_ipip() -> None:
    topo = _topo(_two_subnets())
    same = _route(topo, "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert same.encap is None and same.hop.disposition == Disposition.ACCEPTED
    assert "native (pod source IP on the wire)" in localize(same.hop.detail, "en")
    other = _route(topo, "k8s-w-1", "k8s-w-2", "10.244.2.5")
    assert (other.encap, other.proto, other.port, other.overhead) == ("IPIP", 4, None, 20)
    assert "--overlay-type=subnet --overlay-encap=ipip, different subnets" in localize(
        other.hop.detail, "en"
    )
    assert "서로 다른 서브넷" in localize(other.hop.detail, "ko")


def test_overlay_full_tunnels_to_every_node_and_fou_is_udp() -> None:
    full = _topo(_kube_router(overlay_type="full"))
    d = _route(full, "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert (d.encap, d.proto) == ("IPIP", 4)
    fou = _topo(_kube_router(overlay_type="full", overlay_encap="fou", overlay_encap_port=6666))
    d = _route(fou, "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert (d.encap, d.proto, d.port, d.overhead) == ("FOU", 17, 6666, 32)


def test_overlay_off_across_subnets_has_no_route_without_the_routers_extra_route() -> None:
    doc = _two_subnets(enable_overlay=False)
    doc["openstack"]["routers"][0]["routes"] = []
    d = _route(_topo(doc), "k8s-w-1", "k8s-w-2", "10.244.2.5")
    assert d.hop.disposition == Disposition.NO_ROUTE and d.hop.cause == "native-cross-subnet"


def test_settings_not_read_or_not_routing_are_unknown_not_guessed() -> None:
    unread = _topo(_kube_router(enable_overlay=None))
    assert _route(unread, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop.disposition == (
        Disposition.UNKNOWN
    )
    off = _topo(_kube_router(run_router=False))
    hop = _route(off, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop
    assert hop.disposition == Disposition.UNKNOWN
    assert "--run-router=false" in localize(hop.detail, "en")


def _pod_flow(doc: Doc, src: str, dst: str, port: int = 8080):  # type: ignore[no-untyped-def]
    topo = _topo(doc)
    s, _, _ = parse_endpoint(topo, src)
    d, _, _ = parse_endpoint(topo, dst)
    (result,) = trace(topo, s, d, "tcp", port)
    return result


def test_the_native_pod_sourced_flow_is_dropped_without_pairs_and_passes_with_them() -> None:
    """The seed's group `default` admits everything between members (TCP 179 too): only the
    missing allowed address pairs stop pod traffic, as in the seed incident."""
    doc = _kube_router()
    dropped = _pod_flow(doc, "pod:demo/netshoot", "pod:demo/dns-test")
    blocking = dropped.blocking
    assert blocking is not None and blocking.disposition == Disposition.DENIED
    assert blocking.cause == "antispoof"
    assert dropped.wire is not None and str(dropped.wire.src) == "10.244.1.7"
    add_pairs(doc, [POD_CIDR])
    passed = _pod_flow(doc, "pod:demo/netshoot", "pod:demo/dns-test")
    assert passed.ok, [localize(h.detail, "en") for h in passed.hops]
    assert any(h.step == "bgp-route" and h.disposition == Disposition.ACCEPTED for h in passed.hops)


def _judge_blocking(src_name: str, dst_name: str):  # type: ignore[no-untyped-def]
    """A session judge that drops only the connection src_name -> dst_name."""

    def judge(src: NodeView, dst: NodeView, version: int) -> Hop | None:
        if (src.name, dst.name) == (src_name, dst_name):
            return Hop("sg", dst.name, Disposition.DENIED, "no rule", cause="sg-node")
        return None

    return judge


def test_either_node_may_open_the_session_unlike_calicos_one_way_mesh() -> None:
    """k8s-w-1 (10.0.0.12) -> k8s-cp-1 (10.0.0.11) is Calico's opener (the greater address);
    dropping only that connection loses Calico's route, not kube-router's (GoBGP peers are
    active at both ends, so k8s-cp-1 opens it)."""
    judge = _judge_blocking("k8s-w-1", "k8s-cp-1")
    kr = _topo(_kube_router())
    views = kr.node_views
    hop = bgp_route(kr, views["k8s-cp-1"], views["k8s-w-1"], IP("10.244.1.7"), judge)
    assert hop is not None and hop.disposition == Disposition.ACCEPTED
    calico_doc = seed_doc()
    calico_doc["cluster"]["cni"]["calico"]["ip_pools"][0]["vxlan_mode"] = "Never"
    calico = _topo(calico_doc)
    views = calico.node_views
    hop = bgp_route(calico, views["k8s-cp-1"], views["k8s-w-1"], IP("10.244.1.7"), judge)
    assert hop is not None and hop.disposition == Disposition.NO_ROUTE


def test_both_directions_blocked_loses_the_route_and_the_mesh_off_is_undecided() -> None:
    judge = _judge_blocking("k8s-w-1", "k8s-cp-1")

    def both(src: NodeView, dst: NodeView, version: int) -> Hop | None:
        return judge(src, dst, version) or judge(dst, src, version)

    topo = _topo(_kube_router())
    views = topo.node_views
    hop = bgp_route(topo, views["k8s-cp-1"], views["k8s-w-1"], IP("10.244.1.7"), both)
    assert hop is not None and (hop.disposition, hop.cause) == (Disposition.NO_ROUTE, "bgp-blocked")
    assert localize(hop.detail, "en").startswith("kube-router learns the route to 10.244.1.0/24")
    assert localize(hop.detail, "ko").startswith("kube-router는 10.244.1.0/24로")
    off = _topo(_kube_router(nodes_full_mesh=False))
    views = off.node_views
    hop = bgp_route(off, views["k8s-cp-1"], views["k8s-w-1"], IP("10.244.1.7"), both)
    assert hop is not None and hop.disposition == Disposition.UNKNOWN
    assert "`gobgp neighbor`" in localize(hop.detail, "en")


@pytest.mark.parametrize(("egress", "outside"), [(True, True), (False, False)])
def test_pod_egress_masquerades_outside_but_never_to_nodes(egress: bool, outside: bool) -> None:
    topo = _topo(_kube_router(enable_pod_egress=egress))
    pod = IP("10.244.1.7")
    found = masquerade(topo, pod, IP("1.1.1.1"))
    assert found is not None and found[1] is outside
    to_node = masquerade(topo, pod, IP("10.0.0.13"))
    assert to_node is not None and to_node[1] is False
    assert masquerade(topo, pod, IP("10.244.2.5")) is None  # pod to pod: no NAT question


def _bgp_findings(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-sg-bgp"]


def test_net_sg_bgp_judges_kube_routers_bgp_port() -> None:
    """Nodes only in `k8s-nodes`; kube-router on --bgp-port 1790: a TCP 179 rule is not it."""
    doc = kube_router_example_doc("kube-router-fixed")
    assert {f.status for f in _bgp_findings(doc)} == {Status.PASS}
    doc["cluster"]["cni"]["kube_router"]["bgp_port"] = 1790
    found = _bgp_findings(doc)
    assert {f.status for f in found} == {Status.FAIL}
    assert all(f.cause == "bgp-blocked" for f in found)
    assert "kube-router BGP (tcp 1790)" in localize(found[0].message, "en")
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"].append(rule(SG_NODES, "ingress", "tcp", 1790, group=SG_NODES))
    assert {f.status for f in _bgp_findings(doc)} == {Status.PASS}


def test_net_sg_bgp_with_the_mesh_off_is_unknown() -> None:
    doc = kube_router_example_doc("kube-router-no-pairs-no-bgp")
    doc["cluster"]["cni"]["kube_router"]["enable_ibgp"] = False
    (finding,) = _bgp_findings(doc)
    assert finding.status == Status.UNKNOWN
    assert "--enable-ibgp=false" in localize(finding.message, "ko")


@pytest.mark.parametrize("flag", ["nodes_full_mesh", "enable_ibgp"])
def test_a_mesh_flag_not_read_is_undecided_never_called_off(flag: str) -> None:
    """`--enable-ibgp=yes` is no value pflag takes: not read (None), so neither a mesh that is
    on nor one that is off, and nothing may say "--nodes-full-mesh=false"."""
    doc = kube_router_example_doc("kube-router-no-pairs-no-bgp")
    doc["cluster"]["cni"]["kube_router"][flag] = None
    (finding,) = _bgp_findings(doc)
    assert finding.status == Status.UNKNOWN
    assert "were not collected" in localize(finding.message, "en")
    topo = _topo(doc)
    views = topo.node_views
    hop = bgp_route(topo, views["k8s-cp-1"], views["k8s-w-1"], IP("10.244.1.7"), lambda *_: None)
    assert hop is not None and hop.disposition == Disposition.UNKNOWN
    for lang in ("en", "ko"):
        assert "=false" not in localize(hop.detail, lang)
    assert "not collected" in localize(hop.detail, "en")


def test_ipip_across_subnets_needs_protocol_4_and_the_plan_says_so() -> None:
    """The nodes only in `k8s-nodes`, which admits TCP 179 and the pods but not IP protocol 4:
    only the pairs of nodes in different subnets break."""
    doc = _two_subnets()
    add_pairs(doc, [POD_CIDR])
    _custom_group_only(doc, [*_BASE_NODE_RULES, rule(SG_NODES, "ingress", None, None, POD_CIDR)])
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["sg-encap"]
    (rc,) = d.root_causes
    assert any("--protocol 4" in c or "--protocol ipip" in c for c in rc.fix.commands), (
        rc.fix.commands
    )


def test_the_families_agree_with_tracing_every_pair() -> None:
    doc = hetero_doc(8, pods_per_node=1)
    as_kube_router(doc)
    assert _agree(doc) > 0


def test_an_open_egress_probe_says_kube_router_masquerades_it() -> None:
    """A probe prediction names the hop that makes an open flow work: kube-router's pod
    egress masquerade, as it names Calico's natOutgoing."""
    topo = _topo(_kube_router())
    s, _, _ = parse_endpoint(topo, "pod:demo/netshoot")
    d, _, _ = parse_endpoint(topo, "ip:1.1.1.1:80/tcp")
    prediction = summarize(trace(topo, s, d, "tcp", 80))
    assert prediction.outcome == "open"
    assert "kube-router --enable-pod-egress: 10.244.1.7 is masqueraded" in localize(
        prediction.because, "en"
    )
