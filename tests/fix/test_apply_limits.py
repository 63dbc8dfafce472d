"""Neutron's limits against the real Neutron: at most 10 allowed address pairs per port
(max_allowed_address_pair) and 100 security-group rules per project (quota_security_group_rule).
A plan past either says so before anything runs; an apply that meets one says which limit, and
rollback puts back exactly what was there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states, harness_snapshot

from kostack.analyze.messages import localize
from kostack.apply.engine import APPLIED, FAILED, apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.plan.build import build_plan
from kostack.plan.model import Operation, Plan
from kostack_lab.neutron import openstack_connection

pytestmark = pytest.mark.neutron

VIPS = [f"10.0.0.{200 + i}/32" for i in range(10)]  # a keepalived node's ten VIPs


def _apply_then_roll_back(endpoint: str, plan: Plan, path: Path):  # type: ignore[no-untyped-def]
    conn = openstack_connection(endpoint)
    with Journal.create(path, plan) as journal:
        report = apply_plan(journal, Neutron(conn))
    with Journal.open(path) as journal:
        back = rollback_journal(journal, Neutron(conn))
    assert back.ok, back.problems
    return report


def test_a_port_past_the_pair_limit_is_named_before_apply_and_by_the_error(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    conn = openstack_connection(seed_cloud.endpoint)
    port_id = seed_cloud.neutron.ids.port_ids["k8s-w-1"]
    conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": v} for v in VIPS])
    original = seed_cloud.state()
    plan = build_plan(harness_snapshot(seed_cloud.endpoint))
    (over,) = [a for a in plan.automatic if a.target.id == port_id]
    assert over.after is not None and len(over.after.allowed_address_pairs) == 11
    (warning,) = [w for w in plan.warnings if "max_allowed_address_pair" in localize(w, "en")]
    assert "1 port (k8s-w-1) would have more than 10 allowed address pairs (up to 11)" in (
        localize(warning, "en")
    )
    assert "포트 1개(k8s-w-1)의 Allowed Address Pair가 10개를 넘습니다(최대 11개)" in (
        localize(warning, "ko")
    )

    report = _apply_then_roll_back(seed_cloud.endpoint, plan, tmp_path / "j.jsonl")
    outcomes = {s.action_id: s.outcome for s in report.steps}
    assert outcomes[over.id] == FAILED and APPLIED in outcomes.values()
    (problem,) = report.problems
    line, hint = localize(problem.line, "en"), localize(problem.hint, "en")
    # what Neutron 29 says past its default limit (pinned)
    assert "AllowedAddressPairExhausted: The number of allowed address pair exceeds the " in line
    assert "maximum 10" in line and "k8s-w-1" in line
    assert "max_allowed_address_pair (10 by default)" in hint and "kostack bug" not in hint
    assert "re-run `kostack fix plan`" in hint and "kostack fix rollback" in hint
    ko = localize(problem.hint, "ko")
    assert "max_allowed_address_pair(기본 10개)" in ko and "버그" not in ko
    # the changes made before the refusal are undone; the refused port was never touched
    assert diff_states(original, seed_cloud.state()) == []


def _fill_the_quota(seed_cloud: SeedCloud) -> list[str]:
    """The project at Neutron's default quota of 100 rules: unused egress rules in the nodes'
    group; their ids."""
    conn = openstack_connection(seed_cloud.endpoint)
    have = sum(len(g.security_group_rules) for g in conn.network.security_groups())
    return [
        conn.network.create_security_group_rule(
            security_group_id=seed_cloud.neutron.ids.nodes_sg_id,
            direction="egress",
            ether_type="IPv4",
            protocol="tcp",
            port_range_min=1000 + i,
            port_range_max=1000 + i,
            remote_ip_prefix="192.0.2.0/24",
        ).id
        for i in range(100 - have)
    ]


def test_a_plan_past_the_rule_quota_says_so_when_the_project_is_not_known(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _fill_the_quota(seed_cloud)
    original = seed_cloud.state()
    snapshot = harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn")
    assert snapshot.openstack is not None and snapshot.openstack.project_id is None  # no Keystone
    plan = build_plan(snapshot)
    assert [a.operation for a in plan.automatic].count(Operation.ADD_SG_RULE) == 1
    (warning,) = [w for w in plan.warnings if "quota_security_group_rule" in localize(w, "en")]
    assert "adds 1 security-group rule to a project that has at least 100" in localize(
        warning, "en"
    )
    assert "규칙 1개를 추가하는데 프로젝트에는 (읽은 그룹에만) 이미 최소 100개" in localize(
        warning, "ko"
    )
    report = _apply_then_roll_back(seed_cloud.endpoint, plan, tmp_path / "j.jsonl")
    (problem,) = report.problems
    assert "Neutron quota exceeded (409 OverQuota" in localize(problem.line, "en")
    assert diff_states(original, seed_cloud.state()) == []


def test_removing_unused_rules_of_the_group_then_resuming_goes_on(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """What the quota refusal says to do works: remove unused rules (here, of the very group the
    rule goes to), then resume; rollback then undoes it all."""
    unused = _fill_the_quota(seed_cloud)
    snapshot = harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn")
    conn = openstack_connection(seed_cloud.endpoint)
    path = tmp_path / "j.jsonl"
    with Journal.create(path, build_plan(snapshot)) as journal:
        stopped = apply_plan(journal, Neutron(conn))
    (problem,) = stopped.problems
    assert "remove unused rules, then resume with `kostack fix apply --journal" in localize(
        problem.hint, "en"
    )
    conn.network.delete_security_group_rule(unused[0])
    original = seed_cloud.state()
    with Journal.open(path) as journal:
        resumed = apply_plan(journal, Neutron(conn))
    assert resumed.ok, [localize(p.line, "en") for p in resumed.problems]
    assert {s.outcome for s in resumed.steps} == {APPLIED}
    group = seed_cloud.state()["security_groups"][seed_cloud.neutron.ids.nodes_sg_id]
    assert "10.244.0.0/16" in [r["remote_ip_prefix"] for r in group["security_group_rules"]]
    with Journal.open(path) as journal:
        assert rollback_journal(journal, Neutron(conn)).ok
    assert diff_states(original, seed_cloud.state()) == []
