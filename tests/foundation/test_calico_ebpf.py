"""Calico's eBPF data plane as the Service proxy: who the hops name, what a ping to a ClusterIP
gets, and the VXLAN in which Felix forwards NodePort connections between nodes (docs/facts.md
"Calico's eBPF data plane")."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

import pytest

from kostack.analyze.engine.calico_ebpf import node_port_proxy
from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.loadbalancer.entry import trace_way_in
from kostack.analyze.messages import localize
from kostack.analyze.reach import Disposition, FlowResult, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.calico_ebpf import ebpf_doc, ebpf_no_udp

Doc = dict[str, Any]
CLIENT = ip_address("198.51.100.7")


def _ebpf(doc: Doc, mode: str | None = "none") -> Snapshot:
    doc["cluster"]["cni"]["calico"].update(bpf_enabled=True, vxlan_port=4789)
    doc["cluster"]["kube_proxy_mode"] = mode
    return build(doc)


def _trace(snap: Snapshot, src: str, dst: str, protocol: str | None = None) -> list[FlowResult]:
    topo = Topology(snap)
    s, _, _ = parse_endpoint(topo, src)
    d, port, proto = parse_endpoint(topo, dst)
    return trace(topo, s, d, protocol or proto or "tcp", None if protocol == "icmp" else port)


def _way_in(doc: Doc) -> list[FlowResult]:
    topo = Topology(build(doc))
    (bs,) = lb_analysis(topo).index.services
    return trace_way_in(topo, CLIENT, bs, "tcp", 80)


def test_a_ping_to_a_clusterip_misses_calico_ebpf_and_gets_no_reply() -> None:
    snap = _ebpf(seed_doc())
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    hop = r.hops[-1]
    assert r.expected_reply == "none" and r.no_reply_expected
    assert hop.disposition == Disposition.NOT_APPLICABLE
    assert "Calico's eBPF NAT matches a Service by protocol and port" in hop.detail, hop.detail
    story = ping_story(Topology(snap), "10.96.0.1")
    assert "Calico eBPF" in story and "kube-proxy replacement" in story, story
    assert "응답 없음" in localize(hop.detail, "ko")


def test_with_kube_proxy_still_running_its_mode_answers_the_ping() -> None:
    """eBPF on and kube-proxy's pods listed (nftables): the echo misses Calico's NAT and meets
    kube-proxy's cluster-ips-check; the translator named is still Calico eBPF."""
    snap = _ebpf(seed_doc(), "nftables")
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    assert r.expected_reply == "reject"


def test_a_pods_service_connection_is_translated_by_calico_ebpf() -> None:
    results = _trace(_ebpf(seed_doc()), "pod:demo/netshoot", "svc:default/kubernetes:443/tcp")
    assert results
    for r in results:
        (hop,) = [h for h in r.hops if h.step == "kube-proxy"]
        assert hop.where == "Calico eBPF on k8s-w-1", hop.where


def _online(doc: Doc) -> Doc:
    """Every member ONLINE: Octavia still sends to each, so every leg is walked to its end."""
    for lb in doc["openstack"]["load_balancers"]:
        for pool in lb["pools"]:
            for member in pool["members"]:
                member["operating_status"] = "ONLINE"
    return doc


def _member_legs(results: list[FlowResult]) -> dict[str, FlowResult]:
    """Each member's path by the node whose NodePort it reaches."""
    out: dict[str, FlowResult] = {}
    for r in results:
        where = next(h.where for h in r.hops if h.step == "kube-proxy")
        out[str(where).split(" on ")[-1]] = r
    return out


def test_the_way_in_crosses_the_groups_in_vxlan_to_the_backends_node() -> None:
    """k8s-cp-1 holds no endpoint of shop/web: its leg goes on in VXLAN (udp 4789) to
    k8s-w-1, and the nodes' group admits no UDP between them."""
    broken = _member_legs(_way_in(_online(ebpf_no_udp())))
    leg = broken["k8s-cp-1"]
    denied = [h for h in leg.hops if h.disposition == Disposition.DENIED]
    assert denied and "udp:4789" in denied[0].detail, [h.detail for h in leg.hops]
    assert "in VXLAN (udp 4789, k8s-cp-1 -> k8s-w-1)" in " ".join(h.detail for h in leg.hops)
    local = broken["k8s-w-1"]  # its own endpoint: delivered on the node, no tunnel
    assert all(h.disposition != Disposition.DENIED for h in local.hops)
    healthy = _way_in(ebpf_doc())
    assert all(h.disposition != Disposition.DENIED for r in healthy for h in r.hops)


def test_dsr_tunnels_the_request_only() -> None:
    """DSR: the backend's node answers the client itself, so only the request crosses the
    nodes in VXLAN (one udp 4789 leg, not two)."""

    def udp_checks(doc: Doc) -> int:
        leg = _member_legs(_way_in(doc))["k8s-cp-1"]
        return sum("udp:4789" in h.detail and "ingress" in h.detail for h in leg.hops)

    tunnel = ebpf_doc()
    dsr = ebpf_doc(mode="DSR")
    assert (udp_checks(tunnel), udp_checks(dsr)) == (2, 1)
    leg = _member_legs(_way_in(dsr))["k8s-cp-1"]
    assert "answers the client itself" in " ".join(h.detail for h in leg.hops)


