"""A rule Neutron refuses for good (the project's rule quota) is asked for once, not every pass.

Real Neutron, real quota: with the project at its security-group-rule quota,
creating a rule answers 409 OverQuota (neutron quota engine; the same answer
every time until the quota is raised or rules are deleted). Guard reports the
refusal, does not count it as a failure (no 5 s back-off loop) and does not send
the same create again for `RULE_RETRY_PASSES` passes; after that it asks once
more (an operator may have raised the quota) and, once the quota allows, makes
the rule.
"""

from __future__ import annotations

import pytest
from guard_testing import GuardWorld

from kostack.guard.enforce import RULE_RETRY_PASSES

pytestmark = pytest.mark.neutron


def _need_rules(w: GuardWorld) -> int:
    """Drop the `default` group's members-admit-members rules: the nodes then need rules
    between them (kubelet, BGP, Typha, pod sources) that guard adds to k8s-nodes."""
    w.fix_by_hand()
    for rule in w.conn.network.security_group_rules(
        security_group_id=w.ids.default_sg_id, direction="ingress"
    ):
        w.conn.network.delete_security_group_rule(rule.id)
    return len(list(w.conn.network.security_group_rules()))


def test_a_rule_refused_for_quota_is_not_asked_for_every_pass(guard_world: GuardWorld) -> None:
    w = guard_world
    count = _need_rules(w)
    w.conn.network.update_quota(w.ids.project_id, security_group_rules=count)
    creates: list[str] = []
    loop = w.loop("enforce", before_write=lambda kind, target: creates.append(kind))

    first = loop.run_pass()
    refused = [d for d in first.done if d.action == "add-rule"]
    assert refused and {d.outcome for d in refused} == {"failed"}
    assert all("OverQuota" in d.error for d in refused), [d.error for d in refused]
    asked = creates.count("rule-add")
    assert asked == len(refused)

    for _ in range(RULE_RETRY_PASSES - 1):
        again = loop.run_pass()
        assert {d.outcome for d in again.done if d.action == "add-rule"} == {"refused"}
        assert loop.failures == 0  # a standing refusal is no outage to back off from
    assert creates.count("rule-add") == asked  # nothing sent again
    said = [line for line in w.logs if "not sent again" in line]
    assert len(said) == len(refused) * (RULE_RETRY_PASSES - 1), w.logs
    assert "OverQuota" in said[0] and "tries it again" in said[0], said[0]

    # the quota raised: the next retry makes the rules
    w.conn.network.update_quota(w.ids.project_id, security_group_rules=count + 20)
    fixed = loop.run_pass()
    assert {d.outcome for d in fixed.done if d.action == "add-rule"} == {"applied"}
    assert creates.count("rule-add") == 2 * asked
    assert loop.run_pass().result == "clean"
