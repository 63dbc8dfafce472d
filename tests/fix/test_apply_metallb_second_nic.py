"""MetalLB on a second NIC against the real Neutron: every seed server gets a second port on
a storage network (192.168.100.0/24, no allowed pairs; `test_apply_second_nic`), the node
ports carry the pod and service ranges as pairs, and a MetalLB pool on the storage network
(192.168.100.200/29) is advertised on eth1. The speakers answer ARP for it through the storage
ports, whose anti-spoofing drops the answers: the plan adds the pool to the storage ports only
(never to the node ports); apply, re-collect, re-diagnose clean; roll back to exactly before.
Before the second NIC was judged the pool was UNKNOWN (outside the nodes' subnet): no plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import live_snapshot
from test_apply_dualstack import _apply_and_roll_back
from test_apply_second_nic import _second_nic_cloud

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Severity, Status
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.metallb import metallb_example_doc

pytestmark = pytest.mark.neutron
POOL = "192.168.100.200/29"


def _doc() -> dict[str, Any]:
    doc = metallb_example_doc("metallb-l2-no-pairs")
    metallb = doc["cluster"]["virtual_ips"]["metallb"]
    metallb["pools"] = [{"name": "storage", "cidrs": [POOL], "addresses": [POOL]}]
    metallb["advertisements"] = [{"name": "l2", "kind": "l2", "interfaces": ["eth1"]}]
    return doc


def test_the_plan_adds_the_pool_pair_to_the_second_nics_only_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    storage = _second_nic_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, _doc())
    found = diagnose(snapshot)
    vip = [rc for rc in found.root_causes if rc.key == "vip-antispoof"]
    assert len(vip) == 1, found.root_causes
    finding = next(
        f for f in found.findings if f.check_id == "neutron-vip-pairs" and f.status == Status.FAIL
    )
    assert sorted(r.target_id for r in finding.remedies) == sorted(storage.values())
    plan = build_plan(snapshot)
    adds = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert sorted(a.target.id for a in adds) == sorted(storage.values())
    assert {p.ip_address for a in adds for p in a.pairs} == {POOL}
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.ports is not None
    for port in after.openstack.ports:
        if port.id in storage.values():
            assert [str(p.ip_address) for p in port.allowed_address_pairs] == [POOL]
    assert not [
        f
        for f in diagnose(after).findings
        if f.check_id == "neutron-vip-pairs"
        and f.status != Status.PASS
        and f.severity != Severity.LOW
    ]
    assert diff_states(original, seed_cloud.state()) == []
