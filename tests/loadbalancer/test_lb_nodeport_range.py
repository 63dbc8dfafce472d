"""Many blocked NodePorts in one plan: more than THRESHOLD single-NodePort rules into one group
from one cluster-internal source become one rule over the NodePort range (with a note saying what
it opens); rules open to every address or to an OVN Service's client ranges never do; a plan
that takes the project past Neutron's default rule quota (100) says so."""

from __future__ import annotations

from typing import Any

from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation, Plan
from kostack.plan.nodeport_range import THRESHOLD
from kostack_testkit.builders import build
from kostack_testkit.lb_scale import many_blocked


def _plan(doc: dict[str, Any]) -> Plan:
    return build_plan(build(doc))


def _rules(plan: Plan) -> list[Any]:
    return [a for a in plan.actions if a.operation == Operation.ADD_SG_RULE]


def _spans(plan: Plan) -> set[tuple[str | None, int, int]]:
    return {
        (a.rule.remote_ip_prefix, a.rule.port_range_min, a.rule.port_range_max)
        for a in _rules(plan)
    }


def _fixed(plan: Plan) -> bool:
    before = [r.key for r in plan.verification.before]
    after = [r.key for r in plan.verification.after]
    return "lb-nodeport-blocked" in before and "lb-nodeport-blocked" not in after


def test_up_to_the_threshold_each_nodeport_keeps_its_rule() -> None:
    plan = _plan(many_blocked(THRESHOLD))
    assert len(_rules(plan)) == THRESHOLD
    assert all(a.rule.port_range_min == a.rule.port_range_max for a in _rules(plan))
    assert _fixed(plan)


def test_past_the_threshold_one_range_rule_from_the_member_subnet() -> None:
    plan = _plan(many_blocked(THRESHOLD + 1))
    (action,) = _rules(plan)
    assert _spans(plan) == {("10.0.0.0/24", 30000, 32767)}
    assert action.fixes == ("lb-nodeport-blocked",)
    why = localize(action.reason, "en")
    assert why.startswith(
        f"admit load balancer traffic to the NodePorts of {THRESHOLD + 1} Services"
    )
    (note,) = action.notes
    en = localize(note, "en")
    assert f"instead of {THRESHOLD + 1} single-NodePort rules" in en
    assert "NodePorts 30000-32767 from 10.0.0.0/24" in en and "quota of 100" in en
    assert "NodePort 30000-32767" in localize(note, "ko")
    assert _fixed(plan)  # the plan's own verification: the cause is gone
    assert not plan.warnings or all("quota" not in localize(w, "en") for w in plan.warnings)


def test_ovn_client_rules_are_never_widened() -> None:
    # public OVN Services: the clients' 0.0.0.0/0 rules stay one NodePort each; the provider's
    # health-check port (inside the subnet) gets the range
    plan = _plan(many_blocked(THRESHOLD + 5, "ovn"))
    spans = _spans(plan)
    assert ("10.0.0.5/32", 30000, 32767) in spans
    world = [s for s in spans if s[0] == "0.0.0.0/0"]
    assert len(world) == THRESHOLD + 5 and all(lo == hi for _, lo, hi in world)
    # client ranges, even private ones inside the node subnet, stay one NodePort each too
    plan = _plan(many_blocked(THRESHOLD + 5, "ovn", ("10.0.0.128/25", "198.51.100.0/24")))
    for prefix in ("10.0.0.128/25", "198.51.100.0/24"):
        mine = [s for s in _spans(plan) if s[0] == prefix]
        assert len(mine) == THRESHOLD + 5 and all(lo == hi for _, lo, hi in mine)
    assert _fixed(plan)


def test_a_plan_past_the_rule_quota_says_so() -> None:
    plan = _plan(many_blocked(120, "ovn"))
    assert len(_rules(plan)) == 121
    (warning,) = [w for w in plan.warnings if "quota_security_group_rule" in localize(w, "en")]
    assert "adds 121 security-group rules" in localize(warning, "en")
    assert "규칙 121개를 추가하는데" in localize(warning, "ko")


def test_a_thousand_services_plan_one_rule() -> None:
    plan = _plan(many_blocked(1000))
    assert _spans(plan) == {("10.0.0.0/24", 30000, 32767)}
    assert _fixed(plan)


def test_a_project_already_past_the_default_quota_is_not_warned() -> None:
    from kostack.plan.nodeport_range import over_quota

    assert over_quota(121, {"g": 9}) == 130
    assert over_quota(5, {"g": 96}) == 101
    assert over_quota(4, {"g": 96}) is None
    assert over_quota(9, {"g": 213}) is None  # the quota was raised; its size is not known
