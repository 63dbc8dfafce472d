"""Every check: docs in both languages, and passing, failing and unknown cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kostack.analyze.checks import BY_ID, CHECKS
from kostack.analyze.diagnose import run_checks
from kostack.analyze.findings import Status
from kostack_testkit.builders import (
    SG_NODES,
    add_pairs,
    build,
    disable_port_security,
    example_doc,
    rule,
    seed_doc,
    set_port_state,
)
from kostack_testkit.calico_address import (
    calico_address_example_doc,
    with_calico_addresses,
)
from kostack_testkit.calico_ebpf import ebpf_doc, ebpf_no_udp, ebpf_with_kube_proxy
from kostack_testkit.egress import POOL as EGRESS_POOL
from kostack_testkit.egress import antrea_egress_doc
from kostack_testkit.kubeovn import (
    kube_ovn_doc,
    kube_ovn_example_doc,
    underlay_exclude_unread,
    underlay_pool_excluded,
)
from kostack_testkit.lb_fixtures import LB_CHECK_CASES
from kostack_testkit.metallb import FIXED as METALLB_FIXED
from kostack_testkit.metallb import POOL as METALLB_POOL
from kostack_testkit.metallb import metallb_doc, metallb_example_doc
from kostack_testkit.service_proxy import (
    calico_proxy_back,
    service_proxy_doc,
    service_proxy_example_doc,
    unseen,
)

Doc = dict[str, Any]
Edit = Callable[[Doc], None]


def _ex(name: str) -> Callable[[], Doc]:
    return lambda: example_doc(name)


def _seed(*edits: Edit) -> Callable[[], Doc]:
    def make() -> Doc:
        doc = seed_doc()
        for e in edits:
            e(doc)
        return doc

    return make


def _add(doc: Doc, *edits: Edit) -> Doc:
    for e in edits:
        e(doc)
    return doc


def _fixed(*edits: Edit) -> Callable[[], Doc]:
    def make() -> Doc:
        doc = example_doc("seed-fixed")
        for e in edits:
            e(doc)
        return doc

    return make


def no_groups(d: Doc) -> None:
    d["openstack"]["security_groups"] = None


def no_ports(d: Doc) -> None:
    d["openstack"]["ports"] = None


def no_cni(d: Doc) -> None:
    d["cluster"]["cni"] = {"type": "unknown"}


def no_links(d: Doc) -> None:
    d["node_ports"] = None


def no_services(d: Doc) -> None:
    d["cluster"]["services"] = None


def typha_unknown(d: Doc) -> None:
    d["cluster"]["cni"]["calico"]["typha"] = None


def bgp_unknown(d: Doc) -> None:
    d["cluster"]["cni"]["calico"]["bgp"] = None


def only_custom_group(*rules: Doc) -> Edit:
    def edit(d: Doc) -> None:
        sg = next(g for g in d["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
        sg["rules"] = [rule(SG_NODES, "egress"), *rules]
        for p in d["openstack"]["ports"]:
            p["security_group_ids"] = [SG_NODES]

    return edit


def wide_pair(d: Doc) -> None:
    add_pairs(d, ["0.0.0.0/0"], only={"k8s-w-1"})


def mtu(v: int) -> Edit:
    def edit(d: Doc) -> None:
        d["cluster"]["cni"]["calico"]["mtu"] = v

    return edit


def overlap(d: Doc) -> None:
    d["cluster"]["service_cidrs"] = ["10.244.128.0/20"]


def no_pod_cidrs(d: Doc) -> None:
    d["cluster"]["pod_cidrs"] = None


def no_routers(d: Doc) -> None:
    d["openstack"]["routers"] = None


def no_route_back(d: Doc) -> None:
    d["openstack"]["routers"][0]["routes"] = []


def no_cp_role(d: Doc) -> None:
    for n in d["cluster"]["nodes"]:
        n["roles"] = []


def unknown_port_security(d: Doc) -> None:
    for p in d["openstack"]["ports"]:
        p["port_security_enabled"] = None


def port_down(d: Doc) -> None:
    set_port_state(d, {"k8s-w-2"})


def unmatched(d: Doc) -> None:
    d["node_ports"][3] = {"node": "k8s-w-3", "port_id": None, "note": "no port matched"}


def no_networks(d: Doc) -> None:
    d["openstack"]["networks"] = None
    d["openstack"]["subnets"] = None
    d["openstack"]["ports"] = None


def ipip_as_tcp_port_4(d: Doc) -> None:
    sg = next(g for g in d["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    sg["rules"].append(rule(SG_NODES, "ingress", "tcp", 4, group=SG_NODES))


def cilium_health_rule(d: Doc) -> None:
    sg = next(g for g in d["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    sg["rules"].append(rule(SG_NODES, "ingress", "tcp", 4240, group=SG_NODES))


def host_exclusions(d: Doc) -> None:
    calico = d["cluster"]["cni"]["calico"]
    calico["ip_pools"][0]["nat_outgoing"] = True
    calico["ip_pools"][0]["vxlan_mode"] = "Always"
    calico["nat_outgoing_exclusions"] = "IPPoolsAndHostIPs"


def stateless(d: Doc) -> None:
    for sg in d["openstack"]["security_groups"]:
        sg["stateful"] = False


def stateless_ovn(d: Doc) -> None:
    stateless(d)
    d["openstack"]["backend"] = "ml2/ovn"


def reply_rules(d: Doc) -> None:
    sg = next(g for g in d["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    for proto in ("tcp", "udp"):
        sg["rules"].append(rule(SG_NODES, "ingress", proto, (32768, 60999), "0.0.0.0/0"))


def calico_addresses(d: Doc) -> None:
    with_calico_addresses(d)


def calico_no_annotation(d: Doc) -> None:
    """k8s-w-3's Node without Calico's address (a second NIC's is judged: it passes)."""
    with_calico_addresses(d)
    del d["cluster"]["cni"]["calico"]["node_addresses"]["k8s-w-3"]


CASES: dict[str, tuple[Callable[[], Doc], Callable[[], Doc], Callable[[], Doc]]] = {
    "net-calico-node-address": (
        _fixed(calico_addresses),
        lambda: calico_address_example_doc("calico-first-found-bridge"),
        _fixed(calico_no_annotation),
    ),
    "net-sg-ipip-proto": (
        _ex("ipip-always-no-proto4"),
        lambda: _add(example_doc("ipip-always-no-proto4"), ipip_as_tcp_port_4),
        _seed(no_groups),
    ),
    "net-calico-host-nat": (
        _fixed(host_exclusions),
        _seed(host_exclusions),
        _seed(host_exclusions, no_links),
    ),
    # check id: (passing, failing, unknown)
    "net-pod-src-antispoof": (_ex("seed-fixed"), _ex("seed-incident"), _seed(no_links)),
    "net-sg-cni-encap": (
        _ex("two-subnets-crosssubnet"),
        _ex("vxlan-always-no-4789"),
        _seed(no_groups),
    ),
    "net-sg-pod-source-ingress": (_ex("seed-fixed"), _ex("ovn-seed-fix-not-enough"), _seed(no_cni)),
    "net-sg-bgp": (
        _ex("seed-incident"),
        _seed(only_custom_group(rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES))),
        _seed(no_links),  # whether BGP runs, when not collected, is tried both ways
    ),
    "net-sg-typha": (_ex("seed-incident"), _seed(only_custom_group()), _seed(typha_unknown)),
    "net-sg-control-plane": (_ex("seed-incident"), _seed(only_custom_group()), _seed(no_cp_role)),
    "net-sg-cilium-health": (
        lambda: _add(example_doc("cilium-geneve-no-6081"), cilium_health_rule),
        _ex("cilium-geneve-no-6081"),
        lambda: _add(example_doc("cilium-geneve-no-6081"), no_links),
    ),
    "net-dns": (_ex("seed-fixed"), _ex("seed-incident"), _seed(no_services)),
    "net-api-service": (_ex("seed-fixed"), _ex("seed-incident"), _seed(no_services)),
    "net-pod-to-pod": (_ex("seed-fixed"), _ex("seed-incident"), _seed(no_cni)),
    "net-pod-egress": (_ex("seed-fixed"), _fixed(no_route_back), _seed(no_routers)),
    "net-mtu": (_ex("seed-fixed"), _ex("mtu-1500"), _seed(no_networks)),
    "net-cidr-overlap": (_ex("seed-incident"), _seed(overlap), _seed(no_pod_cidrs)),
    "neutron-port-security-disabled": (
        _ex("seed-incident"),
        _ex("seed-port-security-off"),
        _seed(unknown_port_security),
    ),
    "neutron-port-admin-down": (_ex("seed-fixed"), _fixed(port_down), _fixed(unmatched)),
    "neutron-allowed-pairs-scope": (_ex("seed-fixed"), _fixed(wide_pair), _fixed(unmatched)),
    "inv-node-port-match": (_ex("seed-incident"), _fixed(unmatched), _seed(no_links)),
    # unknown: ML2/OVS, whose openvswitch firewall driver keeps a stateless group stateful
    "net-sg-stateless": (
        _fixed(stateless_ovn, reply_rules),
        _fixed(stateless_ovn),
        _fixed(stateless),
    ),
}


