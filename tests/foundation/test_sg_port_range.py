"""A short port range between nodes (etcd's TCP 2379-2380 between control planes) is judged
port by port: a rule admitting 2379 only said "Security groups admit etcd (tcp 2379-2380)"
though etcd's peers talk on 2380."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.catalog import localize
from kostack_testkit.builders import (
    _BASE_NODE_RULES,
    SG_NODES,
    _custom_group_only,
    build,
    rule,
    seed_doc,
)


def _three_control_planes(*etcd: tuple[int, int]) -> dict[str, Any]:
    doc = seed_doc()
    for node in doc["cluster"]["nodes"][1:3]:
        node["roles"] = ["control-plane"]
    _custom_group_only(
        doc,
        [*_BASE_NODE_RULES, *(rule(SG_NODES, "ingress", "tcp", p, group=SG_NODES) for p in etcd)],
    )
    return doc


def _etcd(doc: dict[str, Any]) -> list[Any]:
    found = diagnose(build(doc)).findings
    return [f for f in found if "etcd" in localize(f.message, "en")]


def test_a_rule_for_2379_only_leaves_etcd_peers_dropped() -> None:
    (f,) = _etcd(_three_control_planes((2379, 2379)))
    assert f.status == Status.FAIL
    assert "etcd (tcp 2380)" in localize(f.message, "en")
    (remedy,) = f.remedies
    assert dict(remedy.params)["port_range_min"] == "2380"


def test_the_range_or_two_rules_pass_as_one_finding() -> None:
    for rules in (((2379, 2380),), ((2379, 2379), (2380, 2380))):
        (f,) = _etcd(_three_control_planes(*rules))
        assert f.status == Status.PASS
        assert "etcd (tcp 2379-2380) between nodes (6 node pairs checked)" in localize(
            f.message, "en"
        )


def test_both_ports_dropped_is_one_finding_with_one_rule_for_the_range() -> None:
    (f,) = _etcd(_three_control_planes())
    assert f.status == Status.FAIL and "etcd (tcp 2379-2380)" in localize(f.message, "en")
    (remedy,) = f.remedies
    params = dict(remedy.params)
    assert (params["port_range_min"], params["port_range_max"]) == ("2379", "2380")
