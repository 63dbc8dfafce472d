"""Kube-OVN in the engine and the checks: overlay Subnets tunnel between the nodes' addresses
(Geneve UDP 6081, VXLAN UDP 4789, STT TCP 7471), underlay Subnets put the pods' own addresses
and MACs on the wire, natOutgoing masquerades per Subnet, the pod MTU is Kube-OVN's own
deduction; what kostack does not model (IPsec, other VPCs, a centralized gateway, settings
not read) is UNKNOWN.

Before Kube-OVN was modelled its cluster got `gap.kube.cni-unmodelled` and every pod flow was
UNKNOWN; these snapshots (cni.type "kube-ovn") did not even load.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from test_antrea import _findings, _route

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.summary import cni_headline
from kostack.analyze.topology import Topology
from kostack.plan.build import build_plan
from kostack.plan.model import Method, Operation, PlanOptions
from kostack_testkit.builders import POD_CIDR, add_pairs, build, seed_doc
from kostack_testkit.cli import flat, run_cli
from kostack_testkit.kubeovn import (
    FIXED,
    as_kube_ovn,
    kube_ovn_example_doc,
    kube_ovn_hetero_doc,
    subnet,
    underlay_pairs_only,
)

Doc = dict[str, Any]
IP = ipaddress.ip_address
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _kube_ovn(default: Doc | None = None, **settings: Any) -> Doc:
    doc = seed_doc()
    as_kube_ovn(doc, default, **settings)
    return doc


@pytest.mark.parametrize(
    ("tunnel", "expected"),
    [
        ("geneve", ("Geneve", 17, 6081, 58)),
        ("vxlan", ("VXLAN", 17, 4789, 50)),
        ("stt", ("STT", 6, 7471, 72)),
    ],
)
def test_overlay_tunnels_between_the_nodes(tunnel: str, expected: tuple[Any, ...]) -> None:
    d = _route(_kube_ovn(tunnel_type=tunnel), "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.hop.disposition == Disposition.ACCEPTED
    assert (d.encap, d.proto, d.port, d.overhead) == expected
    assert f"--network-type={tunnel}" in localize(d.hop.detail, "en")


def test_underlay_is_native_with_the_pod_source() -> None:
    underlay = subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=True, vlan="ovn-vlan")
    d = _route(_kube_ovn(underlay, network_type="vlan"), "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.encap is None and d.hop.disposition == Disposition.ACCEPTED
    assert "native (pod source IP on the wire)" in localize(d.hop.detail, "en")


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (_kube_ovn(ipsec=True), "--enable-ovn-ipsec"),
        (_kube_ovn(ipsec=None), "--enable-ovn-ipsec"),
        (_kube_ovn(tunnel_type=None), "--network-type"),
        (_kube_ovn(subnets=None), "Subnets were not collected"),
        (
            _kube_ovn(subnet("ovn-default", POD_CIDR, default=True, vpc="tenant-a")),
            "VPC tenant-a",
        ),
        (_kube_ovn(subnet("other", "10.99.0.0/16", default=True)), "no Kube-OVN Subnet"),
    ],
)
def test_what_is_not_modelled_is_unknown_never_pass(doc: Doc, reason: str) -> None:
    d = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.hop.disposition == Disposition.UNKNOWN
    assert reason in localize(d.hop.detail, "en")
    assert localize(d.hop.detail, "ko") != localize(d.hop.detail, "en")
    (p2p,) = _findings(doc, "net-pod-to-pod")
    assert p2p.status == Status.UNKNOWN


def test_masquerade_follows_the_source_subnets_nat_outgoing() -> None:
    apps = subnet("apps", "10.250.0.0/16", nat_outgoing=False)
    doc = _kube_ovn()
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(apps)
    topo = Topology(build(doc))
    out, node, pod = IP("1.1.1.1"), IP("10.0.0.12"), IP("10.244.1.7")
    on = masquerade(topo, pod, out)
    assert on is not None and on[1] is True
    assert "natOutgoing" in localize(on[0].detail, "en")
    # another node: OVN's tunnel carries it there, no NAT question (test_kubeovn_to_node.py)
    assert masquerade(topo, pod, node) is None
    assert masquerade(topo, pod, IP("10.244.2.5")) is None  # pod to pod: no NAT question
    off = masquerade(topo, IP("10.250.0.9"), out)
    assert off is not None and off[1] is False
    assert "pod source" in localize(off[0].detail, "en")


def test_centralized_gateway_egress_is_unknown() -> None:
    central = subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=True)
    central["gateway_type"] = "centralized"
    topo = Topology(build(_kube_ovn(central)))
    hop, _ = masquerade(topo, IP("10.244.1.7"), IP("1.1.1.1")) or (None, None)
    assert hop is not None and hop.disposition == Disposition.UNKNOWN
    assert "centralized" in localize(hop.detail, "en")


def test_nat_outgoing_off_puts_the_pod_source_on_the_wire() -> None:
    """An overlay Subnet without natOutgoing: egress leaves the node with the pod's address,
    which anti-spoofing drops without pairs (the seed's incident) and passes with them."""
    plain = subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=False)
    doc = _kube_ovn(plain)
    (spoof,) = _findings(doc, "net-pod-src-antispoof")
    assert spoof.status == Status.FAIL
    add_pairs(doc, [POD_CIDR])
    (spoof,) = _findings(doc, "net-pod-src-antispoof")
    assert spoof.status == Status.PASS


