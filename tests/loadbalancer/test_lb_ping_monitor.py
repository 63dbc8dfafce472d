"""A PING health monitor needs an ICMP rule, which has no port (real Octavia and Neutron).

Octavia's PING monitor sends ICMP echo to the member address: the member's
NodePort plays no part. Neutron reads an ICMP rule's port_range_min/max as the
ICMP type and code (0-255; neutron db/securitygroups_db.py `_validate_port_range`),
so the rule that admits the monitor is ICMP with no ports; a NodePort there is
refused (400) or, below 256, admits one ICMP type only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lb_live_support import LBWorld, explain, lb_findings, root_causes

pytestmark = pytest.mark.neutron

WORKERS = ("k8s-w-1", "k8s-w-2", "k8s-w-3")


def test_ping_monitor_blocked_then_fixed_with_an_icmp_rule(
    lb_world: LBWorld, tmp_path: Path
) -> None:
    lb_world.occm.monitor_type = "PING"
    # the seed's nodes admit ICMP from anywhere: not this cloud's
    conn = lb_world.conn
    for rule in conn.network.security_group_rules(direction="ingress", protocol="icmp"):
        conn.network.delete_security_group_rule(rule.id)
    svc = lb_world.occm.create_service("shop", "web")
    lb_world.occm.add_endpoints("shop", "web", ["k8s-w-1", "k8s-w-2"])
    node_port = int(svc["spec"]["ports"][0]["node_port"])
    lb_id = lb_world.occm.ensure("shop", "web")
    assert lb_id is not None
    lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "OFFLINE"))
    run = lb_world.diagnose()
    assert run.code == 1, explain(run)
    doc = run.json()
    assert root_causes(doc) == ["lb-nodeport-blocked"]
    found = lb_findings(doc, "lb-nodeport-source")
    commands = [doc["remedies"][r]["command"] for f in found for r in f["remedies"]]
    # client traffic needs the NodePort over TCP, the monitor ICMP (no port, no type)
    assert any(f"--protocol tcp --dst-port {node_port} " in c for c in commands), commands
    icmp = [c for c in commands if "--protocol icmp" in c]
    assert icmp and all("--dst-port" not in c for c in icmp), commands

    run = lb_world.run("fix", "apply", "--journal", str(tmp_path / "fix.jsonl"), "--yes")
    assert run.code == 0, run.stdout + run.stderr
    rules = list(
        lb_world.conn.network.security_group_rules(
            security_group_id=lb_world.neutron.ids.nodes_sg_id
        )
    )
    made = {
        (r.protocol, r.port_range_min, r.port_range_max)
        for r in rules
        if r.remote_ip_prefix == "10.0.0.0/24" and r.direction == "ingress"
    }
    assert made == {("tcp", node_port, node_port), ("icmp", None, None)}, made
    lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "ONLINE"))
    again = lb_world.diagnose()
    assert again.code == 0, explain(again)
    assert root_causes(again.json()) == []
