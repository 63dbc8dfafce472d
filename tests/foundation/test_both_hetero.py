"""Flow families whose security groups differ on BOTH sides (docs/engine.md "Scale by
construction"; kostack_testkit.bothhetero): sources in many super-classes (per-node egress
sets, per-node stateless reply sets) against targets in many.

The counts must be those of tracing every pair, and the traces one per situation (relation,
patterns), not one per source super-class: 200 nodes with per-node stateless groups took
6,819 traces and 40 s, the same cluster with one shared group 87.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.family_records import End, hop_id
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import PASSING
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.topology import Topology
from kostack.model import loads_snapshot
from kostack_testkit.bothhetero import KINDS, both_hetero_doc
from kostack_testkit.builders import build, rule, set_calico_mode
from kostack_testkit.subnets import subnets_doc

Doc = dict[str, Any]
REMOTES = ["10.0.0.0/16", "10.128.0.0/10", "0.0.0.0/0", "10.0.1.0/30"]


Ends = dict[Any, tuple[set[int], set[int]]]  # hop -> ids of failing sources, targets


def _brute(
    topos: list[Topology], ends: list[End], flow: tuple[str, int | None]
) -> tuple[list[Counter[Any]], list[Ends]]:
    """Every pair across nodes traced: per world, the failing pairs per attributed hop, and
    the ends of those pairs."""
    per = [Counter[Any]() for _ in topos]
    who: list[Ends] = [{} for _ in topos]
    for s in ends:
        for t in ends:
            if s.name == t.name:
                continue
            results = [trace(tp, s.endpoint, t.endpoint, *flow, full=True)[0] for tp in topos]
            failing = [[h for h in r.hops if h.disposition not in PASSING] for r in results]
            common: set[Any] = set()
            if all(failing):
                common = set.intersection(*({hop_id(h) for h in f} for f in failing))
            for w, hops in enumerate(failing):
                if hops:
                    hid = hop_id(next((h for h in hops if hop_id(h) in common), hops[0]))
                    per[w][hid] += 1
                    src, dst = who[w].setdefault(hid, (set(), set()))
                    src.add(id(s))
                    dst.add(id(t))
    return per, who


def _random_doc(seed: int) -> Doc:
    """10 nodes (on one subnet, or on three with a router), each in a group of its own whose
    egress and reply rules name random ports and remotes, the next node's /32 among them;
    some groups stateless."""
    rng = random.Random(seed)
    doc = both_hetero_doc(10, rng.choice(KINDS), pods_per_node=1)
    if seed % 2:  # the same groups over three subnets (relations same, joined, apart)
        spread = subnets_doc(10, 3, mixed=seed % 4 == 3)
        for port, mine in zip(
            spread["openstack"]["ports"], doc["openstack"]["ports"], strict=False
        ):
            port["security_group_ids"] = mine["security_group_ids"]
        spread["openstack"]["security_groups"] = doc["openstack"]["security_groups"]
        doc = spread
    mode = rng.choice([{}, {"vxlan": "Always"}, {"vxlan": "CrossSubnet"}, {"ipip": "Always"}])
    set_calico_mode(doc, **mode)
    doc["openstack"]["backend"] = rng.choice(["ml2/ovn", "ml2/ovs"])
    ips = [n["internal_ip"] for n in doc["cluster"]["nodes"]]
    for i, grp in enumerate(doc["openstack"]["security_groups"]):
        grp["stateful"] = rng.random() < 0.5
        sg = grp["id"]
        for _ in range(rng.randint(0, 3)):
            direction = rng.choice(["ingress", "egress"])
            proto = rng.choice(["tcp", "udp", None])
            port = rng.choice([(32768, 60999), (40000, 65535), 179, 8080, (1, 65535)])
            remote = rng.choice([*REMOTES, f"{ips[(i + rng.randint(1, 3)) % len(ips)]}/32"])
            grp["rules"].append(
                rule(sg, direction, proto, port if proto else None, remote, name=str(rng.random()))
            )
        if rng.random() < 0.3:  # egress to the pods only: node traffic's egress dropped
            grp["rules"] = [r for r in grp["rules"] if r["direction"] == "ingress"]
            grp["rules"].append(rule(sg, "egress", None, None, "10.128.0.0/10", name="pods"))
    return doc


@pytest.mark.parametrize("seed", range(8))
def test_families_count_as_tracing_every_pair_when_both_sides_differ(seed: int) -> None:
    flows = ClusterFlows(build(_random_doc(seed)))
    checked = 0
    for kind, flow in (
        ("pod", ("tcp", 8080)),
        ("pod", ("icmp", None)),
        ("node", ("tcp", 179)),
        ("node", ("udp", 53)),
    ):
        ends = flows.pods if kind == "pod" else flows.nodes
        result = flows.families.evaluate(ends, ends, lambda s, t, f=flow: f)
        got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
        per, who = _brute(flows.topos, ends, flow)
        assert got == per, (seed, kind, flow)
        for w, facts in enumerate(result.facts):
            for f in facts:  # its classes: those with an end in one of its failing pairs
                for side, classes in (("src", f.src_classes), ("dst", f.dst_classes)):
                    failing = who[w][f.hop][0 if side == "src" else 1]
                    members = [{id(m) for m in result.members(side, {c})} for c in classes]
                    assert all(m & failing for m in members), (seed, kind, flow, side)
                    assert failing <= set().union(*members), (seed, kind, flow, side)
                    # the ends it names: every failing one, and none outside its classes
                    named = {id(m) for m in (f.src_ends if side == "src" else f.dst_ends)}
                    assert failing <= named <= set().union(*members), (seed, kind, flow, side)
        checked += result.total
    assert checked > 0


@pytest.mark.parametrize("kind", KINDS)
def test_traces_are_per_situation_not_per_source_super_class(kind: str) -> None:
    """40 nodes, each in a group of its own on both sides: as many traces as the same cluster
    with one shared group, give or take the situations only per-node groups have (6,819 at
    200 nodes before, 87 shared)."""
    counts = {}
    for het in (True, False):
        doc = both_hetero_doc(40, kind, heterogeneous=het, pods_per_node=1)
        d = diagnose(loads_snapshot(json.dumps(doc)))
        counts[het] = d.classes
    sources, targets, traces = counts[True]
    assert sources >= 38 and targets >= 38, counts  # both sides do differ
    assert traces <= 2 * counts[False][2], counts


@pytest.mark.parametrize("kind", KINDS)
def test_super_class_pairs_are_not_visited_one_by_one(kind: str, monkeypatch: Any) -> None:
    """Twice the nodes, each in a group of its own on both sides: the super-class pairs
    judged one by one stay as few (they were every pair of nodes, per family: the cost was
    their product)."""
    from kostack.analyze.engine import pairs

    def counted(nodes: int) -> int:
        calls = [0]
        real = pairs.Run._relation

        def spy(self: Any, *args: Any) -> Any:
            calls[0] += 1
            return real(self, *args)

        monkeypatch.setattr(pairs.Run, "_relation", spy)
        diagnose(loads_snapshot(json.dumps(both_hetero_doc(nodes, kind, pods_per_node=1))))
        monkeypatch.setattr(pairs.Run, "_relation", real)
        return calls[0]

    small, big = counted(20), counted(40)
    assert big <= small + 10, (small, big)


@pytest.mark.parametrize("kind", KINDS)
def test_a_shape_pairs_counts_do_not_grow_with_its_classes(kind: str, monkeypatch: Any) -> None:
    """Twice the nodes, each in a group of its own on both sides: the counts a shape pair
    keeps are shared by the classes of the same patterns and subnet (shapes.py
    `ShapeCounts`), not a dict per class: the constant per class was most of the cost."""
    from kostack.analyze.engine import pairs

    def counted(nodes: int) -> int:
        made: list[Any] = []
        real = pairs.ShapeCounts

        class Spy(real):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any) -> None:
                super().__init__(*args)
                made.append(self)

        monkeypatch.setattr(pairs, "ShapeCounts", Spy)
        diagnose(loads_snapshot(json.dumps(both_hetero_doc(nodes, kind, pods_per_node=1))))
        monkeypatch.setattr(pairs, "ShapeCounts", real)
        assert made
        # a class's counts: a dict of its own (before), or the shared dicts it sums (now)
        return len(
            {
                id(d)
                for c in made
                for per_class in (c.js, c.jt)
                for v in per_class.values()
                for d in ([v] if isinstance(v, dict) else v)
            }
        )

    small, big = counted(20), counted(40)
    assert big <= small + 10, (small, big)


def test_per_node_groups_compile_to_shared_rules() -> None:
    """40 per-node groups that differ in a /32 each: their compiled rules are one object per
    distinct rule (addrsets.py `Universe.rules`), not one per group and rule."""
    from kostack.analyze.engine.addrsets import SetEngine, Universe

    snap = loads_snapshot(json.dumps(both_hetero_doc(40, "stateless", pods_per_node=1)))
    topo = Topology(snap)
    universe = Universe([ip for v in topo.node_views.values() for ip in v.ips])
    engine = SetEngine(topo, universe)
    rules = 0
    for gid in topo.groups:
        rules += sum(len(b) for b in engine._compiled(gid).buckets.values())
    distinct = {id(r) for _, c in universe.compiled.values() for b in c.buckets.values() for r in b}
    assert len(topo.groups) == 40 and rules > 8 * 40, rules
    assert len(distinct) <= rules // 4, (len(distinct), rules)