@pytest.mark.parametrize(("tunnel", "mtu"), [("geneve", 1350), ("vxlan", 1400), ("stt", 1378)])
def test_pod_mtu_is_kube_ovns_own_deduction(tunnel: str, mtu: int) -> None:
    """The seed's network MTU 1450 minus GeneveHeaderLength 100, VxlanHeaderLength 50 or
    SttHeaderLength 72 (pkg/util/const.go); --mtu replaces it."""
    topo = Topology(build(_kube_ovn(tunnel_type=tunnel)))
    assert effective_mtu(topo, topo.node_views["k8s-w-1"]).pod_mtu == mtu
    topo = Topology(build(_kube_ovn(tunnel_type=tunnel, mtu=1420)))
    assert effective_mtu(topo, topo.node_views["k8s-w-1"]).pod_mtu == 1420


def test_a_pod_mtu_the_tunnel_cannot_carry_fails_net_mtu() -> None:
    """--mtu 1420 plus Geneve's 58 bytes on the wire is more than the network's 1450."""
    (finding,) = _findings(_kube_ovn(mtu=1420), "net-mtu")
    assert finding.status == Status.FAIL
    assert "58" in localize(finding.message, "en")
    (fine,) = _findings(_kube_ovn(mtu=1390), "net-mtu")
    assert fine.status == Status.PASS


def test_examples_and_their_fixed_states() -> None:
    blocked = kube_ovn_example_doc("kube-ovn-geneve-blocked")
    assert [rc.key for rc in diagnose(build(blocked)).root_causes] == ["sg-encap"]
    underlay = kube_ovn_example_doc("kube-ovn-underlay-no-pairs")
    assert [rc.key for rc in diagnose(build(underlay)).root_causes] == ["antispoof"]
    for name, fix in FIXED.items():
        doc = kube_ovn_example_doc(name)
        fix(doc)
        assert diagnose(build(doc)).root_causes == (), name


def test_underlay_pairs_do_not_pass_the_pods_own_macs() -> None:
    """A pair passes the port's MAC: an underlay pod's packets still drop (no false PASS), the
    message says why in both languages, and the default plan adds no pair."""
    doc = kube_ovn_example_doc("kube-ovn-underlay-no-pairs")
    underlay_pairs_only(doc)
    snapshot = build(doc)
    (spoof,) = [f for f in diagnose(snapshot).findings if f.check_id == "net-pod-src-antispoof"]
    assert spoof.status == Status.FAIL
    assert "own addresses and MAC addresses" in localize(spoof.message, "en")
    assert "MAC 주소" in localize(spoof.message, "ko")
    assert "`kostack fix plan --method disable-port-security`" in localize(spoof.message, "en")
    plan = build_plan(snapshot)
    assert not plan.automatic
    # not "kostack has no change to make for it": the other method has one
    (why,) = plan.not_planned
    assert "only disabling port security fixes it" in localize(why, "en")
    assert "포트 보안을 끄는 것만이 해결책" in localize(why, "ko")
    disable = build_plan(snapshot, PlanOptions(Method.DISABLE_PORT_SECURITY))
    ops = {a.operation for a in disable.automatic}
    assert ops == {Operation.DISABLE_PORT_SECURITY} and len(disable.automatic) == 4
    assert disable.verification.after == ()


def test_the_summary_names_kube_ovn_and_its_default_subnet() -> None:
    snapshot = build(kube_ovn_example_doc("kube-ovn-geneve-blocked"))
    headline = localize(cni_headline(snapshot), "en")
    assert "Kube-OVN v1.15.24" in headline
    assert "Subnet ovn-default Geneve UDP 6081, pod egress masquerade on" in headline
    underlay = build(kube_ovn_example_doc("kube-ovn-underlay-no-pairs"))
    assert "underlay (vlan ovn-vlan)" in localize(cni_headline(underlay), "en")
    assert "언더레이(vlan ovn-vlan)" in localize(cni_headline(underlay), "ko")


