"""neutron-vip-pairs and the plan leave out the nodes MetalLB announces nothing from (the
exclude-from-external-load-balancers label its speaker honours, NetworkUnavailable) and the
objects outside the speaker's namespace (metallb/metallb speaker/layer2_controller.go
``speakersForAds``, speaker/bgp_controller.go ``ShouldAnnounce``,
internal/k8s/controllers/config_controller.go ``client.InNamespace``).

Before this, every selected node was advised a pair and every namespace's pools judged: the
tests asserting the control plane is left out, and the foreign pool ignored, fail there.
"""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import (
    EXCLUDE,
    FIXED,
    POOL,
    SPEAKER,
    metallb_doc,
    metallb_example_doc,
)

ID = "neutron-vip-pairs"
WORKERS = {"k8s-w-1", "k8s-w-2", "k8s-w-3"}


def findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def failed(doc: Doc) -> Finding:
    found = [f for f in findings(doc) if f.status == Status.FAIL]
    assert len(found) == 1, [(str(f.status), str(f.message)) for f in findings(doc)]
    return found[0]


def port_of(doc: Doc, node: str) -> str:
    return str(next(x["port_id"] for x in doc["node_ports"] if x["node"] == node))


def test_a_kubeadm_control_plane_gets_no_pair_and_the_finding_says_why() -> None:
    doc = metallb_example_doc("metallb-kubeadm-excluded")
    f = failed(doc)
    assert set(f.nodes) == WORKERS
    assert {r.target_id for r in f.remedies} == {port_of(doc, n) for n in WORKERS}
    note = next(e for e in f.evidence if "announces nothing" in e)
    assert "node k8s-cp-1" in note and EXCLUDE in note and "--ignore-exclude-lb" in note
    assert "레이블이 있고" in localize(note, "ko")
    plan = build_plan(build(doc))
    paired = {a.target.id for a in plan.actions if a.pairs}
    assert paired == {port_of(doc, n) for n in WORKERS}


def test_the_workers_pairs_alone_pass() -> None:
    doc = metallb_example_doc("metallb-kubeadm-excluded")
    FIXED["metallb-kubeadm-excluded"](doc)
    assert [f.status for f in findings(doc)] == [Status.PASS]
    assert not [a for a in build_plan(build(doc)).actions if a.pairs]


def test_a_speaker_that_ignores_the_label_or_is_unread_announces_from_the_control_plane() -> None:
    for speaker in (
        {**SPEAKER, "ignore_exclude_lb": True},
        {**SPEAKER, "ignore_exclude_lb": None},
        None,
    ):
        doc = metallb_doc(speaker=speaker)
        next(n for n in doc["cluster"]["nodes"] if n["name"] == "k8s-cp-1")["labels"][EXCLUDE] = ""
        f = failed(doc)
        assert "k8s-cp-1" in f.nodes, speaker
        assert not [e for e in f.evidence if "announces nothing" in e]


def test_a_node_whose_network_is_unavailable_announces_nothing() -> None:
    doc = metallb_doc()  # the speaker unread: the condition alone decides
    next(n for n in doc["cluster"]["nodes"] if n["name"] == "k8s-w-3")["network_unavailable"] = True
    f = failed(doc)
    assert set(f.nodes) == {"k8s-cp-1", "k8s-w-1", "k8s-w-2"}
    assert any("NetworkUnavailable" in e and "k8s-w-3" in e for e in f.evidence)


def test_objects_outside_the_speakers_namespace_drive_no_advice_and_are_named() -> None:
    foreign = {"name": "stray", "namespace": "default", "cidrs": ["10.0.0.232/29"]}
    mine = {"name": "web", "namespace": "metallb-system", "cidrs": [POOL], "addresses": [POOL]}
    doc = metallb_doc(speaker=dict(SPEAKER), pools=[mine, foreign])
    f = failed(doc)
    assert {r.param("ip_address") for r in f.remedies} == {POOL}
    note = next(e for e in f.evidence if "ignored" in e)
    assert "IPAddressPool default/stray" in note and "metallb-system" in note
    assert "무시합니다" in localize(note, "ko")
    # only a foreign advertisement: MetalLB announces the pool from nowhere
    ads = [{"name": "l2", "kind": "l2", "namespace": "default"}]
    doc = metallb_doc(speaker=dict(SPEAKER), ads=ads)
    only = findings(doc)
    assert [f.status for f in only] == [Status.NOT_APPLICABLE]
    assert any("L2Advertisement default/l2" in e for e in only[0].evidence)
    # the speaker's namespace not known: every object counts
    doc = metallb_doc(speaker={**SPEAKER, "namespace": None}, ads=ads)
    assert failed(doc).remedies


def test_a_service_whose_address_is_only_in_another_namespaces_pool_is_judged_as_occms() -> None:
    """MetalLB allocates only from its namespace's pools and clears an address none of them
    allows (controller/service.go "current IP not allowed by config"): the Service's address
    did not come from MetalLB, so the lb-* checks judge it as OCCM's, the other controller."""

    def lb_statuses(namespace: str) -> set[Status]:
        pool = {"name": "web", "namespace": namespace, "cidrs": [POOL], "addresses": [POOL]}
        doc = metallb_doc(speaker=dict(SPEAKER), pools=[pool])
        d = diagnose(build(doc))
        return {f.status for f in d.findings if f.check_id.startswith("lb-")}

    assert lb_statuses("metallb-system") == {Status.NOT_APPLICABLE}
    foreign = lb_statuses("default")
    assert foreign and foreign != {Status.NOT_APPLICABLE}