CASES.update(LB_CHECK_CASES)


def _metallb_unread() -> Doc:
    doc = metallb_doc()
    doc["cluster"]["virtual_ips"]["metallb"]["pools"] = None
    return doc


CASES["neutron-vip-pairs"] = (
    lambda: _add(metallb_doc(), lambda d: add_pairs(d, [METALLB_POOL])),
    metallb_doc,
    _metallb_unread,
)


def _egress_unread() -> Doc:
    doc = antrea_egress_doc()
    doc["cluster"]["egress_ips"]["egresses"] = None
    return doc


CASES["neutron-egress-ip-pairs"] = (
    lambda: _add(antrea_egress_doc(), lambda d: add_pairs(d, [EGRESS_POOL])),
    antrea_egress_doc,
    _egress_unread,
)


def _memberlist_dropped() -> Doc:
    doc = antrea_egress_doc()
    for sg in doc["openstack"]["security_groups"]:
        sg["rules"] = [r for r in sg["rules"] if r["port_range_min"] != 10351]
    return doc


CASES["net-sg-antrea-memberlist"] = (antrea_egress_doc, _memberlist_dropped, _egress_unread)


def _ebpf_unread() -> Doc:
    doc = ebpf_doc()
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = None
    return doc


CASES["net-sg-calico-ebpf"] = (ebpf_doc, ebpf_no_udp, _ebpf_unread)
CASES["net-calico-ebpf-kube-proxy"] = (ebpf_doc, ebpf_with_kube_proxy, _ebpf_unread)


