"""`fix apply --plan FILE` against the real Neutron: before/after, re-applying, a 412 mid-run.

What the issue "Safety first" (item 7) saw: the verification after `--plan FILE`
said "no root cause before or after"; re-applying an applied plan called an
unchanged router "changed since planning" (exit 5); after a 412 the hint did
not say what was already applied nor offer `fix rollback`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states, harness_snapshot, run_cli

from kostack.apply.engine import Event, apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.neutron_harness import write_noauth_clouds


def _apply_plan(  # type: ignore[no-untyped-def]
    seed_cloud: SeedCloud, plan: Path, journal: Path, *extra: str, environ=None
):
    return run_cli(
        "fix",
        "apply",
        "--plan",
        str(plan),
        "--journal",
        str(journal),
        "--yes",
        *extra,
        environ=environ or seed_cloud.environ,
    )


@pytest.mark.neutron
def test_apply_plan_file_reports_the_before_state_of_the_plan(
    seed_cloud: SeedCloud, seed_api: KubeApiDouble, tmp_path: Path
) -> None:
    """No --snapshot: the cluster is read after applying, so "before" is the plan's."""
    plan = seed_cloud.plan_file(tmp_path)
    planned_before = [r["key"] for r in json.loads(plan.read_text())["verification"]["before"]]
    assert planned_before, "the seed has root causes"
    environ = {
        **seed_cloud.environ,
        "KUBECONFIG": str(seed_api.write_kubeconfig(tmp_path / "kubeconfig")),
    }
    run = _apply_plan(seed_cloud, plan, tmp_path / "j.jsonl", environ=environ)
    assert run.code == 0, run.stderr + run.stdout
    verified = run.stdout.split("Verified after applying", 1)[1]
    assert f"before:  {len(planned_before)} root cause" in verified
    for key in planned_before:
        assert f"gone:    {key}" in verified
    assert "no root cause before or after" not in verified
    assert "(as planned)" in verified  # says where "before" comes from


