"""Antrea against the real Neutron: the examples `antrea-geneve-blocked` (Antrea's defaults,
Geneve on UDP 6081 between the nodes, the node ports only in `k8s-nodes` without it; so is
Kube-OVN's `kube-ovn-geneve-blocked`, OVN's Geneve, tested here too) and
`antrea-noencap-no-pairs` (noEncap on the seed's groups, no allowed address pairs). The plan
adds the UDP 6081 rule from the nodes' group (no pairs: the pods' addresses never leave a node
in encap mode), or the pod-range pairs for noEncap: apply, re-collect, re-diagnose clean;
roll back to exactly before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import NODES_RULES, _group, live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.antrea import antrea_example_doc
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.kubeovn import kube_ovn_example_doc

pytestmark = pytest.mark.neutron


def _geneve_blocked_cloud(endpoint: str, doc: dict[str, Any]) -> str:
    """The example's group (no UDP 6081, no BGP or Typha, nothing from the pods) alone on
    every node port, without pairs."""
    conn = openstack_connection(endpoint)
    rules = [r for r in NODES_RULES if r[1] != 5473 and r[2] != POD_CIDR]
    nodes = _group(conn, "k8s-nodes", rules)
    ports = conn.network.get("/ports").json()["ports"]
    for node in doc["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        body = {"security_groups": [nodes], "allowed_address_pairs": []}
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return nodes


GENEVE_BLOCKED = {
    "antrea": lambda: antrea_example_doc("antrea-geneve-blocked"),
    "kube-ovn": lambda: kube_ovn_example_doc("kube-ovn-geneve-blocked"),
}


@pytest.mark.parametrize("cni", sorted(GENEVE_BLOCKED))
def test_the_plan_opens_geneve_between_the_nodes_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path, cni: str
) -> None:
    doc = GENEVE_BLOCKED[cni]()
    nodes = _geneve_blocked_cloud(seed_cloud.endpoint, doc)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, doc)
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


def test_noencap_gets_the_pod_range_pairs_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, antrea_example_doc("antrea-noencap-no-pairs"))
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes][:1] == ["antispoof"], found.root_causes
    plan = build_plan(snapshot)
    pairs = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert len(pairs) == 4 and {p.ip_address for a in pairs for p in a.pairs} == {POD_CIDR}
    _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert diff_states(original, seed_cloud.state()) == []