def _dsr(pairs: bool) -> Callable[[], Doc]:
    """DSR; with ``pairs`` every node port holds each node's address as a /32 pair, and its
    groups are stateless under ML2/OVN (a stateful group leaves a TCP answer's conntrack-invalid
    SYN-ACK to the firewall driver: UNKNOWN, tests/foundation/test_calico_ebpf_dsr_egress.py)."""

    def doc() -> Doc:
        d = ebpf_doc(mode="DSR")
        if pairs:
            ips = [f"{n['internal_ip']}/32" for n in d["cluster"]["nodes"]]
            for port in d["openstack"]["ports"]:
                held = port.setdefault("allowed_address_pairs", [])
                held += [{"ip_address": ip} for ip in ips]
            d["openstack"]["backend"] = "ml2/ovn"
            for sg in d["openstack"]["security_groups"]:
                sg["stateful"] = False
        return d

    return doc


CASES["net-calico-ebpf-dsr"] = (_dsr(True), _dsr(False), _ebpf_unread)
CASES["net-service-proxy"] = (
    lambda: service_proxy_doc(calico_proxy_back),
    lambda: service_proxy_example_doc("calico-no-service-proxy"),
    lambda: service_proxy_doc(unseen),
)

CASES["neutron-underlay-addresses"] = (
    lambda: kube_ovn_doc(underlay_pool_excluded),
    lambda: kube_ovn_example_doc("kube-ovn-underlay-pool-overlap"),
    lambda: kube_ovn_doc(underlay_exclude_unread),
)


def _metallb_bgp(fixed: bool, peers: bool = True) -> Callable[[], Doc]:
    def make() -> Doc:
        doc = metallb_example_doc("metallb-bgp-egress-blocked")
        if fixed:
            METALLB_FIXED["metallb-bgp-egress-blocked"](doc)
        if not peers:
            del doc["cluster"]["virtual_ips"]["metallb"]["peers"]
        return doc

    return make


CASES["net-sg-metallb-bgp"] = (_metallb_bgp(True), _metallb_bgp(False), _metallb_bgp(False, False))


def test_every_registered_check_has_cases() -> None:
    assert set(CASES) == set(BY_ID)


def test_ids_are_unique_and_stable_shaped() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    for c in CHECKS:
        assert c.id.replace("-", "").isalnum() and c.id == c.id.lower()
        assert c.title[0].isupper()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_every_check_ships_english_and_korean_docs(check: Any) -> None:
    docs = check.docs
    for lang in ("en", "ko"):
        assert lang in docs, f"{check.id}: no `## {lang}` section"
        for part in ("title", "explanation", "remediation"):
            assert docs[lang].get(part), f"{check.id}: `## {lang}` lacks `### {part}`"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in docs["ko"]["explanation"]), (
        "Korean text expected"
    )


def _statuses(doc: Doc, check_id: str) -> set[Status]:
    findings, _ = run_checks(build(doc))
    mine = [f for f in findings if f.check_id == check_id]
    assert mine, f"{check_id} produced no finding"
    return {f.status for f in mine}


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_passes_fails_and_answers_unknown(check_id: str) -> None:
    passing, failing, unknown = CASES[check_id]
    got = _statuses(passing(), check_id)
    assert Status.FAIL not in got and Status.UNKNOWN not in got, got
    assert Status.PASS in got or Status.NOT_APPLICABLE in got
    assert Status.FAIL in _statuses(failing(), check_id)
    got = _statuses(unknown(), check_id)
    assert Status.UNKNOWN in got and Status.PASS not in got, got


