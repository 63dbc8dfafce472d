"""kube-router (k0s) against the real Neutron (example `kube-router-no-pairs-no-bgp`): the seed
cloud's node ports only in `k8s-nodes`, which admits neither TCP 179 nor the pod range, and no
allowed address pairs. kube-router routes natively within the subnet and learns routes over its
iBGP mesh, so the plan adds the TCP 179 rule (described as kube-router's), the pod-range rule
and the pod-range pairs: apply, re-collect, re-diagnose clean; roll back to exactly before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import NODES_RULES, _group, live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.model import Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.kuberouter import kube_router_example_doc

pytestmark = pytest.mark.neutron
EXAMPLE = "kube-router-no-pairs-no-bgp"


def _kube_router_cloud(endpoint: str) -> str:
    """The example's group (no TCP 179, nothing from the pods) alone on every node port."""
    conn = openstack_connection(endpoint)
    rules = [r for r in NODES_RULES if r[1] != 5473 and r[2] != POD_CIDR]
    nodes = _group(conn, "k8s-nodes", rules)
    ports = conn.network.get("/ports").json()["ports"]
    for node in kube_router_example_doc(EXAMPLE)["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        body = {"security_groups": [nodes], "allowed_address_pairs": []}
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return nodes


def _snapshot(endpoint: str) -> Snapshot:
    return live_snapshot(endpoint, kube_router_example_doc(EXAMPLE))


def test_the_plan_opens_kube_routers_bgp_and_pairs_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    nodes = _kube_router_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = _snapshot(seed_cloud.endpoint)
    found = diagnose(snapshot)
    keys = [rc.key for rc in found.root_causes]
    assert keys[:3] == ["bgp-blocked", "antispoof", "sg-pod-source"], keys
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    bgp = [r for r in rules if r.port_range_min == 179]
    assert [(r.protocol, r.remote_group_id, r.description) for r in bgp] == [
        ("tcp", nodes, "kostack: kube-router BGP")
    ], rules
    pairs = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert len(pairs) == 4 and {p.ip_address for a in pairs for p in a.pairs} == {POD_CIDR}
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.security_groups is not None
    (group,) = [g for g in after.openstack.security_groups if g.id == nodes]
    assert any(r.port_range_min == 179 and r.remote_group_id == nodes for r in group.rules)
    assert diff_states(original, seed_cloud.state()) == []
