"""The check sets diagnose, the verdict, watch and the reports act on follow from what each
check module declares (ROLE, CRITICAL_PATH, and the lessons in CAUSE_KINDS), not from lists
kept by hand beside them. The lists they replaced are pinned here, so that a change to a set
is a deliberate one; the tests that take one entry out see the answer change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_cause_kinds import failing_cases, kinds
from test_checks import CASES

import kostack.analyze.diagnose as diagnose_module
from kostack.analyze import merge
from kostack.analyze.checks import CHECKS, with_role
from kostack.analyze.checks.base import LESSONS, Kind, Role
from kostack.analyze.diagnose import ADDRESS_CHECKS, SYMPTOM_CHECKS, diagnose
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.merge import CRITICAL_PATHS
from kostack.analyze.messages import CATALOG
from kostack.model.load import load_snapshot
from kostack.model.snapshot import Snapshot
from kostack.report import incident_solution, lb_text
from kostack.report import text as text_module
from kostack.report.incident import build_incident
from kostack.report.incident_model import SERVICE_SYMPTOMS
from kostack.report.incident_solution import ROUTES_LESSON_CAUSES, SG_LESSON_CAUSES
from kostack.report.text import render_diagnosis
from kostack.watch.assess import CRITICAL_CHECKS
from kostack_testkit.builders import build, example_doc
from kostack_testkit.dualstack import dual_stack_doc, ipv6_egress_broken
from kostack_testkit.lb_fixtures import service

# the hand-kept lists as they were (analyze/diagnose.py, analyze/merge.py, watch/assess.py,
# report/lb_text.py)
OLD_SYMPTOM_CHECKS = (
    "net-dns",
    "net-api-service",
    "net-pod-to-pod",
    "net-pod-egress",
    "lb-members-down",
    "lb-pending-service",
)
OLD_ADDRESS_CHECKS = frozenset(
    {
        *OLD_SYMPTOM_CHECKS,
        "net-pod-src-antispoof",
        "net-sg-pod-source-ingress",
        "neutron-allowed-pairs-scope",
        "net-calico-host-nat",
    }
)
OLD_CRITICAL_PATHS = {
    "dns": "net-dns",
    "api-service": "net-api-service",
    "pod-to-pod": "net-pod-to-pod",
    "egress": "net-pod-egress",
}
OLD_LB_BLOCKED = frozenset({"lb-nodeport-blocked", "lb-etp-local"})
OLD_LB_STATUS = frozenset(
    {"lb-stuck", "lb-error", "lb-quota", "lb-subnet", "lb-ovn-unsupported", "lb-occm", "lb-fip"}
)
OLD_LB_SYMPTOMS = ("lb-members-down", "lb-pending-service")
# report/incident_solution.py
OLD_SG_LESSON = frozenset({"sg-encap", "sg-node", "sg-pod-source", "sg-outside"})
OLD_ROUTES_LESSON = frozenset(
    {"router-no-route-back", "router-wrong-route", "native-cross-subnet", "no-router"}
)
NEW_SG_LESSON = ("sg-stateless", "calico-ebpf-tunnel", "antrea-memberlist")
# report/incident_model.py, and its copy in report/text.py
OLD_SERVICE_SYMPTOMS = ("net-dns", "net-api-service")


def test_the_derived_sets_are_the_lists_they_replace() -> None:
    assert SYMPTOM_CHECKS == OLD_SYMPTOM_CHECKS
    # one deliberate change: lb-pending-service's PASS reads the Service's status, no address
    # (test_a_service_with_its_address_is_ok_beside_overlapping_ranges)
    assert OLD_ADDRESS_CHECKS - {"lb-pending-service"} == ADDRESS_CHECKS
    assert list(CRITICAL_PATHS.items()) == list(OLD_CRITICAL_PATHS.items())  # the JSON's order
    assert tuple(OLD_CRITICAL_PATHS.values()) == CRITICAL_CHECKS
    assert lb_text.LB_BLOCKED == OLD_LB_BLOCKED
    assert lb_text.LB_STATUS == OLD_LB_STATUS
    assert lb_text._SYMPTOMS == OLD_LB_SYMPTOMS
    # deliberate changes: bgp-blocked, security groups dropping BGP between nodes, gets the
    # lesson that names BGP (test_blocked_bgp_gets_the_security_group_lesson); so do the other
    # groups that drop what the CNI sends between nodes, and un-NATed IPv6 egress the lesson of
    # routes on the router (test_a_cause_draws_its_lesson)
    assert OLD_SG_LESSON | {"bgp-blocked", *NEW_SG_LESSON} == SG_LESSON_CAUSES
    assert OLD_ROUTES_LESSON | {"ipv6-egress-no-nat"} == ROUTES_LESSON_CAUSES
    assert SERVICE_SYMPTOMS == OLD_SERVICE_SYMPTOMS


def test_a_critical_path_is_a_symptom_named_in_every_language() -> None:
    for check in CHECKS:
        if check.critical_path:
            assert Role.SYMPTOM in check.role, check.id
            assert all(CATALOG[f"path.{check.critical_path}"].get(lang) for lang in ("en", "ko"))
    assert len(CRITICAL_PATHS) == len([c for c in CHECKS if c.critical_path])  # none twice


def test_a_lesson_is_drawn_from_a_root_cause_and_one_at_most() -> None:
    for cause, kind in kinds().items():
        lessons = [k for k in LESSONS if k in kind]
        assert len(lessons) <= 1, cause
        assert not lessons or Kind.ROOT in kind, cause


def without(check: str, checks: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return frozenset(checks) - {check}


def test_a_symptom_left_out_would_lead_a_root_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {
        f.check_id: d.snapshot for d in failing_cases() for rc in d.root_causes for f in rc.symptoms
    }
    assert set(seen) >= set(SYMPTOM_CHECKS) - {"net-dns"}, sorted(seen)
    for check, snapshot in seen.items():
        led = {f.check_id for rc in diagnose(snapshot).root_causes for f in rc.findings}
        assert check not in led
        with monkeypatch.context() as m:
            m.setattr(diagnose_module, "SYMPTOM_CHECKS", without(check, SYMPTOM_CHECKS))
            led = {f.check_id for rc in diagnose(snapshot).root_causes for f in rc.findings}
            assert check in led, check


def in_doubt(snapshot: object) -> set[str]:
    d = diagnose(snapshot)  # type: ignore[arg-type]
    return {f.check_id for f in d.findings if f.status == Status.PASS and f.explained_by}


def test_a_check_reading_addresses_left_out_is_no_longer_in_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot = build(example_doc("pod-cidr-overlaps-nodes"))
    doubted = in_doubt(snapshot)
    assert doubted and doubted <= ADDRESS_CHECKS
    for check in doubted:
        with monkeypatch.context() as m:
            m.setattr(diagnose_module, "ADDRESS_CHECKS", without(check, ADDRESS_CHECKS))
            assert check not in in_doubt(snapshot), check


def test_a_service_with_its_address_is_ok_beside_overlapping_ranges() -> None:
    """A pod range holding node addresses puts what is read from addresses in doubt; that a
    Service of type LoadBalancer has its external address is read from its status, and stays
    ok (the old list doubted it with every symptom)."""
    doc = example_doc("pod-cidr-overlaps-nodes")
    doc["cluster"]["services"].append(service(ingress="203.0.113.10", lb_annotation=False))
    doc["openstack"]["load_balancers"] = []
    d = diagnose(build(doc))
    assert any(f.explained_by == "cidr-overlap" for f in d.findings)  # the overlap holds
    (found,) = [f for f in d.findings if f.check_id == "lb-pending-service"]
    assert found.status == Status.PASS and not found.explained_by
    text = " ".join(render_diagnosis(d).split())
    ok = text.split("Also checked, ok:")[1].split(". ")[0]
    assert "LoadBalancer addresses" in ok, ok


def test_with_role_keeps_the_order_the_checks_run_in() -> None:
    order = [c.id for c in CHECKS]
    for role in Role:
        found = with_role(role)
        assert list(found) == sorted(found, key=order.index) and found, role


def test_blocked_bgp_gets_the_security_group_lesson() -> None:
    """The lesson says the groups must admit what the CNI sends between nodes, BGP among it;
    the old list left bgp-blocked out, and its report had no lesson about the groups."""
    snapshot = build(example_doc("bgp-blocked"))
    d = diagnose(snapshot)
    assert [rc.key for rc in d.root_causes] == ["bgp-blocked"]
    titles = [lesson.title for lesson in build_incident(snapshot, d, (), "en").lessons]
    assert "Open the CNI's protocols between nodes first" in titles


def _conditional(check: str) -> Finding:
    return Finding(
        check,
        Status.CONDITIONAL,
        Severity.HIGH,
        Resource("loadbalancer", "lb-1"),
        check,
        cause="lb-nodeport-blocked",
        condition="only on ML2/OVN",
    )


def test_a_service_symptom_never_leads_a_conditional_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every symptom check (Role.SYMPTOM) joins the layer finding of a conditional group; the
    old set held the critical paths only, and a Service's members down, found first, led it
    with the security groups' finding listed under it."""
    assert frozenset(SYMPTOM_CHECKS) == merge.SYMPTOMS
    members, blocked = _conditional("lb-members-down"), _conditional("lb-nodeport-blocked")
    (folded,) = merge._fold([members, blocked])
    assert folded.check_id == "lb-nodeport-blocked"
    assert folded.consequences == (members,)
    monkeypatch.setattr(merge, "SYMPTOMS", frozenset(OLD_CRITICAL_PATHS.values()))
    (folded,) = merge._fold([members, blocked])
    assert folded.check_id == "lb-members-down"