def test_heterogeneous_groups_blame_exactly_the_nodes_without_geneve() -> None:
    """80 nodes, each in a group of its own written differently: Geneve is blocked into
    exactly the two nodes whose groups lack UDP 6081 (every 40th), nowhere else."""
    doc = kube_ovn_hetero_doc(80, pods_per_node=1)
    result = diagnose(build(doc))
    assert "sg-encap" in [rc.key for rc in result.root_causes]
    (encap,) = [
        f for f in result.findings if f.check_id == "net-sg-cni-encap" and f.status == Status.FAIL
    ]
    names = [n["name"] for n in doc["cluster"]["nodes"]]
    assert encap.nodes == (names[39], names[79])
    assert "from all 80 nodes (158 node pairs)" in localize(encap.message, "en")
    rules = {(r.target_name, r.param("port_range_min")) for r in encap.remedies}
    assert rules == {(f"{names[39]}-sg", "6081"), (f"{names[79]}-sg", "6081")}


def test_the_mtu_probe_expects_kube_ovn_cnis_mtu_when_set() -> None:
    from kostack.probe.predict import cni_mtu

    assert cni_mtu(build(_kube_ovn(mtu=1400))) == 1400
    assert cni_mtu(build(_kube_ovn())) is None  # 0: derived from the interface on each node


@pytest.mark.parametrize(
    ("lang", "diagnosed", "masquerade", "reported"),
    [
        (
            "en",
            "which no allowed address pair matches",
            "pod egress masquerade off",
            "bridges its pods onto the nodes",
        ),
        (
            "ko",
            "맞는 pair가 없습니다",
            "Pod egress 마스커레이드 꺼짐",
            "Pod를 노드 네트워크에 직접 연결합니다(언더레이)",
        ),
    ],
)
def test_the_underlay_cause_says_why_no_pair_helps(
    tmp_path: Path, lang: str, diagnosed: str, masquerade: str, reported: str
) -> None:
    """Not "neither the port's fixed IP nor an allowed address pair" (a pair would not help);
    the summary says the pods' egress is not masqueraded (underlay, no logicalGateway)."""
    example = str(EXAMPLES / "kube-ovn-underlay-no-pairs.json")
    code, out = run_cli("diagnose", "--snapshot", example, "--lang", lang, "--color", "never")
    assert code == 1, out
    text = flat(out)
    assert diagnosed in text and masquerade in text, text
    assert "`kostack fix plan --method disable-port-security`" in text
    # the fast fix's pointer names the method that plans it (the default plan has no change)
    assert f"`kostack fix plan --snapshot {example} --method disable-port-security`" in text
    assert "nor an allowed address pair" not in text
    html = tmp_path / "report.html"
    code, out = run_cli("report", "--snapshot", example, "--lang", lang, "-o", str(html))
    assert code in (0, 1), out
    assert reported in html.read_text(encoding="utf-8").replace("&#x27;", "'")


def test_the_clusterip_ping_story_names_ovns_load_balancer_unless_enable_lb_is_off() -> None:
    """kube-ovn-controller --enable-lb (default true): OVN's load balancers, whose VIPs all have
    a port, serve the pods' Services; a ping's answer then is not decided (it said kube-proxy's
    iptables mode: no reply). With --enable-lb=false kube-proxy's mode says it again."""
    from kostack.analyze.engine.clusterip_ping import ping_story
    from kostack.analyze.reach import parse_endpoint, trace

    on = Topology(build(_kube_ovn()))
    story = ping_story(on, "10.96.0.1")
    assert "that Kube-OVN's OVN load balancer translates" in story
    assert "not decided" in story and "kube-proxy" not in story
    assert "Kube-OVN의 OVN 로드 밸런서가" in localize(story, "ko")
    pod = next(p for p in on.snapshot.cluster.pods if p.node == "k8s-w-1")  # type: ignore[union-attr]
    src, _, _ = parse_endpoint(on, f"pod:{pod.namespace}/{pod.name}")
    dst, _, _ = parse_endpoint(on, "ip:10.96.0.1")
    (result,) = trace(on, src, dst, "icmp", None)
    assert result.expected_reply == "depends"
    assert result.hops[-1].where == "OVN load balancer (k8s-w-1)"
    off = Topology(build(_kube_ovn(enable_lb=False)))
    assert "that kube-proxy translates" in ping_story(off, "10.96.0.1")
    assert "no reply" in ping_story(off, "10.96.0.1")


