"""net-calico-ebpf-dsr: DSR for NodePorts reached directly, judged by prediction (docs/facts.md
"Calico's eBPF data plane", DSR for NodePorts reached directly): every node is an ingress node,
so each node holding a ready endpoint of a NodePort or LoadBalancer Service (policy Cluster)
needs every other node's address on its port; root cause calico-ebpf-dsr, whatever Octavia
reports."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose, run_checks
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import build
from kostack_testkit.calico_ebpf import ebpf_doc

Doc = dict[str, Any]
ID = "net-calico-ebpf-dsr"


def _all(doc: Doc) -> list[Finding]:
    findings, _ = run_checks(build(doc))
    return [f for f in findings if f.check_id == ID]


def _egress_finding(f: Finding) -> bool:
    return getattr(f.message, "key", "").startswith(("ebpf-dsr-sg.", "ebpf-dsr-in."))


def _findings(doc: Doc) -> list[Finding]:
    """The check's findings on the pairs (the answers' security groups are
    tests/foundation/test_calico_ebpf_dsr_egress.py's)."""
    return [f for f in _all(doc) if not _egress_finding(f)]


def _ports(doc: Doc) -> dict[str, str]:
    return {p["id"]: p["name"] for p in doc["openstack"]["ports"]}


def test_dsr_without_pairs_is_the_root_cause_while_octavia_reports_online() -> None:
    """Every member ONLINE (lb-members-down sees nothing), yet a client reaching a NodePort
    directly on k8s-cp-1 is answered by k8s-w-1 from 10.0.0.11: the backends' ports fail,
    and the plan adds each other node's address there; planned, the re-run is clean."""
    doc = ebpf_doc(mode="DSR")
    (f,) = _findings(doc)
    assert f.status == Status.FAIL and f.cause == "calico-ebpf-dsr"
    assert set(f.nodes) == {"k8s-w-1", "k8s-w-2"}, f.nodes
    en, ko = localize(f.message, "en"), localize(f.message, "ko")
    assert "anti-spoofing on the ports of nodes k8s-w-1, k8s-w-2 drops those answers" in en, en
    assert 'bpfExternalServiceMode":"Tunnel"' in en and en.endswith(".")
    assert "Neutron anti-spoofing이 이 응답을 차단" in ko
    (rc,) = diagnose(build(doc)).root_causes  # the answers' egress is undecided (driver)
    assert rc.key == "calico-ebpf-dsr"
    ports = _ports(doc)
    plan = build_plan(build(doc))
    added = {
        ports[a.target.id]: sorted(str(p.ip_address) for p in a.pairs)
        for a in plan.automatic
        if a.operation == Operation.ADD_ALLOWED_PAIRS
    }
    assert added == {
        "k8s-w-1-port": ["10.0.0.11/32", "10.0.0.13/32", "10.0.0.14/32"],
        "k8s-w-2-port": ["10.0.0.11/32", "10.0.0.12/32", "10.0.0.14/32"],
    }, added
    assert plan.verification.after == (), plan.verification.after


def _edit_services(doc: Doc, **fields: Any) -> Doc:
    for svc in doc["cluster"]["services"]:
        svc.update(fields)
    return doc


def test_tunnel_off_and_a_whole_opt_out_are_not_applicable() -> None:
    (f,) = _findings(ebpf_doc(mode="Tunnel"))
    assert f.status == Status.NOT_APPLICABLE and "Tunnel" in f.message
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_dsr_optout_cidrs"] = ["0.0.0.0/0"]
    (f,) = _findings(doc)
    assert f.status == Status.NOT_APPLICABLE and "0.0.0.0/0" in f.message
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    (f,) = _findings(doc)
    assert f.status == Status.NOT_APPLICABLE


def test_a_partial_opt_out_leaves_direct_clients_in_dsr() -> None:
    """A NodePort's clients are not known: an opt-out of the member subnet still leaves the
    others answered in DSR."""
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_dsr_optout_cidrs"] = ["10.0.0.0/16"]
    (f,) = _findings(doc)
    assert f.status == Status.FAIL


def test_local_policy_keeps_the_connection_on_its_node() -> None:
    (f,) = _findings(_edit_services(ebpf_doc(mode="DSR"), external_traffic_policy="Local"))
    assert f.status == Status.NOT_APPLICABLE
    assert "No NodePort or LoadBalancer Service" in f.message