def test_findings_are_full_sentences_naming_their_resource() -> None:
    findings, _ = run_checks(build(seed_doc()))
    for f in findings:
        assert f.message.endswith("."), f.message
        assert f.message[0].isupper(), f.message
        if f.status == Status.FAIL:
            assert f.evidence, f"{f.check_id}: a failing finding needs evidence"


def test_port_security_off_fix_is_clean_with_an_insecure_warning() -> None:
    doc = seed_doc()
    disable_port_security(doc)
    findings, _ = run_checks(build(doc))
    fails = [f for f in findings if f.status == Status.FAIL]
    assert {f.check_id for f in fails} == {"neutron-port-security-disabled"}


def test_an_ipip_rule_written_as_tcp_port_4_joins_the_encapsulation_root_cause() -> None:
    from kostack.analyze.diagnose import diagnose

    d = diagnose(build(_add(example_doc("ipip-always-no-proto4"), ipip_as_tcp_port_4)))
    (rc,) = d.root_causes
    assert rc.key == "sg-encap"
    assert {f.check_id for f in rc.findings} == {"net-sg-cni-encap", "net-sg-ipip-proto"}
    assert all("--protocol ipip" in c for c in rc.fix.commands)


def test_host_exclusions_make_pod_to_node_keep_the_pod_source() -> None:
    from kostack.analyze.diagnose import diagnose

    d = diagnose(build(_add(seed_doc(), host_exclusions)))
    (rc,) = d.root_causes
    assert rc.key == "antispoof"
    assert {f.check_id for f in rc.findings} >= {"net-calico-host-nat"}
    # VXLAN Always: pod-to-pod is fine; the API service (pod -> node) is what breaks
    assert {f.check_id for f in rc.symptoms} == {"net-api-service"}


@pytest.mark.parametrize("example", ["flannel-vxlan-no-8472", "cilium-geneve-no-6081"])
def test_another_cnis_checks_are_not_applicable_when_openstack_is_missing(example: str) -> None:
    """Without the OpenStack side every traffic check is undecided, but a check of another
    CNI's traffic is not applicable (it was one more "undecided" line each)."""
    doc = example_doc(example)
    doc["openstack"] = None
    doc["node_ports"] = None
    findings, _ = run_checks(build(doc))
    own = "net-sg-cilium-health" if example.startswith("cilium") else None
    for check_id in ("net-sg-bgp", "net-sg-typha", "net-calico-host-nat", "net-sg-cilium-health"):
        statuses = {f.status for f in findings if f.check_id == check_id}
        assert statuses == ({Status.UNKNOWN} if check_id == own else {Status.NOT_APPLICABLE})


@pytest.mark.parametrize(
    ("doc", "ipip"),
    [
        (lambda: example_doc("ipip-always-no-proto4"), True),
        (lambda: example_doc("flannel-vxlan-no-8472"), False),
        (lambda: example_doc("seed-incident"), False),  # Calico, VXLAN
        (lambda: kube_ovn_example_doc("kube-ovn-geneve-blocked"), False),
    ],
)
def test_ipip_as_protocol_4_is_checked_ok_only_where_ipip_runs(
    doc: Callable[[], Doc], ipip: bool
) -> None:
    """Without IPIP, no rule for it was judged: not applicable, and not listed as ok."""
    from kostack.analyze.diagnose import diagnose
    from kostack.report.i18n import t
    from kostack.report.text import render_diagnosis

    d = diagnose(build(doc()))
    (f,) = [f for f in d.findings if f.check_id == "net-sg-ipip-proto"]
    assert f.status == (Status.PASS if ipip else Status.NOT_APPLICABLE)
    for lang in ("en", "ko"):
        text = " ".join(render_diagnosis(d, lang).split())
        also = text.split(t(lang, "also_checked"))[1].split("(`")[0]
        assert (t(lang, "short.net-sg-ipip-proto") in also) is ipip, also


def _two_controllers(occm: bool, services: bool = True) -> Callable[[], Doc]:
    def make() -> Doc:
        doc = metallb_doc()
        web = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
        if occm:
            web["annotations"]["loadbalancer.openstack.org/load-balancer-id"] = "lb-of-occm"
        if not services:
            doc["cluster"]["services"] = None
        return doc

    return make


CASES["inv-lb-two-controllers"] = (
    _two_controllers(False),
    _two_controllers(True),
    _two_controllers(False, False),
)
