"""`Rule.key()` is what the real Neutron calls a duplicate, case by case.

Neutron refuses a rule whose key equals one the group holds (409
SecurityGroupRuleExists; neutron db/securitygroups_db.py `_rule_to_key`,
`_check_for_duplicate_rules`). kostack compares a planned rule with the rules it
reads back by `Rule.key()`: plan drops what exists, apply finds the rule it made,
guard finds the rules it owns. Each case below creates the first rule on the
real Neutron, reads it back the two ways kostack does (the snapshot's collector,
apply's reader), then creates the second as kostack would plan it: the keys are
equal exactly when Neutron answers 409.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states, harness_snapshot
from openstack import exceptions as os_exc

from kostack.apply.engine import APPLIED, apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.collect._neutron_records import _rule as collected_rule
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack.plan.rules import Rule, rule_of
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy

pytestmark = pytest.mark.neutron

_TCP = {"protocol": "tcp", "port_range_min": 179, "port_range_max": 179}

# (first rule as created, second rule as planned, why): the body of each is what
# `openstack security group rule create` sends (direction ingress unless given)
DUPLICATES: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (
        {"ethertype": "IPv6", "protocol": "ipv6-icmp"},
        {"ethertype": "IPv6", "protocol": "icmp"},
        "icmp in an IPv6 rule is stored as ipv6-icmp",
    ),
    (
        {"ethertype": "IPv6", "protocol": "icmp"},
        {"ethertype": "IPv6", "protocol": "58"},
        "1/icmp and 58/ipv6-icmp/icmpv6 are one protocol for IPv6",
    ),
    (
        {"ethertype": "IPv6", "protocol": "1"},
        {"ethertype": "IPv6", "protocol": "icmpv6"},
        "the number 1 too",
    ),
    (
        {"ethertype": "IPv4", "protocol": "icmp"},
        {"ethertype": "IPv4", "protocol": "1"},
        "names and numbers alike",
    ),
    (
        {"ethertype": "IPv4", **_TCP},
        {"ethertype": "IPv4", **_TCP, "protocol": "6"},
        "tcp is 6",
    ),
    (
        {"ethertype": "IPv6", "protocol": "ipv6-frag"},
        {"ethertype": "IPv6", "protocol": "44"},
        "every name Neutron knows is its number",
    ),
    (
        {"ethertype": "IPv4", "protocol": "ip"},
        {"ethertype": "IPv4", "protocol": "0"},
        "ip is 0",
    ),
    (
        {"ethertype": "IPv4", **_TCP},
        {"ethertype": "IPv4", **_TCP, "remote_ip_prefix": "0.0.0.0/0"},
        "0.0.0.0/0 is no remote at all",
    ),
    (
        {"ethertype": "IPv6", **_TCP, "remote_ip_prefix": "::/0"},
        {"ethertype": "IPv6", **_TCP},
        "::/0 is no remote at all",
    ),
    (
        {"ethertype": "IPv4", "protocol": "tcp"},
        {"ethertype": "IPv4", "protocol": "tcp", "port_range_min": 1, "port_range_max": 65535},
        "every port is stored as no range",
    ),
    (
        {"ethertype": "IPv4", **_TCP, "description": "someone"},
        {"ethertype": "IPv4", **_TCP, "description": "kostack: BGP"},
        "the description is not compared",
    ),
    (
        {"ethertype": "IPv4", **_TCP, "remote_ip_prefix": "10.0.0.7"},
        {"ethertype": "IPv4", **_TCP, "remote_ip_prefix": "10.0.0.7/32"},
        "an address is stored as its /32",
    ),
]
DISTINCT: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (
        {"ethertype": "IPv4"},
        {"ethertype": "IPv4", "protocol": "0"},
        "protocol 0 is not 'any'",
    ),
    (
        {"ethertype": "IPv4", "protocol": "hopopt"},
        {"ethertype": "IPv4", "protocol": "0"},
        "hopopt is not 0 (Neutron compares the number 0 with the name ip)",
    ),
    (
        {"ethertype": "IPv4", "protocol": "icmp", "port_range_min": 8, "port_range_max": 0},
        {"ethertype": "IPv4", "protocol": "icmp"},
        "an ICMP type is part of the rule",
    ),
    (
        {"ethertype": "IPv4", **_TCP},
        {"ethertype": "IPv4", **_TCP, "direction": "egress"},
        "the direction",
    ),
    (
        {"ethertype": "IPv4", "protocol": "icmp"},
        {"ethertype": "IPv6", "protocol": "icmp"},
        "the ethertype",
    ),
    (
        {"ethertype": "IPv4", **_TCP, "remote_ip_prefix": "10.0.0.0/24"},
        {"ethertype": "IPv4", **_TCP, "remote_ip_prefix": "10.0.0.0/16"},
        "another prefix, even a wider one",
    ),
    (
        {"ethertype": "IPv4", **_TCP, "remote_group_id": "SELF"},
        {"ethertype": "IPv4", **_TCP},
        "a remote group is not anywhere",
    ),
    (
        {"ethertype": "IPv4", **_TCP, "remote_address_group_id": "AG"},
        {"ethertype": "IPv4", **_TCP},
        "a remote address group is not anywhere",
    ),
]


def _body(spec: dict[str, Any], group: str, address_group: str) -> dict[str, Any]:
    body = {"direction": "ingress", **spec, "security_group_id": group}
    if body.get("remote_group_id") == "SELF":
        body["remote_group_id"] = group
    if body.get("remote_address_group_id") == "AG":
        body["remote_address_group_id"] = address_group
    body["ether_type"] = body.pop("ethertype")
    return body


def _planned(body: dict[str, Any]) -> Rule:
    """The rule as kostack would plan it (what `Neutron.create_rule` sends)."""
    return Rule(
        direction=body["direction"],
        ethertype=body["ether_type"],
        protocol=body.get("protocol"),
        port_range_min=body.get("port_range_min"),
        port_range_max=body.get("port_range_max"),
        remote_ip_prefix=body.get("remote_ip_prefix"),
        remote_group_id=body.get("remote_group_id"),
        **(
            {"remote_address_group_id": body["remote_address_group_id"]}
            if "remote_address_group_id" in body
            else {}
        ),
        description=body.get("description", ""),
    )


CASES = [(*c, True) for c in DUPLICATES] + [(*c, False) for c in DISTINCT]


@pytest.mark.parametrize(("first", "second", "why", "same"), CASES, ids=[c[2] for c in CASES])
def test_key_equal_exactly_when_neutron_says_duplicate(
    neutron: str, first: dict[str, Any], second: dict[str, Any], why: str, same: bool
) -> None:
    conn = openstack_connection(neutron)
    group = conn.network.create_security_group(name="keys").id
    address_group = conn.network.create_address_group(name="ag", addresses=["10.0.0.0/24"]).id
    made = conn.network.create_security_group_rule(**_body(first, group, address_group))
    # the API's own JSON, as the collector reads it
    raw = conn.network.get(f"/security-group-rules/{made.id}").json()["security_group_rule"]
    read = {r.id: r.rule for r in Neutron(conn).group(group).rules}[made.id]
    second_body = _body(second, group, address_group)
    try:
        conn.network.create_security_group_rule(**second_body)
        duplicate = False
    except os_exc.ConflictException as exc:
        assert "already exists" in str(exc), exc
        duplicate = True
    assert duplicate is same, f"Neutron changed its mind: {why}"
    planned = _planned(second_body)
    assert (rule_of(collected_rule(raw)).key() == planned.key()) is duplicate, why
    assert (read.key() == planned.key()) is duplicate, why


def test_an_ipv6_icmp_rule_whose_answer_was_lost_is_found_and_rolled_back(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """kostack plans `icmp` in an IPv6 rule; Neutron stores `ipv6-icmp`. A create whose answer
    is lost is settled by reading the group: the rule there is kostack's (applied), and
    rollback deletes it (before, the read did not recognise it: apply failed, and rollback
    left kostack's rule behind)."""
    original = seed_cloud.state()
    plan = build_plan(harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn"))
    (action,) = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    rule = Rule(
        "ingress", "IPv6", "icmp", remote_ip_prefix="fd00:10:244::/56", description="kostack: t"
    )
    plan = replace(plan, actions=(replace(action, rule=rule),))
    fault_proxy.inject(FaultKind.RESET, "POST", r"^/v2\.0/security-group-rules$", forward=True)
    journal = tmp_path / "j.jsonl"
    with Journal.create(journal, plan) as j:
        report = apply_plan(j, Neutron(openstack_connection(fault_proxy.endpoint)), backoff_s=0.0)
    assert report.ok, report.problems
    (step,) = report.steps
    assert step.outcome == APPLIED, step
    made = [
        r
        for r in seed_cloud.state()["security_groups"][action.target.id]["security_group_rules"]
        if r["ethertype"] == "IPv6" and r["direction"] == "ingress"
    ]
    assert [r["protocol"] for r in made] == ["ipv6-icmp"]
    with Journal.open(journal) as j:
        assert rollback_journal(j, Neutron(openstack_connection(seed_cloud.endpoint))).ok
    assert diff_states(original, seed_cloud.state()) == []


def test_a_broader_rule_already_there_counts_as_covered(seed_cloud: SeedCloud) -> None:
    """Not a duplicate for Neutron, yet nothing to add: an any-protocol rule from the nodes'
    group admits BGP (179), kubelet (10250) and Typha (5473) between the nodes, and the plan
    (guard's too: the same builder) proposes none of them."""
    conn = openstack_connection(seed_cloud.endpoint)
    ids = seed_cloud.neutron.ids
    for rule in conn.network.security_group_rules(
        security_group_id=ids.default_sg_id, direction="ingress"
    ):
        conn.network.delete_security_group_rule(rule.id)
    wanted = build_plan(harness_snapshot(seed_cloud.endpoint)).automatic
    ports = {a.rule.port_range_min for a in wanted if a.rule is not None}
    assert {179, 10250, 5473} <= ports
    conn.network.create_security_group_rule(
        security_group_id=ids.nodes_sg_id,
        direction="ingress",
        ether_type="IPv4",
        remote_group_id=ids.nodes_sg_id,
    )
    again = build_plan(harness_snapshot(seed_cloud.endpoint))
    assert [a for a in again.automatic if a.operation == Operation.ADD_SG_RULE] == []


def test_rollback_deletes_kostacks_rule_by_id_never_an_equal_one_made_since(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """Neutron holds one rule per key: while kostack's rule is there, a person's equal create
    is refused (409). Once a person replaced it (deleted kostack's, created their own, same
    key), rollback deletes by the journaled id: theirs stays."""
    conn = openstack_connection(seed_cloud.endpoint)
    plan = build_plan(harness_snapshot(seed_cloud.endpoint, backend="ml2/ovn"))
    (action,) = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    assert action.rule is not None
    journal = tmp_path / "j.jsonl"
    with Journal.create(journal, replace(plan, actions=(action,))) as j:
        assert apply_plan(j, Neutron(conn)).ok
    body = {
        "security_group_id": action.target.id,
        "direction": action.rule.direction,
        "ether_type": action.rule.ethertype,
        "remote_ip_prefix": action.rule.remote_ip_prefix,
        "description": "team-b: pods may reach our VMs",
    }
    with pytest.raises(os_exc.ConflictException):
        conn.network.create_security_group_rule(**body)
    (ours,) = [
        r.id
        for r in conn.network.security_group_rules(security_group_id=action.target.id)
        if r.description == action.rule.description
    ]
    conn.network.delete_security_group_rule(ours)
    theirs = conn.network.create_security_group_rule(**body).id
    with Journal.open(journal) as j:
        report = rollback_journal(j, Neutron(conn))
    assert report.ok and [s.outcome for s in report.steps] == ["already-original"]
    assert theirs in {r.id for r in conn.network.security_group_rules()}
