"""Guard against the real Neutron and the Kubernetes API double: joins, leaves, concurrent edits.

Passes are driven explicitly (`run_pass`), so "fixed within one interval"
means fixed by the next pass, whatever the interval.
"""

from __future__ import annotations

import re

import pytest
from guard_testing import FIXED, POD_CIDR, SERVICE_CIDR, GuardWorld, journal_records

from kostack.guard.ownership import MARKER_TAG, pair_tag

pytestmark = pytest.mark.neutron

OWNED_TAGS = sorted([MARKER_TAG, pair_tag(POD_CIDR), pair_tag(SERVICE_CIDR)])


def test_a_joining_node_is_fixed_by_the_next_pass_in_enforce_mode(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()  # the seed's ports were fixed once by hand (kostack fix apply)
    loop = w.loop("enforce")
    steady = loop.run_pass()
    assert steady.result == "clean" and not steady.done
    w.join("k8s-w-4")
    assert w.pairs("k8s-w-4") == []
    report = loop.run_pass()
    assert report.result == "fixed", report.as_dict()
    assert w.pairs("k8s-w-4") == sorted(FIXED)
    assert w.tags("k8s-w-4") == OWNED_TAGS  # what guard added is marked as guard's
    # a person's pairs on the other ports stay a person's: never tagged, never rewritten
    for node in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"):
        assert w.pairs(node) == sorted(FIXED) and w.tags(node) == []
    (done,) = report.done
    assert (done.action, done.outcome, done.node) == ("add-pairs", "applied", "k8s-w-4")
    intents = [r for r in journal_records(loop) if r["type"] == "intent"]
    results = [r for r in journal_records(loop) if r["type"] == "result"]
    assert [i["port"] for i in intents] == [w.port_ids["k8s-w-4"]]
    assert intents[0]["before"] == [] and sorted(intents[0]["add"]) == sorted(FIXED)
    assert results[0]["outcome"] == "applied" and results[0]["id"] == intents[0]["id"]
    again = loop.run_pass()
    assert again.result == "clean" and not again.done  # converged: nothing more to write


def test_audit_mode_only_reports_the_joining_node(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    loop = w.loop("audit")
    w.join("k8s-w-4")
    revision = w.port("k8s-w-4").revision_number
    report = loop.run_pass()
    assert report.result == "drift" and int(report.exit_code()) == 1
    assert report.drift is not None
    (port,) = report.drift.ports
    assert port.node == "k8s-w-4" and sorted(port.add) == sorted(FIXED)
    assert port.service == (SERVICE_CIDR,)
    assert report.done == ()
    assert w.pairs("k8s-w-4") == [] and w.port("k8s-w-4").revision_number == revision


def test_a_node_that_leaves_loses_guards_pairs_only(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    loop = w.loop("enforce")
    w.join("k8s-w-4")
    assert loop.run_pass().result == "fixed"
    # a person adds a pair of their own to the same port (a keepalived VIP)
    w.set_pairs("k8s-w-4", [*w.pairs("k8s-w-4"), "10.0.0.250"])
    w.leave("k8s-w-4")  # the Node object goes; the VM (and its port) is reused
    report = loop.run_pass()
    assert report.result == "fixed", report.as_dict()
    (done,) = report.done
    assert done.action == "remove-pairs" and done.node == ""
    assert sorted(done.removed) == sorted(FIXED)
    assert w.pairs("k8s-w-4") == ["10.0.0.250"]  # the person's pair, spelled as they wrote it
    assert w.tags("k8s-w-4") == []
    for node in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"):
        assert w.pairs(node) == sorted(FIXED)
    assert loop.run_pass().result == "clean"


def test_a_port_whose_node_left_and_that_is_gone_needs_nothing(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    loop = w.loop("enforce")
    w.join("k8s-w-4")
    assert loop.run_pass().result == "fixed"
    w.leave("k8s-w-4")
    w.conn.network.delete_port(w.port_ids["k8s-w-4"])
    report = loop.run_pass()
    assert report.result == "clean" and report.done == ()


def test_a_concurrent_edit_between_read_and_write_is_recomputed(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    edits: list[str] = []

    def person_edits_first(kind: str, target: str) -> None:
        # between guard's read and its write, a person adds their own pair to the same port
        if not edits:
            edits.append(target)
            port = w.conn.network.get_port(target)
            pairs = [{"ip_address": "192.168.50.0/24"}, *(port.allowed_address_pairs or ())]
            w.conn.network.update_port(target, allowed_address_pairs=pairs)

    loop = w.loop("enforce", before_write=person_edits_first)
    w.join("k8s-w-4")
    report = loop.run_pass()
    assert edits == [w.port_ids["k8s-w-4"]]
    outcomes = [(d.action, d.outcome) for d in report.done]
    assert outcomes == [("add-pairs", "stale"), ("add-pairs", "applied")]
    assert "412" in report.done[0].error and report.rereads == 1
    assert report.result == "fixed"
    # the final state is right: the person's pair kept, guard's added and tagged
    assert w.pairs("k8s-w-4") == sorted([*FIXED, "192.168.50.0/24"])
    assert w.tags("k8s-w-4") == OWNED_TAGS
    stale = [r for r in journal_records(loop) if r.get("outcome") == "stale"]
    assert len(stale) == 1


def test_a_person_adding_the_same_pair_first_makes_it_theirs(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    loop = w.loop("audit")
    w.join("k8s-w-4")
    w.set_pairs("k8s-w-4", FIXED)  # the person beat guard to it
    assert loop.run_pass().result == "clean"
    w.leave("k8s-w-4")
    report = w.loop("enforce").run_pass()
    assert report.result == "clean"  # not guard's: kept although no node uses the port
    assert w.pairs("k8s-w-4") == sorted(FIXED)


def test_a_port_changed_after_the_listing_is_read_again_before_any_write(
    guard_world: GuardWorld,
) -> None:
    w = guard_world
    w.fix_by_hand()
    loop = w.loop("enforce")
    w.join("k8s-w-4")
    readings: list[int] = []

    def person_edits_after_the_listing(_snapshot: object) -> None:
        readings.append(1)
        if len(readings) == 1:
            w.set_pairs("k8s-w-4", ["192.168.60.0/24"])

    loop.on_reading = person_edits_after_the_listing
    report = loop.run_pass()
    # guard saw the revision move on its one GET and wrote nothing from the stale listing
    assert [(d.outcome, d.error) for d in report.done] == [("stale", ""), ("applied", "")]
    assert report.result == "fixed" and len(readings) == 2
    assert w.pairs("k8s-w-4") == sorted([*FIXED, "192.168.60.0/24"])


def test_every_line_of_an_enforce_pass_in_korean(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    edits: list[str] = []

    def person_edits_first(kind: str, target: str) -> None:
        if not edits:
            edits.append(target)
            w.set_pairs("k8s-w-4", ["192.168.50.0/24"])

    loop = w.loop("enforce", before_write=person_edits_first, lang="ko")
    w.join("k8s-w-4")
    assert loop.run_pass().result == "fixed"
    w.leave("k8s-w-4")
    assert loop.run_pass().result == "fixed"
    text = "\n".join(w.logs)
    # Neutron's own words quoted after kostack's Korean (they were bare English)
    assert "Neutron이 조건부 변경을 거부했습니다(412 RevisionNumberConstraintFailed: “" in text
    assert "(k8s-w-4): Allowed Address Pair 10.244.0.0/16, 10.96.0.0/12 추가" in text
    assert "(노드 없음): guard가 추가했던 쌍 10.244.0.0/16, 10.96.0.0/12 제거" in text
    assert "1번째 점검" in text and "건을 변경해 포트가 CNI에 필요한 상태가 되었습니다" in text
    for line in w.logs:  # every line is Korean (names, CIDRs and Neutron's own words aside)
        assert re.search("[가-힣]", line), line


def test_another_clusters_guard_marks_in_the_project_are_left_alone(
    guard_world: GuardWorld,
) -> None:
    """Cluster B in the same project and network runs its own guard: its port carries the same
    marks (tags, a rule described kostack-guard:), but is none of this cluster's business."""
    w = guard_world
    w.fix_by_hand()
    net = w.conn.network
    theirs = net.create_security_group(name="cluster-b-nodes")
    rule = net.create_security_group_rule(
        security_group_id=theirs.id,
        direction="ingress",
        ether_type="IPv4",
        protocol="udp",
        port_range_min=4789,
        port_range_max=4789,
        remote_group_id=theirs.id,
        description="kostack-guard: VXLAN between cluster B's nodes",
    )
    port = net.create_port(
        name="cluster-b-w-1",
        network_id=w.ids.network_id,
        fixed_ips=[{"subnet_id": w.ids.subnet_id, "ip_address": "10.0.0.61"}],
        security_groups=[w.ids.default_sg_id, theirs.id],
        allowed_address_pairs=[{"ip_address": POD_CIDR}],
        device_owner="compute:nova",
    )
    net.set_tags(port, [MARKER_TAG, pair_tag(POD_CIDR)])
    report = w.loop("enforce").run_pass()
    assert report.result == "clean" and report.done == (), report.as_dict()
    after = net.get_port(port.id)
    assert [p["ip_address"] for p in after.allowed_address_pairs] == [POD_CIDR]
    assert sorted(after.tags) == sorted([MARKER_TAG, pair_tag(POD_CIDR)])
    assert net.get_security_group_rule(rule.id) is not None
