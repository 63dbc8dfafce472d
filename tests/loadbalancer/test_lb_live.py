"""The five LoadBalancer situations of issue #18, collected live and fixed for real.

Each test builds its situation the way OCCM does (kostack_testkit/occm.py)
in the real Octavia (19.0.0) over the real Neutron (29.0.0), with the Service
in the Kubernetes API double, then runs `kostack diagnose` with no snapshot
file (live collection), asserts the root cause, and where kostack has a fix,
applies it with `kostack fix apply --yes` against the real Neutron and
diagnoses again. The static examples (examples/lb-*.json) expect the same
root causes (tests/foundation/test_examples.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lb_live_support import LBWorld, explain, lb_findings, root_causes

pytestmark = pytest.mark.neutron

WORKERS = ("k8s-w-1", "k8s-w-2", "k8s-w-3")


def _service(
    world: LBWorld, *, local: bool = False, endpoints: tuple[str, ...] = ("k8s-w-1", "k8s-w-2")
) -> int:
    svc = world.occm.create_service("shop", "web", local=local)
    world.occm.add_endpoints("shop", "web", list(endpoints))
    return int(svc["spec"]["ports"][0]["node_port"])


def _statuses(doc: dict, check: str) -> set[str]:
    return {f["status"] for f in lb_findings(doc, check)}


def _fix(world: LBWorld, tmp_path: Path) -> str:
    run = world.run("fix", "apply", "--journal", str(tmp_path / "fix.jsonl"), "--yes")
    assert run.code in (0, 1), run.stderr
    return run.stdout


# --------------------------------------------------------------------------- (a)


def test_amphora_healthy(lb_world: LBWorld) -> None:
    lb_world.node_rule("10.0.0.0/24")
    node_port = _service(lb_world)
    lb_id = lb_world.occm.ensure("shop", "web")
    assert lb_id is not None
    run = lb_world.diagnose()
    assert run.code == 0, explain(run)
    doc = run.json()
    assert root_causes(doc) == []
    assert doc["gaps"] == []
    assert _statuses(doc, "lb-nodeport-source") == {"pass"}
    assert _statuses(doc, "lb-members-down") == {"pass"}
    assert _statuses(doc, "lb-floating-ip") == {"pass"}
    assert _statuses(doc, "lb-pending-service") == {"pass"}
    (ok,) = lb_findings(doc, "lb-nodeport-source")
    assert f"NodePort {node_port}/TCP" in ok["message"] and "10.0.0.0/24" in ok["message"]
    # OCCM left out the control plane (kubeadm labels it exclude-from-external-load-balancers)
    assert "all 3 member nodes" in ok["message"]


# --------------------------------------------------------------------------- (b)


def test_amphora_nodeport_blocked_then_fixed(lb_world: LBWorld, tmp_path: Path) -> None:
    node_port = _service(lb_world)
    lb_id = lb_world.occm.ensure("shop", "web")
    assert lb_id is not None
    # the amphora's health monitor cannot reach the NodePorts: the provider reports them down
    lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "OFFLINE"))
    run = lb_world.diagnose()
    assert run.code == 1, explain(run)
    doc = run.json()
    assert root_causes(doc) == ["lb-nodeport-blocked"]
    (rc,) = doc["root_causes"]
    assert rc["check_id"] == "lb-nodeport-source"
    assert {f["check_id"] for f in rc["symptoms"]} == {"lb-members-down"}
    (blocked,) = lb_findings(doc, "lb-nodeport-source")
    assert "client traffic and the health check" in blocked["message"]
    assert "10.0.0.0/24" in blocked["message"] and "3 of 3 member nodes" in blocked["message"]
    (command,) = [doc["remedies"][r]["command"] for r in blocked["remedies"]]
    assert f"--dst-port {node_port} --remote-ip 10.0.0.0/24" in command
    assert command.endswith(lb_world.neutron.ids.nodes_sg_id)

    out = _fix(lb_world, tmp_path)
    assert "1 applied" in out
    rules = list(
        lb_world.conn.network.security_group_rules(
            security_group_id=lb_world.neutron.ids.nodes_sg_id
        )
    )
    assert any(r.port_range_min == node_port and r.remote_ip_prefix == "10.0.0.0/24" for r in rules)
    # the monitor now reaches the members, and the provider says so
    lb_world.occm.report_members(lb_id, dict.fromkeys(WORKERS, "ONLINE"))
    again = lb_world.diagnose()
    assert again.code == 0, explain(again)
    assert root_causes(again.json()) == []


# --------------------------------------------------------------------------- (c)


def test_ovn_open_to_the_node_subnet_only_cuts_clients_off(
    ovn_world: LBWorld, tmp_path: Path
) -> None:
    node_port = _service(ovn_world)
    ovn_world.node_rule("10.0.0.0/24", node_port, node_port)
    lb_id = ovn_world.occm.ensure("shop", "web")
    assert lb_id is not None
    # the OVN provider made its health-check port in the member subnet: the monitor passes
    hm_ports = list(ovn_world.conn.network.ports(device_owner="ovn-lb-hm:distributed"))
    assert len(hm_ports) == 1
    run = ovn_world.diagnose()
    assert run.code == 1, explain(run)
    doc = run.json()
    assert root_causes(doc) == ["lb-nodeport-blocked"]
    assert _statuses(doc, "lb-members-down") == {"pass"}  # members look healthy
    (blocked,) = lb_findings(doc, "lb-nodeport-source")
    assert (
        "provider ovn" in blocked["message"]
        and "client traffic from anywhere" in blocked["message"]
    )
    # the trace from an outside client stops at the node's security group
    trace = ovn_world.run("trace", "ip:198.51.100.7", "svc:shop/web:80/tcp")
    assert trace.code == 1, trace.stderr
    assert "OVN DNATs the VIP" in trace.stdout
    assert "traffic from client 198.51.100.7 is dropped" in trace.stdout

    out = _fix(ovn_world, tmp_path)
    assert "1 applied" in out and "NodePort" in out
    again = ovn_world.diagnose()
    assert again.code == 0, explain(again)
    assert root_causes(again.json()) == []
    ok = ovn_world.run("trace", "ip:198.51.100.7", "svc:shop/web:80/tcp")
    assert ok.code == 0, ok.stdout


# --------------------------------------------------------------------------- (d)


def test_load_balancer_stuck_in_pending_create(lb_world: LBWorld) -> None:
    lb_world.node_rule("10.0.0.0/24")
    _service(lb_world)
    lb_world.octavia.hold(names=[lb_world.occm.lb_name("shop", "web")])
    lb_id = lb_world.occm.ensure("shop", "web")
    assert lb_id is not None
    lb_world.octavia.backdate([lb_id], 3600)
    run = lb_world.diagnose()
    assert run.code == 1, explain(run)
    doc = run.json()
    assert root_causes(doc) == ["lb-stuck"]
    (stuck,) = lb_findings(doc, "lb-provisioning")
    assert "PENDING_CREATE for 1h" in stuck["message"]
    (pending,) = lb_findings(doc, "lb-pending-service")
    assert pending["status"] == "fail" and "<pending>" in pending["message"]
    (rc,) = doc["root_causes"]
    assert {f["check_id"] for f in rc["symptoms"]} == {"lb-pending-service"}
    # kostack has no API change to make: the plan is a manual step only
    plan = lb_world.run("fix", "plan", "-o", "json")
    assert plan.code == 0, plan.stderr
    assert [a["operation"] for a in plan.json()["actions"]] == ["manual"]


# --------------------------------------------------------------------------- (e)


def test_external_traffic_policy_local_is_healthy_by_design(lb_world: LBWorld) -> None:
    lb_world.node_rule("10.0.0.0/24")
    _service(lb_world, local=True, endpoints=("k8s-w-1",))
    lb_id = lb_world.occm.ensure("shop", "web")
    assert lb_id is not None
    # kube-proxy's /healthz answers 503 on nodes without a local endpoint
    lb_world.occm.report_members(lb_id, {"k8s-w-2": "OFFLINE", "k8s-w-3": "OFFLINE"})
    monitor = next(iter(lb_world.conn.load_balancer.health_monitors()))
    assert (monitor.type, monitor.url_path) == ("HTTP", "/healthz")
    run = lb_world.diagnose()
    assert run.code == 0, explain(run)
    doc = run.json()
    assert root_causes(doc) == []
    (local,) = lb_findings(doc, "lb-etp-local")
    assert local["status"] == "pass" and "healthy by design" in local["message"]
    assert "(k8s-w-1)" in local["message"] and "k8s-w-2, k8s-w-3" in local["message"]
    assert _statuses(doc, "lb-members-down") == {"pass"}
