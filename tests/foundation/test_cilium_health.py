"""Cilium's health probes (TCP 4240 and ICMP between nodes): a drop is a warning, never an outage.

docs/facts.md section 3: every cilium-agent probes every other node; pods' traffic does not
use the probes, so `cilium-health status` calling nodes unreachable is a false alarm.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.plan.build import build_plan
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import SG_NODES, build, example_doc, hetero_doc, rule

Doc = dict[str, Any]
ID = "net-sg-cilium-health"


def _cilium(*, tunnel_open: bool = True, health: bool = False, icmp: str = "any") -> Doc:
    """The bundled Cilium Geneve example, its tunnel port opened (a working cluster)."""
    doc = example_doc("cilium-geneve-no-6081")
    doc["cluster"]["cni"]["cilium"]["wireguard"] = False  # the example leaves it open
    sg = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    rules = [r for r in sg["rules"] if r["protocol"] != "icmp"]
    if icmp == "any":
        rules.append(rule(SG_NODES, "ingress", "icmp", None, group=SG_NODES))
    elif icmp == "echo-reply-only":
        rules.append(rule(SG_NODES, "ingress", "icmp", (0, 0), group=SG_NODES))
    if tunnel_open:
        rules.append(rule(SG_NODES, "ingress", "udp", 6081, group=SG_NODES))
    if health:
        rules.append(rule(SG_NODES, "ingress", "tcp", 4240, group=SG_NODES))
    sg["rules"] = rules
    return doc


def _mine(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]  # type: ignore[arg-type]


def test_a_working_cluster_with_the_probes_dropped_is_healthy_with_a_warning() -> None:
    snapshot = build(_cilium())  # type: ignore[arg-type]
    d = diagnose(snapshot)
    assert d.verdict.kind == "healthy" and d.root_causes == ()
    (warning,) = d.warnings
    assert (warning.check_id, warning.cause, str(warning.severity)) == (ID, "cilium-health", "low")
    assert "tcp 4240" in warning.message and "not an outage" in warning.message
    text = render_diagnosis(d, "en")
    assert "VERDICT: healthy" in text
    assert "--protocol tcp --dst-port 4240 --remote-group" in text
    ko = render_diagnosis(d, "ko")
    assert "장애가 아닙니다" in ko and "이 경고를 없애려면" in ko
    # the plan changes nothing for it, and says it left it
    plan = build_plan(snapshot)
    assert plan.actions == ()
    assert any("Cilium health probes" in str(w) for w in plan.warnings)


def test_the_rule_clears_it_and_each_probe_is_judged() -> None:
    assert {f.status for f in _mine(_cilium(health=True))} == {Status.PASS}
    # ICMP: a rule for echo replies (type 0) does not admit the echo requests the probe sends
    failing = [f for f in _mine(_cilium(health=True, icmp="echo-reply-only")) if f.status == "fail"]
    assert len(failing) == 1 and "(icmp)" in failing[0].message
    assert [f.status for f in _mine(_cilium(health=True, icmp="none"))].count(Status.FAIL) == 1


def test_it_rides_along_a_real_root_cause_without_joining_it() -> None:
    d = diagnose(build(_cilium(tunnel_open=False)))  # type: ignore[arg-type]
    assert [rc.key for rc in d.root_causes] == ["sg-encap"]
    assert all(f.check_id != ID for rc in d.root_causes for f in rc.findings)
    assert [w.check_id for w in d.warnings] == [ID]


def test_the_configured_port_and_the_switch_are_read() -> None:
    doc = _cilium(health=True)
    doc["cluster"]["cni"]["cilium"]["health_port"] = 9940
    (fail,) = [f for f in _mine(doc) if f.status == Status.FAIL]
    assert "tcp 9940" in fail.message
    doc["cluster"]["cni"]["cilium"]["health_checking"] = False
    assert {f.status for f in _mine(doc)} == {Status.NOT_APPLICABLE}
    doc["cluster"]["cni"]["cilium"]["health_checking"] = None
    assert {f.status for f in _mine(doc)} == {Status.UNKNOWN}
    assert {f.status for f in _mine(example_doc("seed-incident"))} == {Status.NOT_APPLICABLE}


def test_findings_do_not_grow_with_nodes() -> None:
    """Per-node groups, each written its own way (hetero_doc), none admitting 4240: the
    findings are per class of groups, not per node or node pair."""
    counts = []
    for n in (40, 400):
        doc = hetero_doc(n)
        doc["cluster"]["cni"] = example_doc("cilium-geneve-no-6081")["cluster"]["cni"]
        failing = [f for f in _mine(doc) if f.status == Status.FAIL]
        assert failing and "tcp 4240" in failing[0].message
        assert sum(dict(f.counts)["node_pairs"] for f in failing) == n * (n - 1)
        counts.append(len(failing))
    assert counts[0] == counts[1]


def test_another_cni_is_not_applicable_even_with_openstack_missing() -> None:
    doc = example_doc("seed-incident")
    doc["openstack"] = None
    doc["node_ports"] = None
    assert {f.status for f in _mine(doc)} == {Status.NOT_APPLICABLE}
    cilium = _cilium()
    cilium["openstack"] = None
    cilium["node_ports"] = None
    assert {f.status for f in _mine(cilium)} == {Status.UNKNOWN}


def _dual_stack_cilium(*, v6_rules: bool) -> Doc:
    """The dual-stack seed on Cilium Geneve with IPv6 on; the tunnel and the probes admitted
    over IPv4 (and over IPv6 when ``v6_rules``)."""
    from kostack_testkit.builders import example_cilium_geneve_no_6081, seed_doc
    from kostack_testkit.dualstack import make_dual_stack

    doc = seed_doc()
    make_dual_stack(doc)
    example_cilium_geneve_no_6081(doc)
    doc["cluster"]["cni"]["cilium"].update(wireguard=False, enable_ipv6=True)
    sg = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    sg["rules"] = [r for r in sg["rules"] if r["protocol"] != "icmp"] + [
        rule(SG_NODES, "ingress", "icmp", None, group=SG_NODES),
        rule(SG_NODES, "ingress", "udp", 6081, group=SG_NODES),
        rule(SG_NODES, "ingress", "tcp", 4240, group=SG_NODES),
    ]
    if v6_rules:
        sg["rules"] += [
            rule(SG_NODES, "ingress", p, port, group=SG_NODES, ethertype="IPv6")
            for p, port in (("icmp", None), ("tcp", 4240))
        ]
    return doc


def test_the_probes_over_ipv6_are_judged_when_cilium_runs_ipv6() -> None:
    """cilium-health probes each node's addresses of both families: rules for IPv4 only
    was a PASS though the IPv6 probes are dropped."""
    failing = [f for f in _mine(_dual_stack_cilium(v6_rules=False)) if f.status == Status.FAIL]
    assert sorted(f.message.split("(")[1].split(")")[0] for f in failing) == ["icmp", "tcp 4240"]
    assert all("over IPv6" in f.message for f in failing)
    d = diagnose(build(_dual_stack_cilium(v6_rules=False)))  # type: ignore[arg-type]
    assert d.root_causes == () and {w.check_id for w in d.warnings} == {ID}
    text = render_diagnosis(d, "en")
    assert "--ethertype IPv6 --protocol tcp --dst-port 4240" in text
    assert "IPv6 Cilium 헬스 체크" in render_diagnosis(d, "ko")
    assert {f.status for f in _mine(_dual_stack_cilium(v6_rules=True))} == {Status.PASS}
