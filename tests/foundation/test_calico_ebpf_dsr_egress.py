"""net-calico-ebpf-dsr on the answers' security groups (docs/facts.md "Calico's eBPF data
plane", DSR and security groups): the backend's node answers a NodePort's client itself, a
flow its port's connection tracking never saw the request of, so only an egress rule to every
address admits it (FAIL, cause calico-ebpf-dsr-egress, without one); a TCP answer's SYN-ACK is
conntrack-invalid, which the firewall driver decides (UNKNOWN), unless the port is not filtered
or its stateless groups are ML2/OVN's."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose, run_checks
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import build
from kostack_testkit.calico_ebpf import ebpf_doc

Doc = dict[str, Any]
ID = "net-calico-ebpf-dsr"


def _egress(doc: Doc) -> list[Finding]:
    findings, _ = run_checks(build(doc))
    return [
        f
        for f in findings
        if f.check_id == ID and getattr(f.message, "key", "").startswith("ebpf-dsr-sg.")
    ]


def _paired() -> Doc:
    """DSR, every backend port already holding the other nodes' addresses."""
    doc = ebpf_doc(mode="DSR")
    for port in doc["openstack"]["ports"]:
        port.setdefault("allowed_address_pairs", []).append({"ip_address": "10.0.0.8/29"})
    return doc


def _egress_rules(doc: Doc, keep: list[dict[str, Any]]) -> Doc:
    for sg in doc["openstack"]["security_groups"]:
        rules = [r for r in sg["rules"] if r["direction"] != "egress"]
        sg["rules"] = rules + [{**r, "id": f"{sg['id']}-e{i}"} for i, r in enumerate(keep)]
    return doc


def test_stateful_groups_leave_the_tcp_answers_to_the_firewall_driver() -> None:
    (f,) = _egress(_paired())
    assert f.status == Status.UNKNOWN and f.nodes == ("k8s-w-1", "k8s-w-2")
    assert "SYN-ACK" in f.message and "firewall_driver" in f.message
    assert "openvswitch" in f.message and "iptables_hybrid" in f.message
    assert "bpfExternalServiceMode" in f.message
    assert "invalid로 표시합니다" in localize(f.message, "ko")


def test_no_egress_rule_to_every_address_is_the_root_cause() -> None:
    doc = _egress_rules(_paired(), [])
    (f,) = _egress(doc)
    assert f.status == Status.FAIL and f.cause == "calico-ebpf-dsr-egress"
    assert f.nodes == ("k8s-w-1", "k8s-w-2")
    assert "admits TCP to every address" in f.message
    ko = localize(f.message, "ko")
    assert "TCP를 모든 주소로 허용하는 egress 규칙이" in ko
    assert "calico-ebpf-dsr-egress" in [rc.key for rc in diagnose(build(doc)).root_causes]


def test_an_egress_rule_to_some_addresses_only_is_unknown() -> None:
    rule = {"direction": "egress", "ethertype": "IPv4", "protocol": "tcp"}
    doc = _egress_rules(_paired(), [{**rule, "remote_ip_prefix": "10.0.0.0/8"}])
    (f,) = _egress(doc)
    assert f.status == Status.UNKNOWN and "some addresses or ports only" in f.message
    doc = _egress_rules(_paired(), [{**rule, "port_range_min": 443, "port_range_max": 443}])
    (f,) = _egress(doc)
    assert f.status == Status.UNKNOWN and f.cause == ""


def test_a_rule_for_another_family_or_protocol_admits_nothing() -> None:
    rules = [
        {"direction": "egress", "ethertype": "IPv6", "protocol": None},
        {"direction": "egress", "ethertype": "IPv4", "protocol": "udp"},
    ]
    (f,) = _egress(_egress_rules(_paired(), rules))
    assert f.status == Status.FAIL


def test_ports_without_port_security_are_not_filtered() -> None:
    doc = _egress_rules(_paired(), [])
    for port in doc["openstack"]["ports"]:
        if port["name"] in ("k8s-w-1-port", "k8s-w-2-port"):
            port["port_security_enabled"] = False
    assert _egress(doc) == []


def test_stateless_groups_under_ovn_let_the_rules_decide() -> None:
    doc = _paired()
    doc["openstack"]["backend"] = "ml2/ovn"
    for sg in doc["openstack"]["security_groups"]:
        sg["stateful"] = False
    assert _egress(doc) == []
    doc["openstack"]["backend"] = "ml2/ovs"  # the openvswitch driver ignores stateless groups
    (f,) = _egress(doc)
    assert f.status == Status.UNKNOWN


def test_udp_answers_start_a_connection_the_rules_decide() -> None:
    doc = _paired()
    for svc in doc["cluster"]["services"]:
        if svc["name"] == "web":  # the NodePort Service
            for port in svc["ports"]:
                port["protocol"] = "UDP"
    assert _egress(doc) == []
    (f,) = _egress(
        _egress_rules(doc, [{"direction": "egress", "ethertype": "IPv4", "protocol": "tcp"}])
    )
    assert f.status == Status.FAIL and "admits UDP to every address" in f.message


def test_shared_groups_are_judged_once_for_thousands_of_nodes() -> None:
    from kostack.analyze.checks import _ebpf_dsr_sg

    calls = 0
    judge = _ebpf_dsr_sg._judge

    def counted(*args: Any) -> dict[str, str]:
        nonlocal calls
        calls += 1
        return judge(*args)

    _ebpf_dsr_sg._judge = counted  # type: ignore[assignment]
    try:
        _egress(_paired())
    finally:
        _ebpf_dsr_sg._judge = judge  # type: ignore[assignment]
    assert calls == 1  # two backend nodes, one set of groups


def _ingress(doc: Doc) -> list[Finding]:
    findings, _ = run_checks(build(doc))
    return [
        f
        for f in findings
        if f.check_id == ID and getattr(f.message, "key", "") == "ebpf-dsr-in.driver"
    ]


def test_the_ingress_nodes_see_the_clients_acks_without_the_syn_ack() -> None:
    """The client's SYN came in by any node; its next ACKs find that port's conntrack still
    in SYN_SENT (ORIGINAL ack sSS -> sIV): the firewall driver decides there too, for every
    node a client may come in by, the backends' included (for the others' backends)."""
    (f,) = _ingress(_paired())
    assert f.status == Status.UNKNOWN
    assert f.nodes == ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")
    en, ko = localize(f.message, "en"), localize(f.message, "ko")
    assert "as the node a NodePort client comes in by" in en and "firewall_driver" in en
    assert "SYN-ACK를 본 적 없는 ACK로 도착" in ko


def test_udp_only_or_unfiltered_ingress_ports_leave_nothing_to_the_driver() -> None:
    doc = _paired()
    for svc in doc["cluster"]["services"]:
        for p in svc["ports"]:
            if p.get("node_port"):
                p["protocol"] = "UDP"
    assert _ingress(doc) == []
    doc = _paired()
    for port in doc["openstack"]["ports"]:
        port["port_security_enabled"] = False
    assert _ingress(doc) == []


def test_ingress_nodes_excluded_from_nat_are_not_named() -> None:
    doc = _paired()
    doc["cluster"]["cni"]["calico"]["bpf_exclude_cidrs_from_nat"] = ["10.0.0.11/32"]
    (f,) = _ingress(doc)
    assert f.nodes == ("k8s-w-1", "k8s-w-2", "k8s-w-3")
