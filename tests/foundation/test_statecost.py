"""The cost of per-node groups (docs/engine.md "both-hetero"): what is computed once per
content, and that what is shared that way is never shared by mistake.

A per-node group (one per VM) repeats every rule of the others but a /32: the admitted set
of a query that reads none of the differing rules was computed once per group (1,000 nodes:
14,000 egress sets of 16 distinct contents), and each remedy's command was rendered once
per place the answer says it (16,110 renders of 6,052 commands).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from kostack.analyze import findings as findings_mod
from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine import addrsets
from kostack.analyze.engine.addrsets import SetEngine, Universe
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.findings import Remedy, command_for
from kostack.analyze.topology import Topology
from kostack.model import loads_snapshot
from kostack.report.jsonout import diagnosis_dict, dumps
from kostack.shell import render
from kostack_testkit.bothhetero import both_hetero_doc
from kostack_testkit.builders import fake_id, rule

Doc = dict[str, Any]


def _engine(doc: Doc) -> tuple[Topology, SetEngine]:
    topo = Topology(loads_snapshot(json.dumps(doc)))
    return topo, SetEngine(topo, Universe([ip for v in topo.node_views.values() for ip in v.ips]))


def _ports(topo: Topology) -> list[Any]:
    return [v.port for v in topo.node_views.values() if v.port is not None]


def test_groups_of_one_content_share_one_computed_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """40 per-node groups whose egress rules are the same: one egress set computed, one
    object; their ingress sets (each admits the next node's /32) stay each their own."""
    topo, engine = _engine(both_hetero_doc(40, "stateless", pods_per_node=1))
    merged: list[int] = []
    real = addrsets.merge

    def counted(ranges: Any) -> addrsets.Ranges:
        merged.append(1)
        return real(ranges)

    ports = _ports(topo)
    for gid in topo.groups:
        engine._compiled(gid)  # a rule's prefix is merged once, when its group is compiled
    monkeypatch.setattr(addrsets, "merge", counted)
    assert len({tuple(p.security_group_ids) for p in ports}) == 40
    egress = {id(engine.admitted(p, Query("egress", 4, 6, 8080))) for p in ports}
    assert egress == {id(engine.admitted(ports[0], Query("egress", 4, 6, 8080)))}
    assert len(merged) == 1, len(merged)
    reply = [engine.admitted(p, Query("ingress", 4, 6, None, "part")) for p in ports]
    assert len({a.ranges for a in reply}) == 40  # the next node's /32 each


def test_same_rules_other_remote_group_are_not_shared() -> None:
    """Two groups with the same rules but for the remote group they name admit each its own
    members; and a group missing from the snapshot is undecided where an empty one is not."""
    doc = both_hetero_doc(4, "stateless", pods_per_node=1)
    groups = doc["openstack"]["security_groups"]
    own = [g["id"] for g in groups]
    twins = []
    for name, remote in (("a", own[0]), ("b", own[1])):
        sg = fake_id("sg", f"twin-{name}")
        twins.append(sg)
        groups.append({"id": sg, "name": name, "rules": [rule(sg, "ingress", "tcp", 80)]})
        groups[-1]["rules"][0]["remote_group_id"] = remote
    empty = fake_id("sg", "empty")
    groups.append({"id": empty, "name": "empty", "rules": []})
    ports = doc["openstack"]["ports"]
    ports[2]["security_group_ids"], ports[3]["security_group_ids"] = [twins[0]], [twins[1]]
    topo, engine = _engine(doc)
    q = Query("ingress", 4, 6, 80)
    by_id = {p.id: p for p in _ports(topo)}
    a, b = (engine.admitted(by_id[ports[i]["id"]], q) for i in (2, 3))
    assert a.ranges == engine.members(own[0]) and b.ranges == engine.members(own[1])
    assert a.ranges and b.ranges and a.ranges != b.ranges
    port = by_id[ports[2]["id"]]
    missing = port.model_copy(update={"id": "missing", "security_group_ids": ["nowhere"]})
    nothing = port.model_copy(update={"id": "nothing", "security_group_ids": [empty]})
    assert engine.admitted(missing, q).undecided and not engine.admitted(nothing, q).undecided


def test_same_rules_stateful_and_stateless_are_judged_apart() -> None:
    """One group's rules (replies admitted from one /32 only) in a stateless group and in a
    stateful twin: the same admitted sets, but only the stateless group's clients lose their
    replies."""
    doc = both_hetero_doc(6, "stateless", heterogeneous=False, pods_per_node=1)
    groups = doc["openstack"]["security_groups"]
    twin = copy.deepcopy(groups[0])
    twin["id"], twin["name"], twin["stateful"] = fake_id("sg", "twin"), "twin", True
    for i, r in enumerate(twin["rules"]):
        r["id"] = fake_id("rule", f"twin-{i}")
    groups.append(twin)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    stateful = set()
    for i, port in enumerate(doc["openstack"]["ports"]):
        if i % 2 and port["id"] in names:
            port["security_group_ids"] = [twin["id"]]
            stateful.add(names[port["id"]])
    result = diagnose(loads_snapshot(json.dumps(doc)))
    dropped = [f for f in result.findings if f.check_id == "net-sg-stateless"]
    clients = {n for f in dropped if f.cause == "sg-stateless" for n in f.nodes}
    assert stateful and clients and not clients & stateful, (clients, stateful)


def test_each_remedy_command_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A remedy's command is said in its finding, its root cause and their command lists:
    rendered once (the remedy is frozen), and a changed copy renders its own."""
    snap = loads_snapshot(json.dumps(both_hetero_doc(12, "stateless", pods_per_node=1)))
    rendered: Counter[int] = Counter()
    real = findings_mod.argv_for

    def counted(r: Remedy) -> tuple[str, ...] | None:
        rendered[id(r)] += 1
        return real(r)

    monkeypatch.setattr(findings_mod, "argv_for", counted)
    result = diagnose(snap)
    answer = json.loads(dumps(diagnosis_dict(result, "test")))
    fixes = [r for rc in result.root_causes for r in rc.fix.remedies]
    assert len(fixes) > 12 and max(rendered.values()) == 1, rendered.most_common(1)
    assert [c for rc in answer["root_causes"] for c in rc["fix"]["commands"]] == [
        real_command(r) for r in fixes
    ]
    other = replace(fixes[0], target_id="sg-other")
    assert command_for(other) != command_for(fixes[0]) and "sg-other" in command_for(other)


def real_command(r: Remedy) -> str:
    """The command rendered afresh (what the remembered one must be)."""
    argv = findings_mod.argv_for(r)
    return render(argv) if argv is not None else command_for(replace(r))
