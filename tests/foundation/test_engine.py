"""The reachability engine, hop by hop, against the facts in docs/facts.md."""

from __future__ import annotations

import ipaddress

import pytest

from kostack.analyze.reach import (
    Disposition,
    Wire,
    encapsulation,
    parse_endpoint,
    security_groups,
    trace,
)
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack_testkit.builders import (
    SG_NODES,
    add_pairs,
    build,
    example_doc,
    rule,
    seed_doc,
    set_calico_mode,
    use_only_group,
)


def _trace(snap: Snapshot, src: str, dst: str, protocol: str | None = None):  # type: ignore[no-untyped-def]
    topo = Topology(snap)
    s, _, _ = parse_endpoint(topo, src)
    d, port, proto = parse_endpoint(topo, dst)
    return trace(topo, s, d, protocol or proto or "tcp", None if protocol == "icmp" else port)


def test_seed_dns_trace_dnats_to_coredns_on_another_node_and_drops_at_source_antispoof(
    seed: Snapshot,
) -> None:
    results = _trace(seed, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp")
    assert len(results) == 2
    remote = next(r for r in results if r.dst.node == "k8s-cp-1")
    steps = [h.step for h in remote.hops]
    assert steps[:4] == ["pod-egress", "kube-proxy", "route", "antispoof"]
    dnat = remote.hops[1]
    assert "DNAT 10.96.0.10:53 -> 10.244.0.2:53" in dnat.detail and "k8s-cp-1" in dnat.detail
    assert "native" in remote.hops[2].detail and "same subnet 10.0.0.0/24" in remote.hops[2].detail
    drop = remote.blocking
    assert drop is not None and drop.step == "antispoof" and drop.disposition == Disposition.DENIED
    assert "a07e" in drop.where and "k8s-w-1" in drop.where
    assert "10.244.1.7" in drop.detail and "allowed_address_pairs []" in drop.detail
    assert any(e.kind == "port" and e.id.startswith("a07e") for e in drop.evidence)
    local = next(r for r in results if r.dst.node == "k8s-w-1")
    assert local.ok and local.hops[-1].step == "deliver"


@pytest.mark.parametrize(
    ("mode", "version", "expected", "words"),
    [
        ("iptables", "v1.33.5", "none", "no reply"),
        ("nftables", "v1.33.5", "reject", "'port unreachable'"),
        ("ipvs", "v1.33.5", "depends", "unless the CNI's INPUT chain accepts"),
        ("ipvs", "v1.24.3", "local-answer", "the node itself answers"),
        (None, "v1.33.5", "depends", "the kube-proxy mode is not known"),
    ],
)
def test_icmp_to_clusterip_per_proxy_mode_one_story_that_proves_nothing(
    mode: str | None, version: str, expected: str, words: str
) -> None:
    for doc in (seed_doc(), example_doc("seed-fixed")):  # healthy or not, the same answer
        doc["cluster"]["kube_proxy_mode"] = mode
        doc["cluster"]["kubernetes_version"] = version
        (r,) = _trace(build(doc), "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
        assert r.expected_reply == expected and r.no_reply_expected and not r.ok
        hop = r.hops[-1]
        assert words in hop.detail and "proves nothing" in hop.detail, hop.detail
        assert hop.disposition == Disposition.NOT_APPLICABLE


def test_cilium_kube_proxy_replacement_does_not_answer_a_clusterip_ping() -> None:
    doc = seed_doc()
    doc["cluster"]["kube_proxy_mode"] = "none"
    doc["cluster"]["cni"] = {"type": "cilium", "cilium": {"routing_mode": "tunnel"}}
    (r,) = _trace(build(doc), "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    assert r.expected_reply == "none" and "Cilium" in r.hops[-1].detail


def test_the_ping_story_is_the_same_in_diagnose_trace_and_report() -> None:
    from kostack.analyze.engine.clusterip_ping import ping_story
    from kostack.report.text import render_diagnosis, render_trace

    doc = seed_doc()
    doc["cluster"]["kube_proxy_mode"] = "nftables"
    snap = build(doc)
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    story = ping_story(Topology(snap), "10.96.0.1")
    assert "'port unreachable'" in story and "nftables" in story
    assert "'port unreachable' is expected" in render_trace([r])
    from kostack.analyze.diagnose import diagnose

    assert "'port unreachable'" in " ".join(render_diagnosis(diagnose(snap)).split())


def test_fixed_seed_reaches_dns_both_ways() -> None:
    for r in _trace(
        build(example_doc("seed-fixed")), "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"
    ):
        assert r.ok, [h.detail for h in r.hops]
    remote = _trace(
        build(example_doc("seed-fixed")),
        "pod:demo/netshoot",
        "pod:kube-system/coredns-674b8bbfcf-7xk2q",
    )[0]
    assert [h.step for h in remote.hops][-2:] == ["reply-antispoof", "reply"]


def test_reply_from_a_port_without_pairs_is_dropped() -> None:
    doc = seed_doc()
    add_pairs(doc, ["10.244.0.0/16"], only={"k8s-w-1"})
    (r,) = _trace(
        build(doc), "pod:demo/netshoot", "pod:kube-system/coredns-674b8bbfcf-7xk2q:53/udp"
    )
    hop = r.blocking
    assert hop is not None and hop.step == "reply-antispoof" and hop.direction == "reply"
    assert "5f1c" in hop.where  # k8s-cp-1's port drops CoreDNS's reply


def test_nat_outgoing_makes_api_work_while_dns_fails() -> None:
    doc = seed_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["nat_outgoing"] = True
    snap = build(doc)
    (api,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes:443/tcp")
    assert api.ok
    assert any(h.step == "nat-outgoing" and "masqueraded" in h.detail for h in api.hops)
    dns = _trace(snap, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp")
    assert any(r.verdict == Disposition.DENIED for r in dns)


def test_egress_without_nat_needs_the_router_route_back() -> None:
    doc = example_doc("seed-fixed")
    doc["openstack"]["routers"][0]["routes"] = []
    (r,) = _trace(build(doc), "pod:demo/netshoot", "ip:1.1.1.1:443/tcp")
    hop = r.blocking
    assert (
        hop is not None
        and hop.cause == "router-no-route-back"
        and hop.disposition == Disposition.NO_ROUTE
    )
    (ok,) = _trace(build(example_doc("seed-fixed")), "pod:demo/netshoot", "ip:1.1.1.1:443/tcp")
    assert ok.ok and "extra route 10.244.1.0/24" in ok.hops[-1].detail


def _decide(doc: dict, src: str = "k8s-w-1", dst: str = "k8s-w-2"):  # type: ignore[no-untyped-def, type-arg]
    topo = Topology(build(doc))
    ip = ipaddress.ip_address("10.244.2.5")
    return encapsulation(topo, topo.node_views[src], topo.node_views[dst], ip)


@pytest.mark.parametrize(
    ("ipip", "vxlan", "same_subnet", "expected"),
    [
        ("Always", "Never", True, ("IPIP", 4, None)),
        ("CrossSubnet", "Never", True, (None, 0, None)),
        ("CrossSubnet", "Never", False, ("IPIP", 4, None)),
        ("Never", "Always", True, ("VXLAN", 17, 4789)),
        ("Never", "CrossSubnet", True, (None, 0, None)),
        ("Never", "CrossSubnet", False, ("VXLAN", 17, 4789)),
        ("Never", "Never", True, (None, 0, None)),
    ],
)
def test_calico_encapsulation_modes(
    ipip: str, vxlan: str, same_subnet: bool, expected: tuple
) -> None:  # type: ignore[type-arg]
    doc = example_doc("two-subnets-crosssubnet")
    set_calico_mode(doc, ipip=ipip, vxlan=vxlan)
    decision = _decide(
        doc, "k8s-w-2" if same_subnet else "k8s-w-1", "k8s-w-3" if same_subnet else "k8s-w-2"
    )
    if same_subnet:
        decision = _decide(doc, "k8s-w-3", "k8s-w-2")
    assert (decision.encap, decision.proto, decision.port) == expected
    assert decision.hop.evidence and decision.hop.evidence[0].kind == "ippool"


def test_calico_no_encapsulation_across_subnets_needs_routes() -> None:
    doc = example_doc("two-subnets-crosssubnet")
    set_calico_mode(doc, ipip="Never", vxlan="Never")
    doc["openstack"]["routers"][0]["routes"] = []
    decision = _decide(doc, "k8s-w-1", "k8s-w-2")
    assert (
        decision.hop.disposition == Disposition.NO_ROUTE
        and decision.hop.cause == "native-cross-subnet"
    )


@pytest.mark.parametrize(
    ("flannel", "same", "expected"),
    [
        ({"backend_type": "vxlan"}, True, ("VXLAN", 8472)),
        ({"backend_type": "vxlan", "direct_routing": True}, True, (None, None)),
        ({"backend_type": "vxlan", "direct_routing": True}, False, ("VXLAN", 8472)),
        ({"backend_type": "host-gw"}, True, (None, None)),
    ],
)
def test_flannel_modes(flannel: dict, same: bool, expected: tuple) -> None:  # type: ignore[type-arg]
    doc = example_doc("two-subnets-crosssubnet")
    doc["cluster"]["cni"] = {"type": "flannel", "flannel": flannel}
    decision = _decide(doc, "k8s-w-3" if same else "k8s-w-1", "k8s-w-2")
    assert (decision.encap, decision.port) == expected


@pytest.mark.parametrize(
    ("cilium", "expected"),
    [
        ({"routing_mode": "tunnel", "tunnel_protocol": "vxlan"}, ("VXLAN", 8472)),
        ({"routing_mode": "tunnel", "tunnel_protocol": "geneve"}, ("Geneve", 6081)),
        ({"routing_mode": "native"}, (None, None)),
    ],
)
def test_cilium_modes(cilium: dict, expected: tuple) -> None:  # type: ignore[type-arg]
    doc = seed_doc()
    doc["cluster"]["cni"] = {"type": "cilium", "cilium": cilium}
    decision = _decide(doc)
    assert (decision.encap, decision.port) == expected


def test_unknown_cni_gives_unknown_not_accepted() -> None:
    doc = seed_doc()
    doc["cluster"]["cni"] = {"type": "unknown"}
    assert _decide(doc).hop.disposition == Disposition.UNKNOWN


def _ingress(doc: dict, src_ip: str, proto: int = 6, port: int | None = 8080):  # type: ignore[no-untyped-def, type-arg]
    topo = Topology(build(doc))
    dst = topo.node_views["k8s-w-2"]
    assert dst.port is not None
    wire = Wire(ipaddress.ip_address(src_ip), ipaddress.ip_address("10.244.2.5"), proto, port)
    return security_groups(topo, dst.port, wire, "ingress", "test")


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("ml2/ovs", Disposition.ACCEPTED),
        ("ml2/ovn", Disposition.DENIED),
        (None, Disposition.UNKNOWN),
    ],
)
def test_remote_group_membership_of_allowed_pairs_depends_on_the_backend(
    backend: str | None, expected: Disposition
) -> None:
    doc = example_doc("seed-fixed")
    use_only_group(doc, "default")
    doc["openstack"]["backend"] = backend
    hop = _ingress(doc, "10.244.1.7")
    assert hop.disposition == expected
    # a node's fixed IP is a member under every backend
    assert _ingress(doc, "10.0.0.12").disposition == Disposition.ACCEPTED


@pytest.mark.parametrize("protocol", ["ipip", "4"])
def test_ipip_and_4_are_the_same_protocol(protocol: str) -> None:
    doc = seed_doc()
    use_only_group(doc, "k8s-nodes")
    doc["openstack"]["security_groups"][1]["rules"].append(
        rule(SG_NODES, "ingress", protocol, None, group=SG_NODES)
    )
    assert _ingress(doc, "10.0.0.12", proto=4, port=None).disposition == Disposition.ACCEPTED
    assert _ingress(doc, "10.0.0.12", proto=47, port=None).disposition == Disposition.DENIED


def test_port_ranges_and_prefixes() -> None:
    doc = seed_doc()
    use_only_group(doc, "k8s-nodes")
    doc["openstack"]["security_groups"][1]["rules"].append(
        rule(SG_NODES, "ingress", "udp", (4780, 4790), "10.0.0.0/28")
    )
    assert _ingress(doc, "10.0.0.12", proto=17, port=4789).disposition == Disposition.ACCEPTED
    assert _ingress(doc, "10.0.0.12", proto=17, port=4791).disposition == Disposition.DENIED
    assert _ingress(doc, "10.0.0.99", proto=17, port=4789).disposition == Disposition.DENIED
    hop = _ingress(doc, "10.0.0.99", proto=17, port=4789)
    assert "no ingress rule in groups [k8s-nodes]" in hop.detail


def test_port_security_off_is_not_applicable_and_no_groups_drops_everything() -> None:
    doc = example_doc("seed-port-security-off")
    assert _ingress(doc, "10.244.1.7").disposition == Disposition.NOT_APPLICABLE
    doc = seed_doc()
    for p in doc["openstack"]["ports"]:
        p["security_group_ids"] = []
    hop = _ingress(doc, "10.0.0.12")
    assert hop.disposition == Disposition.DENIED and "no security groups" in hop.detail


def test_groups_not_collected_is_unknown() -> None:
    doc = seed_doc()
    doc["openstack"]["security_groups"] = None
    assert _ingress(doc, "10.0.0.12").disposition == Disposition.UNKNOWN


def test_unknown_masquerade_stops_the_trace_instead_of_guessing_the_packet() -> None:
    doc = seed_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"] = None
    (r,) = _trace(build(doc), "pod:demo/netshoot", "ip:1.1.1.1:443/tcp")
    assert r.verdict == Disposition.UNKNOWN and r.wire is None
    assert r.hops[-1].step == "nat-outgoing"


def test_antispoof_check_is_unknown_not_fail_when_pools_are_unknown() -> None:
    from kostack.analyze.diagnose import run_checks
    from kostack.analyze.findings import Status

    doc = seed_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"] = None
    findings, _ = run_checks(build(doc))
    statuses = {f.status for f in findings if f.check_id == "net-pod-src-antispoof"}
    assert statuses == {Status.UNKNOWN}
