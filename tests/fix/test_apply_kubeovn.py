"""Kube-OVN against the real Neutron: the examples `kube-ovn-geneve-blocked` (install.sh's
defaults, OVN's Geneve on UDP 6081 between the nodes, the node ports only in `k8s-nodes`
without it) and `kube-ovn-underlay-no-pairs` (network type vlan: the pods' own addresses and
MACs on the wire, port security on). The plan adds the UDP 6081 rule from the nodes' group (no
pairs); for the underlay the default plan adds nothing (no pair passes a pod's MAC) and
`--method disable-port-security` turns port security off on the node ports: apply,
re-collect, re-diagnose clean; roll back to exactly before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import NODES_RULES, _group, live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.apply.engine import apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.apply.recollect import recollected_snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Method, Operation, PlanOptions
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.kubeovn import kube_ovn_example_doc

pytestmark = pytest.mark.neutron


def _geneve_blocked_cloud(endpoint: str) -> str:
    """The example's group (no UDP 6081, no BGP or Typha, nothing from the pods) alone on
    every node port, without pairs."""
    conn = openstack_connection(endpoint)
    rules = [r for r in NODES_RULES if r[1] != 5473 and r[2] != POD_CIDR]
    nodes = _group(conn, "k8s-nodes", rules)
    ports = conn.network.get("/ports").json()["ports"]
    for node in kube_ovn_example_doc("kube-ovn-geneve-blocked")["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        body = {"security_groups": [nodes], "allowed_address_pairs": []}
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return nodes


def test_the_plan_opens_geneve_between_the_nodes_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    nodes = _geneve_blocked_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, kube_ovn_example_doc("kube-ovn-geneve-blocked"))
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes] == ["sg-encap"], found.root_causes
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    assert [
        (r.direction, r.protocol, r.port_range_min, r.port_range_max, r.remote_group_id)
        for r in rules
    ] == [("ingress", "udp", 6081, 6081, nodes)], rules
    assert not [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.security_groups is not None
    (group,) = [g for g in after.openstack.security_groups if g.id == nodes]
    assert any(r.port_range_min == 6081 and r.remote_group_id == nodes for r in group.rules)
    assert diff_states(original, seed_cloud.state()) == []


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
