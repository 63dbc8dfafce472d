"""Guard holds the removal of its pairs and rules whenever a check that drives them answers
UNKNOWN, and which checks those are follows from what each check declares (REMEDIES)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.analyze.checks import CHECKS
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import PAIR_OP, REMEDY_OPS, RULE_OP, Status
from kostack.guard.drift import compute
from kostack.guard.drift_model import PAIR_CHECKS, RULE_CHECKS
from kostack.guard.ownership import MARKER_TAG, pair_tag, rule_description
from kostack.model.load import load_snapshot
from kostack_testkit.builders import add_pairs, build, fake_id, ports_of
from kostack_testkit.egress import MEMBERLIST_PORT, antrea_egress_doc
from kostack_testkit.metallb import POOL, metallb_doc

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def unknown_of(doc: dict[str, object], check: str) -> bool:
    return any(
        f.check_id == check and f.status == Status.UNKNOWN for f in diagnose(build(doc)).findings
    )


def test_a_virtual_ips_pair_guard_added_is_held_while_its_check_cannot_decide() -> None:
    doc = metallb_doc()  # MetalLB L2, pool POOL in the node subnet
    add_pairs(doc, [POOL])
    nodes = {link["port_id"] for link in doc["node_ports"]}
    for port in ports_of(doc):
        if port["id"] in nodes:
            port["tags"] = [*port.get("tags", []), MARKER_TAG, pair_tag(POOL)]
    assert compute(build(doc)).clean  # guard added the pairs; they are still needed
    # k8s-w-1's server gets a second port on the node subnet: which of its two ports
    # answers for the pool is the node's choice, so neutron-vip-pairs cannot decide there
    link = next(link for link in doc["node_ports"] if link["node"] == "k8s-w-1")
    first = next(p for p in ports_of(doc) if p["id"] == link["port_id"])
    subnet = first["fixed_ips"][0]["subnet_id"]
    second = {
        **first,
        "id": fake_id("port", "k8s-w-1-second"),
        "name": "k8s-w-1-second",
        "mac_address": "fa:16:3e:00:02:01",
        "fixed_ips": [{"subnet_id": subnet, "ip_address": "10.0.0.150"}],
        "allowed_address_pairs": [],
        "tags": [],
    }
    ports_of(doc).append(second)
    assert unknown_of(doc, "neutron-vip-pairs") and not build(doc).gaps
    drift = compute(build(doc))
    # removing it would drop k8s-w-1's ARP answers for the pool from its first port
    assert not any(p.remove for p in drift.ports)
    assert [p.held for p in drift.ports if p.node == "k8s-w-1"] == [(POOL,)]
    assert ("checks", "neutron-vip-pairs") in [kv for h in drift.holds for kv in h.params]


def test_antreas_memberlist_rules_guard_added_are_held_while_their_check_cannot_decide() -> None:
    doc = antrea_egress_doc()
    nodes = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    for rule in nodes["rules"]:
        if rule.get("port_range_min") == MEMBERLIST_PORT:
            rule["description"] = rule_description("memberlist")
    assert not any(r.delete or r.held for r in compute(build(doc)).rules)  # still needed
    # the agents' clusterPort cannot be read any more (not a port number)
    doc["cluster"]["cni"]["antrea"]["cluster_port"] = None
    assert unknown_of(doc, "net-sg-antrea-memberlist") and not build(doc).gaps
    drift = compute(build(doc))
    assert not any(r.delete for r in drift.rules)
    held = [rule.port_range_min for r in drift.rules for _, rule in r.held]
    assert held == [MEMBERLIST_PORT, MEMBERLIST_PORT]


def test_guards_hold_sets_are_every_check_that_drives_pairs_or_rules() -> None:
    for check in CHECKS:
        assert check.remedies <= REMEDY_OPS, check.id
        assert (PAIR_OP in check.remedies) <= (check.id in PAIR_CHECKS), check.id
        assert (RULE_OP in check.remedies) == (check.id in RULE_CHECKS), check.id
    # the seam of last round: the checks added since the hand-kept lists
    assert {"neutron-vip-pairs", "neutron-egress-ip-pairs", "net-calico-host-nat"} <= PAIR_CHECKS
    assert {"net-sg-antrea-memberlist", "net-sg-ipip-proto", "net-sg-stateless"} <= RULE_CHECKS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_examples_checks_carry_only_the_remedies_they_declare(path: Path) -> None:
    by_id = {c.id: c for c in CHECKS}
    for finding in diagnose(load_snapshot(path)).findings:
        for f in (finding, *finding.consequences):
            ops = {r.op for r in f.remedies}
            assert ops <= by_id[f.check_id].remedies, (f.check_id, ops)


def test_guard_leaves_calico_dsr_pairs_to_kostack_fix() -> None:
    """Seen by Octavia's members down, the DSR pairs' need ends once they are added (guard
    would take them away and add them back); predicted or seen, they are node addresses only
    `kostack fix` may consent to (docs/guard.md). `kostack fix` plans them; guard adds none
    and names the ports (tests/guard/test_guard_dsr_consent.py)."""
    from kostack.plan.build import build_plan
    from kostack.plan.model import Operation
    from kostack_testkit.calico_ebpf import ebpf_doc

    doc = ebpf_doc(mode="DSR")
    for lb in doc["openstack"]["load_balancers"]:
        for member in lb["pools"][0]["members"]:
            if member["name"] in ("k8s-cp-1", "k8s-w-3"):
                member["operating_status"] = "ERROR"
    snap = build(doc)
    assert [rc.key for rc in diagnose(snap).root_causes] == ["calico-ebpf-dsr"]
    planned = [a for a in build_plan(snap).automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert len(planned) == 2  # kostack fix: the endpoints' nodes' ports (k8s-w-1, k8s-w-2)
    drift = compute(snap)
    assert not any(p.add for p in drift.ports), [(p.node, p.add) for p in drift.ports]
