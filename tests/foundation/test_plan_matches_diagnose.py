"""What `kostack diagnose` tells the reader to run for a root cause is what `kostack fix plan`
plans for it, on every example: the same pair on the same port, the same rule in the same
group, the same route on the same router, the same manual command; a change the plan
refuses (a rule open to every address) it says it does not plan. So on every check's failing
case (tests/foundation/test_checks.py), which covers the causes no example has."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from test_checks import CASES

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import MANUAL_OP, PAIR_OP, ROUTE_OP, RULE_OP, Remedy, command_for
from kostack.model.load import load_snapshot
from kostack.model.snapshot import Snapshot
from kostack.plan.assemble import rule_of
from kostack.plan.build import build_plan
from kostack.plan.model import Operation, Plan
from kostack_testkit.builders import build

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def planned(plan: Plan, r: Remedy) -> bool:
    """Whether an action of ``plan`` on the remedy's target makes its change (a pair: one
    covering it)."""
    actions = [a for a in plan.actions if a.target.id == r.target_id]
    if r.op == PAIR_OP:
        want = net(r.param("ip_address"))
        pairs = [net(p.ip_address) for a in actions for p in a.pairs]
        return any(
            have.version == want.version and want.subnet_of(have)  # type: ignore[arg-type]
            for have in pairs
        )
    if r.op == RULE_OP:
        return rule_of(r).key() in {a.rule.key() for a in actions if a.rule is not None}
    if r.op == ROUTE_OP:
        route = (str(net(r.param("destination"))), r.param("nexthop"))
        return route in {(x.destination, x.nexthop) for a in actions for x in a.routes}
    if r.op == MANUAL_OP:
        return command_for(r) in {a.command for a in actions if a.operation == Operation.MANUAL}
    return False


def refused(plan: Plan, r: Remedy) -> bool:
    """A rule open to every address, which the plan says it does not make."""
    prefix = r.param("remote_ip_prefix")
    return (
        r.op == RULE_OP
        and bool(prefix)
        and net(prefix).prefixlen == 0
        and any("open-to-all" in getattr(n, "key", "") for n in plan.not_planned)
    )


def assert_planned(snapshot: Snapshot) -> int:
    """The number of changes diagnose prints for ``snapshot``'s root causes, each planned."""
    diagnosis = diagnose(snapshot)
    plan = build_plan(snapshot, diagnosis=diagnosis)
    n = 0
    for cause in diagnosis.root_causes:
        for r in cause.fix.remedies:
            assert planned(plan, r) or refused(plan, r), (cause.key, command_for(r))
            n += 1
    return n


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_plan_makes_every_change_diagnose_prints(path: Path) -> None:
    assert_planned(load_snapshot(path))


@pytest.mark.parametrize("check", sorted(CASES))
def test_the_plan_makes_every_change_diagnose_prints_for_each_checks_failure(check: str) -> None:
    assert_planned(build(CASES[check][1]()))