def _u2o(u2o: bool) -> Doc:
    """Kube-OVN's defaults with Geneve admitted, and an underlay Subnet vlan-apps on the nodes'
    subnet (port security off, as kubeovn/docs asks), a pod of it at 10.0.0.150 on k8s-w-2."""
    doc = kube_ovn_example_doc("kube-ovn-geneve-blocked")
    FIXED["kube-ovn-geneve-blocked"](doc)
    vlan = subnet("vlan-apps", "10.0.0.0/24", vlan="ovn-vlan", exclude_ips=["10.0.0.1..10.0.0.99"])
    vlan["u2o_interconnection"] = u2o
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(vlan)
    doc["cluster"]["pods"].append(
        {"namespace": "apps", "name": "under-0", "node": "k8s-w-2", "ip": "10.0.0.150"}
    )
    for port in doc["openstack"]["ports"]:
        port["port_security_enabled"] = False
        port["security_group_ids"] = []
    return doc


def _pod_route(doc: Doc, src: str, dst: str, dst_ip: str, src_ip: str | None) -> Any:
    topo = Topology(build(doc))
    views = topo.node_views
    pod_ip = IP(src_ip) if src_ip else None
    return encapsulation(topo, views[src], views[dst], IP(dst_ip), src_ip=pod_ip)


@pytest.mark.parametrize("u2o", [False, True])
def test_an_underlay_pod_to_an_overlay_pod_is_unknown_never_passed(u2o: bool) -> None:
    """kubeovn/docs underlay.en.md: without u2oInterconnection an underlay pod's gateway is the
    physical one, which knows no overlay address; with it, its gateway is OVN's router
    (kube-ovn pkg/daemon/ovs_linux.go), which kostack does not model. Before, the overlay
    destination decided alone: Geneve between the nodes, passed."""
    decision = _pod_route(_u2o(u2o), "k8s-w-2", "k8s-w-1", "10.244.1.7", "10.0.0.150")
    assert decision.hop.disposition == Disposition.UNKNOWN
    en = localize(decision.hop.detail, "en")
    assert "Kube-OVN Subnet vlan-apps is underlay" in en and "ovn-default" in en
    assert ("with u2oInterconnection" in en) == u2o
    assert ("knows no overlay address" in en) == (not u2o)
    assert "{" not in localize(decision.hop.detail, "ko")


def test_an_overlay_pod_to_an_underlay_pod_with_u2o_is_unknown() -> None:
    # without it: through the overlay pod's node, masqueraded (test_kubeovn_o2u.py), which a
    # node pair does not see
    off = _pod_route(_u2o(False), "k8s-w-1", "k8s-w-2", "10.0.0.150", "10.244.1.7")
    assert off.hop.disposition == Disposition.UNKNOWN
    assert "through their own node" in localize(off.hop.detail, "en")
    on = _pod_route(_u2o(True), "k8s-w-1", "k8s-w-2", "10.0.0.150", "10.244.1.7")
    assert on.hop.disposition == Disposition.UNKNOWN
    assert "u2oInterconnection" in localize(on.hop.detail, "en")
    ko = localize(on.hop.detail, "ko")
    assert "Kube-OVN Subnet vlan-apps는 u2oInterconnection이 켜진 언더레이" in ko


def test_a_node_or_a_pod_of_the_same_kind_keeps_its_way() -> None:
    """A node's own traffic and overlay to overlay: OVN's tunnel as before."""
    doc = _u2o(True)
    node = _pod_route(doc, "k8s-w-2", "k8s-w-1", "10.244.1.7", None)
    assert node.encap == "Geneve"
    overlay = _pod_route(doc, "k8s-w-2", "k8s-w-1", "10.244.1.7", "10.244.2.5")
    assert overlay.encap == "Geneve"


def test_pod_to_pod_with_an_underlay_pod_is_not_passed() -> None:
    """One pod per node is traced (dns-test, not under-0, on k8s-w-2), so the underlay pod's
    traffic to overlay pods is said UNKNOWN by Subnet, never left to pass unjudged."""
    for u2o in (False, True):
        found = _findings(_u2o(u2o), "net-pod-to-pod")
        assert Status.PASS not in {f.status for f in found}, u2o
        mixed = next(f for f in found if f.key == ("kube-ovn-mixed", "vlan-apps"))
        assert mixed.status == Status.UNKNOWN
        en = localize(mixed.message, "en")
        assert "Kube-OVN underlay Subnet vlan-apps and those of overlay ovn-default" in en
        assert ("with u2oInterconnection" in en) == u2o
        ko = localize(mixed.message, "ko")
        assert "오버레이 ovn-default의 Pod 사이 트래픽을 판단할 수 없습니다" in ko and "{" not in ko
    # no pod in the underlay Subnet: nothing to say, pod-to-pod passes as before
    doc = _u2o(True)
    doc["cluster"]["pods"] = [p for p in doc["cluster"]["pods"] if p["name"] != "under-0"]
    assert [f.status for f in _findings(doc, "net-pod-to-pod")] == [Status.PASS]