def test_the_health_monitor_explains_the_members_down() -> None:
    """The TCP monitor on a member without an endpoint rides the same VXLAN: its ERROR joins
    net-sg-calico-ebpf's root cause instead of 'no visible reason'."""
    from kostack.analyze.diagnose import diagnose

    d = diagnose(build(ebpf_no_udp()))
    assert [rc.key for rc in d.root_causes] == ["calico-ebpf-tunnel"]


@pytest.mark.parametrize(
    ("cni", "mode", "proxy"),
    [
        ("calico", "iptables", "kube-proxy"),
        ("cilium", "none", "Cilium"),
        ("kube-router", "none", "kube-router"),
        ("unknown", "none", "the Service proxy"),
        ("cilium", "iptables", "kube-proxy"),
    ],
)
def test_one_function_names_who_serves_node_ports(cni: str, mode: str, proxy: str) -> None:
    doc = seed_doc()
    doc["cluster"]["cni"]["type"] = cni
    doc["cluster"]["kube_proxy_mode"] = mode
    if cni != "calico":
        doc["cluster"]["cni"]["calico"] = None
    assert node_port_proxy(Topology(build(doc))) == proxy
    assert node_port_proxy(Topology(_ebpf(seed_doc(), "iptables"))) == "Calico eBPF"


def test_kube_proxy_running_beside_ebpf_is_a_warning_with_its_pods() -> None:
    from kostack.analyze.diagnose import diagnose
    from kostack_testkit.calico_ebpf import ebpf_with_kube_proxy

    d = diagnose(build(ebpf_with_kube_proxy()))
    assert d.root_causes == ()
    (w,) = [f for f in d.warnings if f.check_id == "net-calico-ebpf-kube-proxy"]
    assert "4 kube-proxy pods run" in w.message, w.message
    assert w.evidence[0].startswith("pod kube-system/kube-proxy-")
    (remedy,) = w.remedies
    assert "non-calico" in dict(remedy.params)["command"]
    assert "kube-proxy Pod 4개" in localize(w.message, "ko")


def test_dsr_answers_from_the_ingress_address_and_neutron_drops_it() -> None:
    """DSR: k8s-w-1 answers the amphora from k8s-cp-1's address; no pair on k8s-w-1's port
    covers it, so the way in ends at its anti-spoofing, and the monitor's ERROR on k8s-cp-1 is
    that root cause, not 'no visible reason'."""
    from kostack.analyze.diagnose import diagnose

    leg = _member_legs(_way_in(ebpf_doc(mode="DSR")))["k8s-cp-1"]
    (denied,) = [h for h in leg.hops if h.disposition == Disposition.DENIED]
    assert denied.step == "reply-antispoof" and "10.0.0.11" in denied.detail, denied.detail
    doc = ebpf_doc(mode="DSR")
    for lb in doc["openstack"]["load_balancers"]:
        for member in lb["pools"][0]["members"]:
            if member["name"] in ("k8s-cp-1", "k8s-w-3"):
                member["operating_status"] = "ERROR"
    assert [rc.key for rc in diagnose(build(doc)).root_causes] == ["calico-ebpf-dsr"]


@pytest.mark.parametrize(
    ("ebpf", "who"), [(False, "kube-proxy fails"), (True, "Calico eBPF fails")]
)
def test_the_health_text_names_who_fails_the_local_check(ebpf: bool, who: str) -> None:
    from kostack.analyze.loadbalancer.monitor import health_text
    from kostack_testkit.lb_fixtures import etp_local_by_design

    doc = etp_local_by_design()
    snap = _ebpf(doc) if ebpf else build(doc)
    (pa,) = lb_analysis(Topology(snap)).ports
    texts = [health_text(h) for h in pa.health if h.reason == "no-local-endpoint"]
    assert texts and all(who in t for t in texts), texts
    assert all("로컬 엔드포인트가 없어" in localize(t, "ko") for t in texts)


def _dsr_down() -> Doc:
    """DSR; the monitor's check on the members without an endpoint (k8s-cp-1, k8s-w-3) fails."""
    doc = ebpf_doc(mode="DSR")
    for lb in doc["openstack"]["load_balancers"]:
        for member in lb["pools"][0]["members"]:
            if member["name"] in ("k8s-cp-1", "k8s-w-3"):
                member["operating_status"] = "ERROR"
    return doc