def test_endpoints_not_read_are_unknown_never_a_pass() -> None:
    (f,) = _findings(_edit_services(ebpf_doc(mode="DSR"), endpoints=None))
    assert f.status == Status.UNKNOWN and "were not read" in f.message
    assert "엔드포인트를 읽지 못해" in localize(f.message, "ko")


def test_a_backend_port_whose_security_is_not_known_is_unknown() -> None:
    """k8s-w-2's port_security_enabled not collected: k8s-w-1 still fails, k8s-w-2 is
    undecided and gets no pair."""
    doc = ebpf_doc(mode="DSR")
    for port in doc["openstack"]["ports"]:
        if port["name"] == "k8s-w-2-port":
            port["port_security_enabled"] = None
    found = {f.status: f for f in _findings(doc)}
    assert set(found) == {Status.FAIL, Status.UNKNOWN}, found
    assert found[Status.FAIL].nodes == ("k8s-w-1",)
    assert found[Status.UNKNOWN].nodes == ("k8s-w-2",)
    assert {r.target_name for r in found[Status.FAIL].remedies} == {"k8s-w-1"}


def test_pairs_in_place_pass() -> None:
    doc = ebpf_doc(mode="DSR")
    for port in doc["openstack"]["ports"]:
        port.setdefault("allowed_address_pairs", []).append({"ip_address": "10.0.0.8/29"})
    assert _findings(doc) == []  # stateful groups: the answers' egress is undecided,
    # and so are the clients' ACKs at the ingress nodes' ports
    found = _all(doc)
    assert [f.message.key for f in found] == ["ebpf-dsr-sg.driver", "ebpf-dsr-in.driver"]
    assert all(f.status == Status.UNKNOWN and "firewall_driver" in f.message for f in found)
    # stateless groups under ML2/OVN: the egress rules alone decide, and they admit it
    doc["openstack"]["backend"] = "ml2/ovn"
    for sg in doc["openstack"]["security_groups"]:
        sg["stateful"] = False
    (f,) = _all(doc)
    assert f.status == Status.PASS, f.message
    assert "admit every other node's address" in f.message


def _added(doc: Doc) -> dict[str, list[str]]:
    ports = _ports(doc)
    return {
        ports[a.target.id]: sorted(str(p.ip_address) for p in a.pairs)
        for a in build_plan(build(doc)).automatic
        if a.operation == Operation.ADD_ALLOWED_PAIRS
    }


def test_a_node_whose_address_felix_excludes_from_nat_is_no_ingress_node() -> None:
    """bpfExcludeCIDRsFromNAT holding k8s-cp-1's address: Felix leaves its NodePorts to the
    host (bpf/proxy syncer.go NATFlgExclude), so no DSR answer carries it; the other nodes
    still need each other's, and who serves k8s-cp-1's NodePorts is UNKNOWN, named."""
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_exclude_cidrs_from_nat"] = ["10.0.0.11/32"]
    found = _findings(doc)
    assert sorted(f.status for f in found) == sorted([Status.FAIL, Status.UNKNOWN])
    (host,) = [f for f in found if f.status == Status.UNKNOWN]
    assert host.nodes == ("k8s-cp-1",)
    en, ko = localize(host.message, "en"), localize(host.message, "ko")
    assert "the address of node k8s-cp-1: it is in bpfExcludeCIDRsFromNAT (10.0.0.11/32)" in en
    assert "bpfExcludeCIDRsFromNAT(10.0.0.11/32)에 속해" in ko
    assert _added(doc) == {
        "k8s-w-1-port": ["10.0.0.13/32", "10.0.0.14/32"],
        "k8s-w-2-port": ["10.0.0.12/32", "10.0.0.14/32"],
    }


def test_every_node_excluded_from_nat_leaves_no_dsr_answer_to_judge() -> None:
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_exclude_cidrs_from_nat"] = ["10.0.0.0/24"]
    (f,) = _all(doc)
    assert f.status == Status.UNKNOWN and "bpfExcludeCIDRsFromNAT (10.0.0.0/24)" in f.message
    assert _added(doc) == {}


def test_an_exclusion_of_other_addresses_changes_nothing() -> None:
    plain = ebpf_doc(mode="DSR")
    doc = ebpf_doc(mode="DSR")
    doc["cluster"]["cni"]["calico"]["bpf_exclude_cidrs_from_nat"] = ["169.254.20.10/32"]
    assert [(f.status, f.nodes) for f in _all(doc)] == [(f.status, f.nodes) for f in _all(plain)]
