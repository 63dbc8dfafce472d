"""Plan, apply, verify, resume and roll back against the real Neutron (seed topology)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, cloud_state, diff_states, harness_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.apply.engine import APPLIED, Event, apply_plan, rollback_journal
from kostack.apply.journal import Journal, JournalError, read_records
from kostack.apply.neutron import Neutron
from kostack.apply.recollect import recollected_snapshot
from kostack.plan.build import build_plan, simulate
from kostack.plan.model import Method, Operation, Plan, PlanOptions
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy

pytestmark = pytest.mark.neutron

POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"


def run_apply(plan: Plan, endpoint: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    neutron = Neutron(openstack_connection(endpoint))
    with Journal.create(path, plan) as journal:
        return apply_plan(journal, neutron, **kw)  # type: ignore[arg-type]


def run_rollback(endpoint: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    neutron = Neutron(openstack_connection(endpoint))
    with Journal.open(path) as journal:
        return rollback_journal(journal, neutron, **kw)  # type: ignore[arg-type]


def test_seed_plan_apply_verify_and_rollback_exactly(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    original = seed_cloud.state()
    before = diagnose(seed_cloud.snapshot)
    assert "antispoof" in [rc.key for rc in before.root_causes]

    plan = build_plan(seed_cloud.snapshot)
    assert plan.verification.after == ()  # verified by simulation before anything runs
    report = run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl")
    assert report.ok, report.problems
    assert {s.outcome for s in report.steps} == {APPLIED}

    # verify: re-collect from Neutron and re-diagnose
    conn = openstack_connection(seed_cloud.endpoint)
    after = recollected_snapshot(seed_cloud.snapshot, conn)
    assert diagnose(after).root_causes == ()
    assert after.openstack is not None and after.openstack.ports is not None
    node_ports = {link.port_id for link in after.node_ports or ()}
    for port in after.openstack.ports:
        if port.id in node_ports:
            assert port.port_security_enabled is True
            # the pod CIDR only: the service CIDR is not needed for traffic (--service-cidr)
            assert [str(p.ip_address) for p in port.allowed_address_pairs] == [POD_CIDR]
            original_port = original["ports"][port.id]
            assert sorted(port.security_group_ids) == sorted(original_port["security_groups"])

    # re-running on the fixed cloud plans and changes nothing
    again = build_plan(after)
    assert again.automatic == ()
    assert again.verification.before == ()

    report = run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl")
    assert report.ok, report.problems
    assert diff_states(original, seed_cloud.state()) == []
    # a second rollback finds everything as before and changes nothing
    report = run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl")
    assert report.ok and {s.outcome for s in report.steps} == {"already-original"}
    assert diff_states(original, seed_cloud.state()) == []


def test_disable_port_security_is_one_put_per_port_and_rolls_back(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    original = seed_cloud.state()
    plan = build_plan(seed_cloud.snapshot, PlanOptions(Method.DISABLE_PORT_SECURITY))
    ports = [a for a in plan.automatic if a.operation == Operation.DISABLE_PORT_SECURITY]
    assert len(ports) == 4
    assert any("Lost: (1) anti-spoofing" in w for w in plan.warnings)
    fault_proxy.reset_counts()
    report = run_apply(plan, fault_proxy.endpoint, tmp_path / "j.jsonl")
    assert report.ok, report.problems
    assert fault_proxy.count("PUT", r"^/v2\.0/ports/") == 4  # one request per port
    state = seed_cloud.state()
    for action in ports:
        port = state["ports"][action.target.id]
        assert port["port_security_enabled"] is False
        assert port["security_groups"] == [] and port["allowed_address_pairs"] == []
    fault_proxy.reset_counts()
    assert run_rollback(fault_proxy.endpoint, tmp_path / "j.jsonl").ok
    assert fault_proxy.count("PUT", r"^/v2\.0/ports/") == 4  # groups, pairs, security: one PUT
    assert diff_states(original, seed_cloud.state()) == []


def test_ovn_plan_adds_the_pod_cidr_rule_and_rollback_deletes_it(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    snapshot = harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn")
    original = seed_cloud.state()
    plan = build_plan(snapshot)
    rules = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    assert [(a.rule.remote_ip_prefix, a.rule.protocol) for a in rules if a.rule] == [
        (POD_CIDR, None)
    ]
    # pairs alone would not do under OVN: the simulation says so
    pairs_only = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    left = diagnose(simulate(snapshot, pairs_only)).root_causes
    assert "sg-pod-source" in [rc.key for rc in left]

    assert run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    conn = openstack_connection(seed_cloud.endpoint)
    assert diagnose(recollected_snapshot(snapshot, conn)).root_causes == ()
    group = seed_cloud.state()["security_groups"][rules[0].target.id]
    assert any(r["remote_ip_prefix"] == POD_CIDR for r in group["security_group_rules"])
    assert run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    assert diff_states(original, seed_cloud.state()) == []


def _change_port(endpoint: str, port_id: str) -> None:
    """Another client adds a pair of its own to the port."""
    conn = openstack_connection(endpoint)
    port = conn.network.get_port(port_id)
    pairs = [*port.allowed_address_pairs, {"ip_address": "192.168.77.0/24"}]
    conn.network.update_port(port_id, allowed_address_pairs=pairs)


def test_a_port_changed_since_planning_stops_the_run(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    plan = build_plan(seed_cloud.snapshot)
    ports = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    victim = ports[1]
    _change_port(seed_cloud.endpoint, victim.target.id)
    changed = seed_cloud.state()
    report = run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl")
    assert not report.ok
    (problem,) = report.problems
    assert victim.target.id in problem.line and "changed since planning" in problem.line
    assert "kostack fix plan" in problem.hint
    # everything before the changed port was applied, nothing after it was tried
    ids = [s.action_id for s in report.steps]
    assert ids[-1] == victim.id
    records = read_records(tmp_path / "j.jsonl")
    tried = {r["action"] for r in records if r["type"] == "intent"}
    assert victim.id not in tried
    assert not tried & {a.id for a in plan.automatic[plan.automatic.index(victim) + 1 :]}
    # the other client's change is untouched, and rollback restores only kostack's
    assert run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    assert diff_states(changed, seed_cloud.state()) == []


def test_a_change_between_read_and_write_gets_neutrons_412(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot)
    victim = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS][2]

    def race(event: Event) -> None:
        if event.stage == "intent" and event.action.id == victim.id:
            _change_port(seed_cloud.endpoint, victim.target.id)

    report = run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl", on_event=race)
    (problem,) = report.problems
    assert "412 RevisionNumberConstraintFailed" in problem.line
    assert victim.target.id in problem.line and "changed since planning" in problem.line
    last = read_records(tmp_path / "j.jsonl")[-2]
    assert last["type"] == "result" and last["outcome"] == "failed"
    assert last["error"]["status"] == 412
    port = seed_cloud.state()["ports"][victim.target.id]
    assert [p["ip_address"] for p in port["allowed_address_pairs"]] == ["192.168.77.0/24"]


def test_neutron_errors_become_one_line_naming_the_port(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot, PlanOptions(Method.DISABLE_PORT_SECURITY))
    first = next(a for a in plan.automatic if a.operation == Operation.DISABLE_PORT_SECURITY)
    fault_proxy.inject(
        FaultKind.HTTP_409,
        "PUT",
        r"^/v2\.0/ports/",
        error_type="PortSecurityPortHasSecurityGroup",
        message="Port has security group associated. Cannot disable port security or ip address until security group is removed",
    )
    report = run_apply(plan, fault_proxy.endpoint, tmp_path / "j.jsonl")
    (problem,) = report.problems
    assert "\n" not in problem.line
    assert first.target.id in problem.line
    assert "409 PortSecurityPortHasSecurityGroup" in problem.line
    assert "kostack fix plan" in problem.hint


def test_an_interrupted_apply_resumes_from_its_journal(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot)
    third = plan.automatic[2]

    def interrupt(event: Event) -> None:
        if event.stage == "intent" and event.action.id == third.id:
            raise KeyboardInterrupt

    path = tmp_path / "j.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_apply(plan, seed_cloud.endpoint, path, on_event=interrupt)
    records = read_records(path)
    assert records[-1]["type"] == "end" and records[-1]["status"] == "interrupted"
    # Ctrl-C came after the intent, before the request: the re-read says it did not land
    assert records[-2]["action"] == third.id and records[-2]["outcome"] == "failed"
    assert records[-2]["message"].startswith("did not land: interrupted by Ctrl-C (re-read: port")
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    neutron = Neutron(openstack_connection(seed_cloud.endpoint))
    with Journal.open(path) as journal:
        assert journal.logs()[third.id].outcome == "failed"
        report = apply_plan(journal, neutron)
    assert report.ok and report.steps[0].message == "done by an earlier run"
    conn = openstack_connection(seed_cloud.endpoint)
    assert diagnose(recollected_snapshot(seed_cloud.snapshot, conn)).root_causes == ()


def test_the_journal_records_intent_before_result_and_survives_a_torn_line(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot)
    path = tmp_path / "j.jsonl"
    assert run_apply(plan, seed_cloud.endpoint, path).ok
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records[0]["type"] == "plan" and records[0]["digest"] == plan.digest()
    for action in plan.automatic:
        kinds = [r["type"] for r in records if r.get("action") == action.id]
        assert kinds == ["intent", "result"]
        intent = next(r for r in records if r.get("action") == action.id)
        assert intent["before"] is not None
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    with path.open("a") as f:
        f.write('{"seq": 99, "type": "res')  # a crash in the middle of a write
    assert len(read_records(path)) == len(records)
    with Journal.open(path), pytest.raises(JournalError, match="in use"):
        Journal.open(path)


def test_other_projects_ports_are_untouched(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    original = cloud_state(seed_cloud.endpoint)
    plan = build_plan(seed_cloud.snapshot)
    assert run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    touched = {a.target.id for a in plan.automatic}
    now = cloud_state(seed_cloud.endpoint)
    changed = {line.split()[1] for line in diff_states(original, now)}
    assert changed <= touched


def test_several_rules_on_one_group_apply_in_order_and_roll_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """Nodes only in `k8s-nodes` (no any-protocol rule): the plan adds four rules to it."""
    conn = openstack_connection(seed_cloud.endpoint)
    ids = seed_cloud.neutron.ids
    for port_id in ids.port_ids.values():
        conn.network.update_port(port_id, security_groups=[ids.nodes_sg_id])
    snapshot = harness_snapshot(seed_cloud.endpoint)
    original = seed_cloud.state()
    plan = build_plan(snapshot)
    rules = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    assert {a.target.id for a in rules} == {ids.nodes_sg_id}
    assert len(rules) >= 3
    assert {a.rule.remote_group_id for a in rules if a.rule and a.rule.protocol} == {
        ids.nodes_sg_id
    }
    report = run_apply(plan, seed_cloud.endpoint, tmp_path / "j.jsonl")
    assert report.ok, report.problems
    assert diagnose(recollected_snapshot(snapshot, conn)).root_causes == ()
    assert run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    assert diff_states(original, seed_cloud.state()) == []


def test_rollback_keeps_pairs_that_were_there_and_leaves_a_port_changed_since(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """A keepalived VIP's pair (another MAC) survives apply and rollback exactly; a port someone
    edited after the apply is not overwritten (a conflict with the command), unless forced."""
    conn = openstack_connection(seed_cloud.endpoint)
    vip_port, edited_port = list(seed_cloud.neutron.ids.port_ids.values())[:2]
    vip = {"ip_address": "10.0.0.200", "mac_address": "fa:16:3e:aa:bb:cc"}
    conn.network.update_port(vip_port, allowed_address_pairs=[vip])
    snapshot = harness_snapshot(seed_cloud.endpoint)
    original = seed_cloud.state()
    assert run_apply(build_plan(snapshot), seed_cloud.endpoint, tmp_path / "j.jsonl").ok
    pairs = seed_cloud.state()["ports"][vip_port]["allowed_address_pairs"]
    assert {(p["ip_address"], p["mac_address"]) for p in pairs} == {
        ("10.0.0.200", "fa:16:3e:aa:bb:cc"),
        (POD_CIDR, original["ports"][vip_port]["mac_address"]),
    }
    _change_port(seed_cloud.endpoint, edited_port)  # after kostack's change
    edited = seed_cloud.state()["ports"][edited_port]
    report = run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl")
    (problem,) = report.problems
    assert edited_port in problem.line and "openstack port unset" in problem.hint
    now = seed_cloud.state()
    assert now["ports"][edited_port] == edited  # left as the other client made it
    assert [d for d in diff_states(original, now) if edited_port not in d] == []
    forced = run_rollback(seed_cloud.endpoint, tmp_path / "j.jsonl", force=True)
    assert forced.ok, forced.problems
    assert diff_states(original, seed_cloud.state()) == []