@pytest.mark.neutron
def test_re_applying_an_applied_plan_is_a_no_op_that_says_so(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = seed_cloud.plan_file(tmp_path)
    routers = [
        a for a in json.loads(plan.read_text())["actions"] if a["target"]["kind"] == "router"
    ]
    assert routers, "the plan changes the router (the routes back to the pods)"
    first = _apply_plan(seed_cloud, plan, tmp_path / "first.jsonl", "--no-verify")
    assert first.code == 0, first.stderr + first.stdout
    applied = seed_cloud.state()

    again = _apply_plan(seed_cloud, plan, tmp_path / "again.jsonl", "--no-verify")
    assert again.code == 0, again.stderr + again.stdout
    assert "changed since planning" not in again.stdout + again.stderr
    assert "already applied" in again.stdout
    n = len([a for a in json.loads(plan.read_text())["actions"] if a["operation"] != "manual"])
    assert f"0 applied, {n} already in place." in again.stdout
    assert diff_states(applied, seed_cloud.state()) == []


@pytest.mark.neutron
def test_a_412_after_applied_changes_names_them_and_offers_resume_and_rollback(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = seed_cloud.plan_file(tmp_path)
    actions = json.loads(plan.read_text())["actions"]
    ports = [a for a in actions if a["target"]["kind"] == "port"]
    last = ports[-1]
    # someone else edits the last port's name only: same fields, a new revision -> 412
    conn = openstack_connection(seed_cloud.endpoint)
    conn.network.update_port(last["target"]["id"], description="edited by someone else")
    journal = tmp_path / "j.jsonl"
    run = _apply_plan(seed_cloud, plan, journal)
    assert run.code == 5, run.stdout + run.stderr
    error, hint = run.stderr.splitlines()[-2:]
    assert error.startswith("error: port " + last["target"]["id"])
    assert hint.startswith("hint: ")
    assert f"kostack fix rollback {journal}" in hint
    assert f"kostack fix apply --journal {journal}" in hint
    done = [a for a in actions if a["id"] != last["id"] and a["operation"] != "manual"]
    applied = f"{len(done)} change{'s' if len(done) != 1 else ''} applied before it stopped"
    assert applied in hint, hint
    for action in done[:3]:
        assert action["id"] in hint


@pytest.mark.neutron
def test_a_router_edited_since_planning_still_gets_the_routes_the_plan_adds(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """What matters is the routes the plan adds, not the router's revision."""
    plan = seed_cloud.plan_file(tmp_path)
    router = next(
        a for a in json.loads(plan.read_text())["actions"] if a["target"]["kind"] == "router"
    )
    conn = openstack_connection(seed_cloud.endpoint)
    before = conn.network.get_router(router["target"]["id"])
    conn.network.update_router(router["target"]["id"], description="renamed by someone else")
    assert conn.network.get_router(router["target"]["id"]).revision_number != before.revision_number
    run = _apply_plan(seed_cloud, plan, tmp_path / "j.jsonl", "--no-verify")
    assert run.code == 0, run.stdout + run.stderr
    assert "changed since planning" not in run.stdout + run.stderr
    routes = {
        (r["destination"], r["nexthop"])
        for r in conn.network.get_router(router["target"]["id"]).routes
    }
    added = router["parameters"]["routes"]
    assert added and {(r["destination"], r["nexthop"]) for r in added} <= routes
    # the routes it had are kept, and the description someone set is untouched
    assert {(r["destination"], r["nexthop"]) for r in before.routes} <= routes
    assert conn.network.get_router(router["target"]["id"]).description == "renamed by someone else"


@pytest.mark.neutron
def test_neutron_sees_reads_as_the_collector_and_writes_as_what_they_are(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """The User-Agent of every request, as the proxy in front of the real Neutron saw it."""
    environ = {
        **seed_cloud.environ,
        "OS_CLIENT_CONFIG_FILE": str(
            write_noauth_clouds(tmp_path / "proxied.yaml", fault_proxy.endpoint)
        ),
    }
    collected = run_cli(
        "collect", "--no-kubernetes", "-o", str(tmp_path / "s.json"), environ=environ
    )
    assert collected.code in (0, 4), collected.stderr
    reads = fault_proxy.requests()
    assert reads and {r.method for r in reads} == {"GET"}
    assert all(r.user_agent.startswith("kostack (read-only collector) ") for r in reads), {
        r.user_agent for r in reads
    }

    fault_proxy.reset_counts()
    journal = tmp_path / "j.jsonl"
    applied = run_cli(
        "fix",
        "apply",
        "--snapshot",
        str(seed_cloud.snapshot_path),
        "--journal",
        str(journal),
        "--yes",
        "--no-verify",
        environ=environ,
    )
    assert applied.code == 0, applied.stderr
    apply_requests = fault_proxy.requests()
    assert {r.method for r in apply_requests} >= {"GET", "PUT"}
    assert all(r.user_agent.startswith("kostack (fix apply) ") for r in apply_requests), {
        r.user_agent for r in apply_requests
    }

    fault_proxy.reset_counts()
    undone = run_cli("fix", "rollback", str(journal), "--yes", environ=environ)
    assert undone.code == 0, undone.stderr
    undo_requests = fault_proxy.requests()
    assert any(r.method == "PUT" for r in undo_requests)
    assert all(r.user_agent.startswith("kostack (fix rollback) ") for r in undo_requests), {
        r.user_agent for r in undo_requests
    }


@pytest.mark.neutron
def test_a_real_412_names_what_was_applied_and_offers_resume_and_rollback(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """Neutron itself refuses the second port update with 412 (a race after kostack's read)."""
    plan = build_plan(seed_cloud.snapshot)
    fault_proxy.inject(
        FaultKind.HTTP_STATUS,
        "PUT",
        r"^/v2\.0/ports/",
        nth=2,
        status=412,
        error_type="RevisionNumberConstraintFailed",
        message="Constrained to 3, but current revision is 4",
    )
    journal = tmp_path / "j.jsonl"
    with Journal.create(journal, plan) as j:
        report = apply_plan(j, Neutron(openstack_connection(fault_proxy.endpoint)))
    (problem,) = report.problems
    assert "412 RevisionNumberConstraintFailed" in problem.line
    applied = [s.action_id for s in report.steps if s.outcome == "applied"]
    assert len(applied) == 2  # the router's routes and the first port
    assert f"2 changes applied before it stopped: {applied[0]} (router " in problem.hint
    assert f"kostack fix apply --journal {journal}" in problem.hint
    assert f"kostack fix rollback {journal}" in problem.hint


@pytest.mark.neutron
def test_a_rule_someone_else_created_while_ours_was_in_doubt_stays_theirs(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """kostack's create gets a 500 that did not land; meanwhile a person creates the same rule
    (their own description): the retry's 409 must not make it kostack's, nor rollback delete it."""
    snapshot = harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn")  # plans a pod-CIDR rule
    plan = build_plan(snapshot)
    (action,) = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    assert action.rule is not None and action.rule.description.startswith("kostack")
    person = openstack_connection(seed_cloud.endpoint)
    theirs: list[str] = []

    def meanwhile(event: Event) -> None:
        if event.stage == "intent" and event.action.id == action.id and not theirs:
            rule = person.network.create_security_group_rule(
                security_group_id=action.target.id,
                direction="ingress",
                ether_type="IPv4",
                remote_ip_prefix=action.rule.remote_ip_prefix,  # type: ignore[union-attr]
                description="team-b: pods may reach our VMs",
            )
            theirs.append(str(rule.id))

    fault_proxy.inject(FaultKind.HTTP_500, "POST", r"^/v2\.0/security-group-rules")
    journal = tmp_path / "j.jsonl"
    with Journal.create(journal, plan) as j:
        neutron = Neutron(openstack_connection(fault_proxy.endpoint))
        report = apply_plan(j, neutron, backoff_s=0.0, on_event=meanwhile)
    assert report.ok, report.problems
    (step,) = [s for s in report.steps if s.action_id == action.id]
    assert step.outcome == "already-present" and theirs and theirs[0] in step.message
    with Journal.open(journal) as j:
        assert rollback_journal(j, Neutron(person), backoff_s=0.0).ok
    rules = seed_cloud.state()["security_groups"][action.target.id]["security_group_rules"]
    assert theirs[0] in {r["id"] for r in rules}  # the person's rule is still there
