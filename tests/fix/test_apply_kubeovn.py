"""Kube-OVN against the real Neutron: the example `kube-ovn-underlay-no-pairs` (network type
vlan: the pods' own addresses and MACs on the wire, port security on). (`kube-ovn-geneve-blocked`,
OVN's Geneve on UDP 6081 blocked, shares Antrea's test in test_apply_antrea.py.) For the
underlay the default plan adds nothing (no pair passes a pod's MAC) and
`--method disable-port-security` turns port security off on the node ports: apply,
re-collect, re-diagnose clean; roll back to exactly before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import live_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.apply.engine import apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.apply.recollect import recollected_snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Method, Operation, PlanOptions
from kostack_lab.neutron import openstack_connection
from kostack_testkit.kubeovn import kube_ovn_example_doc

pytestmark = pytest.mark.neutron


def test_underlay_needs_port_security_off_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    original = seed_cloud.state()
    doc = kube_ovn_example_doc("kube-ovn-underlay-no-pairs")
    snapshot = live_snapshot(seed_cloud.endpoint, doc)
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes][:1] == ["antispoof"], found.root_causes
    assert not build_plan(snapshot).automatic  # no pair passes the pods' own MACs
    plan = build_plan(snapshot, PlanOptions(Method.DISABLE_PORT_SECURITY))
    ports = [a for a in plan.automatic if a.operation == Operation.DISABLE_PORT_SECURITY]
    # the harness's router has no route to the pod range (the seed's route-back cause, as in
    # test_apply_dualstack): an underlay pod's egress keeps its address, so that one stays
    left = ["router-no-route-back"]
    assert len(ports) == 4 and [rc.key for rc in plan.verification.after] == left
    endpoint = seed_cloud.endpoint
    with Journal.create(tmp_path / "j.jsonl", plan) as journal:
        report = apply_plan(journal, Neutron(openstack_connection(endpoint)))
    assert report.ok, report.problems
    after = recollected_snapshot(snapshot, openstack_connection(endpoint))
    assert [rc.key for rc in diagnose(after).root_causes] == left
    state = seed_cloud.state()
    assert all(state["ports"][a.target.id]["port_security_enabled"] is False for a in ports)
    with Journal.open(tmp_path / "j.jsonl") as journal:
        back = rollback_journal(journal, Neutron(openstack_connection(endpoint)))
    assert back.ok, back.problems
    assert diff_states(original, seed_cloud.state()) == []
