"""Many blocked NodePorts fixed for real: one range rule from the member subnet, not one rule
per NodePort (real Neutron 29 + real Octavia 19, the way OCCM builds the objects)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lb_live_support import LBWorld, explain, root_causes

from kostack.plan.nodeport_range import THRESHOLD

pytestmark = pytest.mark.neutron

WORKERS = ("k8s-w-1", "k8s-w-2", "k8s-w-3")


def test_many_blocked_nodeports_become_one_range_rule(lb_world: LBWorld, tmp_path: Path) -> None:
    n = THRESHOLD + 2
    lb_ids, node_ports = [], []
    for i in range(n):
        svc = lb_world.occm.create_service("shop", f"web{i}")
        lb_world.occm.add_endpoints("shop", f"web{i}", ["k8s-w-1"])
        node_ports.append(int(svc["spec"]["ports"][0]["node_port"]))
        lb_id = lb_world.occm.ensure("shop", f"web{i}")
        assert lb_id is not None
        lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "OFFLINE"))
        lb_ids.append(lb_id)
    assert len(set(node_ports)) == n
    run = lb_world.diagnose()
    assert root_causes(run.json()) == ["lb-nodeport-blocked"], explain(run)

    sg = lb_world.neutron.ids.nodes_sg_id
    before = {r.id for r in lb_world.conn.network.security_group_rules(security_group_id=sg)}
    plan = lb_world.run("fix", "plan")
    assert "NodePorts 30000-32767 from 10.0.0.0/24 instead of" in plan.stdout, plan.stdout
    applied = lb_world.run("fix", "apply", "--journal", str(tmp_path / "fix.jsonl"), "--yes")
    assert "1 applied" in applied.stdout, applied.stdout
    # verify right after: Octavia still reports the members OFFLINE (its monitor has not probed
    # since); they are counted up as the plan's own check counts them, and said to be pending
    assert applied.code == 0, applied.stdout
    assert "lb-members-down" not in applied.stdout
    assert f"{3 * n} load balancer members still show OFFLINE" in applied.stdout
    mine = [
        r
        for r in lb_world.conn.network.security_group_rules(security_group_id=sg)
        if (r.description or "").startswith("kostack:")
    ]
    assert [(r.port_range_min, r.port_range_max, r.remote_ip_prefix) for r in mine] == [
        (30000, 32767, "10.0.0.0/24")
    ]
    for lb_id in lb_ids:
        lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "ONLINE"))
    again = lb_world.diagnose()
    assert root_causes(again.json()) == [], explain(again)
    # rollback deletes the one rule it created, and nothing else
    undone = lb_world.run("fix", "rollback", str(tmp_path / "fix.jsonl"), "--yes")
    assert undone.code == 0 and "1 restored" in undone.stdout, undone.stdout
    after = {r.id for r in lb_world.conn.network.security_group_rules(security_group_id=sg)}
    assert after == before
