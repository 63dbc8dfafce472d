"""Calico's node-to-node mesh off and two route reflectors (k8s-cp-1, k8s-w-1) against the real
Neutron: every node port in `k8s-nodes` (no TCP 179), k8s-w-1's also in `k8s-reflectors`
(TCP 179 from `k8s-nodes`). So every client's session with k8s-w-1 comes up and with k8s-cp-1
none does: the routes still pass (through k8s-w-1), but a reflector is lost. net-sg-bgp names
the two sessions with k8s-cp-1 and plans one rule (TCP 179 from `k8s-nodes`, on it): apply,
re-collect, re-diagnose clean; roll back to exactly the state before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import NODES_RULES, _group, live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.reflectors import CLUSTER_ID, reflector_example_doc, with_reflectors

pytestmark = pytest.mark.neutron
REFLECTORS = ("k8s-cp-1", "k8s-w-1")


def _cloud(endpoint: str) -> str:
    conn = openstack_connection(endpoint)
    nodes = _group(conn, "k8s-nodes", NODES_RULES)
    reflectors = _group(conn, "k8s-reflectors", [("tcp", 179, nodes)])
    ports = conn.network.get("/ports").json()["ports"]
    for name in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"):
        port = next(p for p in ports if p["device_id"] == seed_device_id(name))
        groups = [nodes, reflectors] if name == "k8s-w-1" else [nodes]
        body = {"security_groups": groups, "allowed_address_pairs": [{"ip_address": POD_CIDR}]}
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return nodes


def _doc() -> dict[str, Any]:
    doc = reflector_example_doc("calico-rr-blocked")
    return with_reflectors(doc, dict.fromkeys(REFLECTORS, CLUSTER_ID))


def test_the_plan_admits_the_lost_reflectors_sessions_and_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    nodes = _cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, _doc())
    found = diagnose(snapshot)
    pods = [f for f in found.findings if f.check_id == "net-pod-to-pod"]
    assert {f.status for f in pods} == {Status.PASS}, pods  # through k8s-w-1
    (bgp,) = [f for f in found.findings if f.check_id == "net-sg-bgp"]
    assert (bgp.status, bgp.severity.value) == (Status.FAIL, "high")
    en = localize(bgp.message, "en")
    assert "of nodes k8s-w-2, k8s-w-3 with route reflector k8s-cp-1 (2 sessions)" in en, en
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    assert [(r.direction, r.protocol, r.port_range_min, r.remote_group_id) for r in rules] == [
        ("ingress", "tcp", 179, nodes)
    ], rules
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    (ok,) = [f for f in diagnose(after).findings if f.check_id == "net-sg-bgp"]
    assert ok.status == Status.PASS
    assert "with k8s-cp-1, k8s-w-1 checked" in localize(ok.message, "en")
    assert diff_states(original, seed_cloud.state()) == []