def test_a_cluster_ip_symptom_left_out_loses_the_ping_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kubernetes service broken (Role.CLUSTER_IP) brings the note that a ping to a
    ClusterIP proves nothing, in the text and the incident report; without it, neither."""
    snapshot = build(example_doc("stateless-replies-dropped"))
    d = diagnose(snapshot)
    assert [rc.key for rc in d.root_causes] == ["sg-stateless"]
    assert {f.check_id for f in d.root_causes[0].symptoms} & set(SERVICE_SYMPTOMS) == {
        "net-api-service"
    }
    ping = "A ping to it gets no reply"
    lesson = "Never test a ClusterIP with ping"

    def said() -> tuple[bool, bool]:
        titles = [x.title for x in build_incident(snapshot, d, (), "en").lessons]
        return ping in " ".join(render_diagnosis(d).split()), lesson in titles

    assert said() == (True, True)
    monkeypatch.setattr(text_module, "SERVICE_SYMPTOMS", ("net-dns",))
    monkeypatch.setattr(incident_solution, "SERVICE_SYMPTOMS", ("net-dns",))
    assert said() == (False, False)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SG_TITLE = "Open the CNI's protocols between nodes first"
ROUTES_TITLE = "Give pod traffic a way back"


def _dual_stack_v6_egress_broken() -> Snapshot:
    doc = dual_stack_doc()
    ipv6_egress_broken(doc)
    return build(doc)


LESSON_CASES: dict[str, tuple[Callable[[], Snapshot], str]] = {
    # stateless groups: the replies of what the CNI sends between nodes need rules too
    "sg-stateless": (lambda: build(example_doc("stateless-replies-dropped")), SG_TITLE),
    # the VXLAN Calico's eBPF data plane sends between nodes
    "calico-ebpf-tunnel": (
        lambda: load_snapshot(EXAMPLES / "calico-ebpf-env-no-4789.json"),
        SG_TITLE,
    ),
    # Antrea's memberlist between its agents
    "antrea-memberlist": (lambda: build(CASES["net-sg-antrea-memberlist"][1]()), SG_TITLE),
    # pods' IPv6 leaves un-NATed: the router needs a route back per node's pod block
    "ipv6-egress-no-nat": (_dual_stack_v6_egress_broken, ROUTES_TITLE),
}


@pytest.mark.parametrize("cause", sorted(LESSON_CASES))
def test_a_cause_draws_its_lesson(cause: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, title = LESSON_CASES[cause]
    snapshot = make()
    d = diagnose(snapshot)
    assert cause in [rc.key for rc in d.root_causes]

    def titles() -> list[str]:
        return [lesson.title for lesson in build_incident(snapshot, d, (), "en").lessons]

    assert title in titles()
    name = "SG_LESSON_CAUSES" if title == SG_TITLE else "ROUTES_LESSON_CAUSES"
    monkeypatch.setattr(incident_solution, name, getattr(incident_solution, name) - {cause})
    assert title not in titles()
