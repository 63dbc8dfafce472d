"""A node subnet attached to a router this account cannot list (another project's) is an
undecided router hop naming that router and how to look at it, never "no router" with
`openstack router add subnet` as the fix (docs/facts.md "Routers of another project")."""

from __future__ import annotations

from pathlib import Path

from test_trace_floating_ip import trace

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import (
    POD_CIDR,
    ROUTER_ID,
    SUBNET_ID,
    Doc,
    add_pairs,
    build,
    example_doc,
    seed_doc,
)

EGRESS = "net-pod-egress"
FOREIGN = "0c2b9e4d-8f1a-4b7e-9d3c-5a6f7e8d9c0b"  # starts with a digit: the josa is read aloud


def _doc(*, unlisted: bool) -> Doc:
    """The seed with pod pairs (pod egress reaches the router), its router not listed."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    doc["openstack"]["routers"] = []
    if unlisted:
        doc["openstack"]["unlisted_routers"] = {SUBNET_ID: [FOREIGN]}
    return doc


def _egress(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == EGRESS]


def test_a_subnet_on_an_unlisted_router_is_undecided_naming_the_router() -> None:
    (f,) = _egress(_doc(unlisted=True))
    assert f.status == Status.UNKNOWN and f.cause == "gap" and len(f.nodes) == 4
    en = localize(f.message, "en")
    assert f"is attached to router {FOREIGN}, which this account cannot read" in en, en
    assert f"check as its owner or an admin: `openstack router show {FOREIGN}`" in en
    assert "no router with an external gateway" not in en
    ko = localize(f.message, "ko")
    assert f"서브넷 10.0.0.0/24는 이 계정이 읽을 수 없는 라우터 {FOREIGN}에 연결되어" in ko, ko
    assert f"openstack router show {FOREIGN}`를 실행해 확인하세요" in ko, ko
    assert any(FOREIGN in e and SUBNET_ID in e for e in f.evidence), f.evidence


def test_no_router_at_all_stays_a_failure() -> None:
    (f,) = _egress(_doc(unlisted=False))
    assert f.status == Status.FAIL and f.cause == "no-router"
    assert "no router with an external gateway serves subnet 10.0.0.0/24" in localize(
        f.message, "en"
    )


def test_a_listed_router_is_still_decided_first() -> None:
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    doc["openstack"]["unlisted_routers"] = {SUBNET_ID: [FOREIGN]}
    assert doc["openstack"]["routers"][0]["id"] == ROUTER_ID
    assert {f.status for f in _egress(doc)} == {Status.PASS}


def test_trace_to_the_outside_is_undecided_at_the_unlisted_router(tmp_path: Path) -> None:
    rc, text = trace(tmp_path, _doc(unlisted=True), "pod:demo/netshoot", "ip:8.8.8.8:443/tcp")
    assert rc == 4, text
    assert f"openstack router show {FOREIGN}" in text and "no router" not in text
    rc, text = trace(tmp_path, _doc(unlisted=False), "pod:demo/netshoot", "ip:8.8.8.8:443/tcp")
    assert "no router with an external gateway serves subnet 10.0.0.0/24" in text, text


def test_two_subnets_each_get_their_own_verdict() -> None:
    """Nodes are traced one per class of alike nodes: a subnet on an unlisted router is not
    alike a subnet on no router, and pod traffic across the two is undecided, not "no router"."""
    doc = example_doc("two-subnets-crosssubnet")
    doc["openstack"]["routers"] = []
    (second,) = [s["id"] for s in doc["openstack"]["subnets"] if s["cidr"] == "10.0.1.0/24"]
    doc["openstack"]["unlisted_routers"] = {second: [FOREIGN]}
    findings = diagnose(build(doc)).findings
    egress = {f.nodes: (f.status, f.cause) for f in findings if f.check_id == EGRESS}
    assert egress == {
        ("k8s-cp-1", "k8s-w-1"): (Status.FAIL, "no-router"),  # 10.0.0.0/24: no router at all
        ("k8s-w-2", "k8s-w-3"): (Status.UNKNOWN, "gap"),
    }
    pod_to_pod = {f.cause: f for f in findings if f.check_id == "net-pod-to-pod"}
    assert set(pod_to_pod) == {"antispoof", "gap"}  # same-subnet pairs: no pod pairs
    assert pod_to_pod["gap"].status == Status.UNKNOWN
    assert f"subnet 10.0.1.0/24 is attached to router {FOREIGN}" in localize(
        pod_to_pod["gap"].message, "en"
    )


def test_routers_of_other_projects_not_readable_is_undecided_too() -> None:
    """The collector could not look for them (a gap): a subnet without a listed router is
    undecided, not "no router"."""
    doc = _doc(unlisted=False)
    doc["openstack"]["unlisted_routers"] = None
    (f,) = _egress(doc)
    assert f.status == Status.UNKNOWN and f.cause == "gap"
    en = localize(f.message, "en")
    assert "whether a router of another project serves it could not be read" in en, en
    assert "다른 프로젝트의 라우터가 연결되어 있는지는 읽지 못했습니다" in localize(f.message, "ko")


def test_a_snapshot_from_before_the_field_loads_with_none_found() -> None:
    doc = _doc(unlisted=False)
    assert "unlisted_routers" not in doc["openstack"]
    assert build(doc).openstack is not None and build(doc).openstack.unlisted_routers == {}
