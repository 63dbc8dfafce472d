"""Which controller owns a Service of type LoadBalancer (analyze/loadbalancer/owner.py):
MetalLB's --lb-class, OCCM's presence and the address the Service's status holds decide, not a
stray annotation. Before ownership was decided this way a Service with OCCM's annotation and
MetalLB's address was judged as Octavia's, and a Service no controller takes was not said."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import metallb_doc

OCCM_ID = "loadbalancer.openstack.org/load-balancer-id"


def doc_with(lb_class: str | None, occm: dict[str, Any] | None, **web: Any) -> Doc:
    """metallb_doc with MetalLB's controller (``lb_class``; None: its value unseen) and OCCM
    as read (None: not looked for); ``web`` overrides the shop/web Service."""
    doc = metallb_doc()
    doc["cluster"]["virtual_ips"]["metallb"]["controller"] = {"lb_class": lb_class}
    if occm is not None:
        doc["cluster"]["virtual_ips"]["occm"] = occm
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc.update(web)
    return doc


def owner(doc: Doc) -> str:
    snapshot = build(doc)
    index = lb_analysis(Topology(snapshot)).index
    svc = next(s for s in snapshot.cluster.services or () if s.name == "web")  # type: ignore[union-attr]
    return index.owner(svc)


def pending(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "lb-pending-service"]


RUNS = {"found": True, "namespace": "kube-system", "pod": "occm-1", "service_controller": True}
ABSENT = {"found": False}


def test_occm_annotation_on_metallbs_address_is_metallbs() -> None:
    annotated = {"annotations": {OCCM_ID: "8b9d3d0e-0000-4000-8000-000000000001"}}
    for lb_class, occm in (("", RUNS), ("", None), (None, None), ("", ABSENT)):
        assert owner(doc_with(lb_class, occm, **annotated)) == "metallb"
    # no address of MetalLB's: OCCM has acted on it
    assert owner(doc_with("", RUNS, load_balancer_ingress=[], **annotated)) == "occm"


def test_lb_class_elsewhere_and_no_occm_stays_pending_and_is_said() -> None:
    doc = doc_with("metallb.io/metallb", ABSENT, load_balancer_ingress=[])
    assert owner(doc) == "none"
    found = pending(doc)
    assert [f.status for f in found] == [Status.FAIL]
    assert found[0].cause == "lb-no-controller"
    text = localize(found[0].message, "en")
    assert "metallb.io/metallb" in text and "no openstack-cloud-controller-manager pod" in text
    assert "lb-class=metallb.io/metallb" in " ".join(found[0].evidence)
    assert "{" not in localize(found[0].message, "ko")
    # OCCM's pod without its service controller: the same
    off = dict(RUNS, service_controller=False)
    doc = doc_with("metallb.io/metallb", off, load_balancer_ingress=[])
    assert [f.cause for f in pending(doc)] == ["lb-no-controller"]
    assert "kube-system/occm-1" in localize(pending(doc)[0].message, "en")


def test_lb_class_elsewhere_with_occm_running_is_octavias() -> None:
    doc = doc_with("metallb.io/metallb", RUNS, load_balancer_ingress=[])
    assert owner(doc) == "occm"
    found = pending(doc)
    # judged from what OCCM sees, not said to have no controller
    assert found and all(f.status != Status.NOT_APPLICABLE for f in found)
    assert not any("metallb controller" in e for f in found for e in f.evidence)
    # MetalLB's class given to the Service: MetalLB's business, not judged
    doc = doc_with("metallb.io/metallb", RUNS, load_balancer_class="metallb.io/metallb")
    assert owner(doc) == "other"


def test_metallbs_class_unread_and_occm_possible_is_unknown_not_a_verdict() -> None:
    for occm in (RUNS, None):
        doc = doc_with(None, occm, load_balancer_ingress=[])
        assert owner(doc) == "unknown"
        found = pending(doc)
        assert [f.status for f in found] == [Status.UNKNOWN]
        assert "--lb-class" in localize(found[0].message, "en")
    # OCCM known absent: MetalLB is the only one that may take it
    assert owner(doc_with(None, ABSENT, load_balancer_ingress=[])) == "metallb"


def test_metallb_without_lb_class_and_no_occm_owns_a_pending_service() -> None:
    doc = doc_with("", ABSENT, load_balancer_ingress=[])
    assert owner(doc) == "metallb"
    assert all(f.status == Status.NOT_APPLICABLE for f in pending(doc))


def test_one_finding_per_unowned_service() -> None:
    doc = doc_with("metallb.io/metallb", ABSENT, load_balancer_ingress=[])
    web = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    doc["cluster"]["services"] += [dict(web, name=f"web-{i}") for i in range(50)]
    found = pending(doc)
    assert len(found) == 51 and all(f.cause == "lb-no-controller" for f in found)


def test_two_controllers_is_no_warning_when_metallb_takes_only_its_class() -> None:
    annotated = {"annotations": {OCCM_ID: "8b9d3d0e-0000-4000-8000-000000000001"}}
    found = [
        f
        for f in diagnose(build(doc_with("metallb.io/metallb", RUNS, **annotated))).findings
        if f.check_id == "inv-lb-two-controllers"
    ]
    assert [f.status for f in found] == [Status.PASS]
    assert "--lb-class=metallb.io/metallb" in localize(found[0].message, "en")
    # without --lb-class the same Service is taken by both: the warning stands
    found = [
        f
        for f in diagnose(build(doc_with("", RUNS, **annotated))).findings
        if f.check_id == "inv-lb-two-controllers"
    ]
    assert [f.status for f in found] == [Status.FAIL]


def test_octavia_checks_do_not_say_there_is_no_load_balancer_service() -> None:
    doc = doc_with("metallb.io/metallb", ABSENT, load_balancer_ingress=[])
    found = [f for f in diagnose(build(doc)).findings if f.check_id == "lb-provisioning"]
    assert [f.status for f in found] == [Status.NOT_APPLICABLE]
    text = localize(found[0].message, "en")
    assert "no Service of type LoadBalancer" not in text and "Octavia's (1 in all)" in text