def test_dsr_root_cause_names_the_endpoints_nodes_ports_and_plans_their_pairs() -> None:
    """The answers are dropped on the ports of the endpoints' nodes (k8s-w-1, k8s-w-2), not
    on the members' the monitor fails on: the Ports line names those, and the plan adds each
    other member node's address as a /32 there, with an undo, and its re-run is clean."""
    from kostack.analyze.diagnose import diagnose
    from kostack.plan.build import build_plan
    from kostack.plan.model import Operation

    doc = _dsr_down()
    ports = {p["id"]: p["name"] for p in doc["openstack"]["ports"]}
    (rc,) = diagnose(build(doc)).root_causes
    assert rc.key == "calico-ebpf-dsr"
    shown = {ports.get(r.id, r.name) for r in rc.resources if r.kind == "port"}
    assert shown == {"k8s-w-1-port", "k8s-w-2-port"}, shown
    plan = build_plan(build(doc))
    added = {
        ports[a.target.id].removesuffix("-port"): sorted(p.ip_address for p in a.pairs)
        for a in plan.automatic
        if a.operation == Operation.ADD_ALLOWED_PAIRS
    }
    assert added == {
        "k8s-w-1": ["10.0.0.11/32", "10.0.0.13/32", "10.0.0.14/32"],
        "k8s-w-2": ["10.0.0.11/32", "10.0.0.12/32", "10.0.0.14/32"],
    }, added
    assert all(a.inverse.operation == "restore-port-fields" for a in plan.automatic)
    assert plan.verification.after == (), plan.verification.after


def test_dsr_text_gives_the_tunnel_patch_quoted_in_both_languages() -> None:
    from kostack.analyze.diagnose import diagnose

    (rc,) = diagnose(build(_dsr_down())).root_causes
    patch = """`kubectl patch felixconfiguration default --type merge -p '{"spec":{"bpfExternalServiceMode":"Tunnel"}}'`"""
    for lang in ("en", "ko"):
        assert patch in localize(rc.message, lang), lang


def test_dsr_port_that_would_pass_neutrons_pair_cap_gets_no_pairs() -> None:
    """k8s-w-1's port already has 8 pairs: 3 more pass Neutron's default 10, which the API
    refuses, so only k8s-w-2 gets pairs (the Tunnel patch is k8s-w-1's fix)."""
    from kostack.analyze.diagnose import diagnose

    doc = _dsr_down()
    port = next(p for p in doc["openstack"]["ports"] if p["name"] == "k8s-w-1-port")
    port["allowed_address_pairs"] += [
        {"ip_address": f"192.0.2.{i}/32", "mac_address": port["mac_address"]} for i in range(6)
    ]
    (rc,) = diagnose(build(doc)).root_causes
    targets = {r.target_name for r in rc.fix.remedies}
    assert targets == {"k8s-w-2"}, targets
    said = [localize(e, "en") for e in rc.evidence]
    assert any(
        "no pairs planned on the ports of node k8s-w-1: each needs up to 3 more" in e for e in said
    ), said


def test_clients_in_bpf_dsr_optout_cidrs_are_answered_through_the_tunnel() -> None:
    """The amphora's member subnet 10.0.0.0/24 in bpfDSROptoutCIDRs: Felix gives its
    connections Tunnel treatment, so no answer leaves k8s-w-1 from k8s-cp-1's address and
    nothing is dropped; the same members ERROR are then not the DSR root cause."""
    from kostack.analyze.diagnose import diagnose

    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_dsr_optout_cidrs"] = ["10.0.0.0/16"]
    leg = _member_legs(_way_in(doc))["k8s-cp-1"]
    assert all(h.disposition != Disposition.DENIED for h in leg.hops), leg.hops
    tunnel = _member_legs(_way_in(ebpf_doc(mode="Tunnel")))["k8s-cp-1"]
    assert [(h.step, h.where) for h in leg.hops] == [(h.step, h.where) for h in tunnel.hops]
    assert "bpfExternalServiceMode Tunnel" in " ".join(localize(h.detail, "en") for h in leg.hops)
    down = _dsr_down()
    down["cluster"]["cni"]["calico"]["bpf_dsr_optout_cidrs"] = ["10.0.0.0/16"]
    d = diagnose(build(down))
    members = [f for f in d.findings if f.check_id == "lb-members-down" and f.cause]
    assert members and all(f.cause != "calico-ebpf-dsr" for f in members), members
    # a NodePort reached directly by a client outside the opt-out CIDRs is still answered in
    # DSR: net-calico-ebpf-dsr predicts that drop whatever the load balancer's sources are
    (rc,) = [rc for rc in d.root_causes if rc.key == "calico-ebpf-dsr"]
    assert {f.check_id for f in (*rc.findings, *rc.symptoms)} == {"net-calico-ebpf-dsr"}


def test_clients_partly_in_bpf_dsr_optout_cidrs_leave_the_answer_undecided() -> None:
    """Half the member subnet opted out: some monitor sources get Tunnel, some DSR; the leg
    is UNKNOWN (not a drop, not a pass) and says so."""
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_dsr_optout_cidrs"] = ["10.0.0.0/25"]
    leg = _member_legs(_way_in(doc))["k8s-cp-1"]
    assert not [h for h in leg.hops if h.disposition == Disposition.DENIED]
    (gap,) = [h for h in leg.hops if h.disposition == Disposition.UNKNOWN]
    assert "are in bpfDSROptoutCIDRs (10.0.0.0/25)" in localize(gap.detail, "en"), gap.detail
    assert "bpfDSROptoutCIDRs(10.0.0.0/25)" in localize(gap.detail, "ko")
