"""The pairs a small range decides (shape_sides.py `ShapeSides.hits`), without a product.

Per-node groups that all admit one shared group whose members interleave with other addresses
(`kostack_testkit.hostile.interleaved_doc`) give every node's set a range per member. Cut range
by range, each member's range was a small range of every node's set, and `hits` paired every
node with every member: nodes x members. The admitted sets now carry their shared part
(addrsets.py `Universe.splits`), which `Cuts` keeps whole as a coarse set, one class for every
set that holds it: only a set's own few ranges are small.

Equivalence is the bar: on seeded random snapshots the pairs moved out of their coarse
patterns' situation are those a naive pass over every pair of ends finds, and the diagnosis is
the one the plain union (no shared part: every range cut by its width) gives.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from ipaddress import ip_network
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine import addrsets, shapes
from kostack.analyze.engine.addrsets import Ranges, merge
from kostack.analyze.engine.family_records import End, EndClass
from kostack.analyze.engine.shape_sides import ShapeSides
from kostack.model import loads_snapshot
from kostack.report.jsonout import diagnosis_dict, dumps
from kostack_testkit.builders import fake_id, new_group_rules, ports_of, rule, synthetic_doc
from kostack_testkit.hostile import interleaved_doc

CASES = 200
SEED = 9


def _hits_work(nodes: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """Over a diagnosis of ``nodes`` interleaved nodes: the positions `hits` looked up (those
    its small ranges hold, once to collect the ends there and once to pair them), the ends it
    read (a call of its end functions each) and the pairs it gave."""
    hits = ShapeSides.hits
    work = [0, 0, 0]

    def counted(self: ShapeSides, src_ends: Any, dst_ends: Any) -> Any:
        def wrap(ends: Callable[[EndClass], Sequence[End]]) -> Any:
            def one(c: EndClass) -> Sequence[End]:
                work[1] += 1
                return ends(c)

            return one

        for side in (self.src, self.dst):
            work[0] += sum(hi - lo for v in side.small.values() for lo, hi, _ in v)
        found = hits(self, wrap(src_ends), wrap(dst_ends))
        work[2] += len(found)
        return found

    with monkeypatch.context() as m:
        m.setattr(ShapeSides, "hits", counted)
        result = diagnose(loads_snapshot(json.dumps(interleaved_doc(nodes, pods_per_node=1))))
    assert result.root_causes
    return work[0], work[1], work[2]


def test_hits_grow_linearly_with_interleaved_members(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, 100 -> 200 nodes looked up 4 times the positions (a small range per member in
    each node's set: 2,503 -> 10,003), now twice (each node's own /32: 50 -> 100); the ends
    read and the pairs given stay linear."""
    small, big = _hits_work(100, monkeypatch), _hits_work(200, monkeypatch)
    assert small[0] > 0, small  # each node's own /32 is still a small range
    for a, b in zip(small, big, strict=True):
        assert b <= 2.3 * max(a, 1), (small, big)


def _random_doc(rng: random.Random) -> dict[str, Any]:
    """A few nodes, a shared group of random members (interleaved or not), and per node a
    group admitting it with a random few /32s and prefixes of its own, some nodes in it."""
    n = rng.randint(3, 9)
    doc = synthetic_doc(n, groups=3, rules=5, pods_per_node=rng.randint(1, 2))
    ips = [node["internal_ip"] for node in doc["cluster"]["nodes"]]
    shared = fake_id("sg", "shared")
    groups = [{"id": shared, "name": "shared", "rules": new_group_rules(shared)}]
    members = {i for i in range(n) if rng.random() < 0.6}
    for i, port in enumerate(ports_of(doc)):
        sg = fake_id("sg", f"own-{i}")
        rules = [*new_group_rules(sg)]
        if rng.random() < 0.9:
            rules.append(rule(sg, "ingress", "tcp", 10250, None, group=shared))
        for k in range(rng.randint(0, 3)):
            net = ip_network(f"{ips[rng.randrange(n)]}/{rng.choice((32, 32, 31, 30))}", False)
            prefix = str(net)
            proto = rng.choice(("tcp", "tcp", None))
            rules.append(rule(sg, "ingress", proto, 10250 if proto else None, prefix, name=f"{k}"))
        if rng.random() < 0.5:
            rules.append(rule(sg, "ingress", "udp", 4789, "10.0.0.0/16", name=sg))
        groups.append({"id": sg, "name": f"own-{i}", "rules": rules})
        port["security_group_ids"] = [sg, shared] if i in members else [sg]
    doc["openstack"]["security_groups"] = groups
    return doc


Moved = set[tuple[int, int, tuple[bool, ...], object, object]]


def _naive(sc: shapes.ShapeCounts) -> Moved:
    """Every pair of ends in the relation whose patterns against the coarse sets are not
    those against the whole sets: the reference, a product."""
    out: Moved = set()
    for S in sc.srcs:
        for T in sc.tgts:
            if sc.pair.relation(S, T) != sc.rel:
                continue
            for s in S.members:
                for t in T.members:
                    coarse, exact = sc.coarse(S, T, s, t), sc.exact(S, T, s, t)
                    if coarse != exact:
                        out.add((id(s), id(t), sc.undecided(S, T), coarse, exact))
    return out


def _plain_union(self: addrsets.SetEngine, sets: list[Ranges]) -> Ranges:
    return merge(r for s in sets for r in s)  # no shared part: every range cut by its width


def test_hits_equal_a_naive_pass_on_random_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    moved, checked = shapes.ShapeCounts.moved, [0, 0]

    def compared(self: shapes.ShapeCounts) -> Any:
        found = moved(self)
        mine = {(id(s), id(t), u, c, e) for _, s, _, t, u, c, e in found}
        assert len(mine) == len(found)  # no pair twice
        assert mine == _naive(self)
        checked[0] += 1
        checked[1] += len(found)
        return found

    for case in range(CASES):
        text = json.dumps(_random_doc(rng))
        with monkeypatch.context() as m:
            m.setattr(shapes.ShapeCounts, "moved", compared)
            new = dumps(diagnosis_dict(diagnose(loads_snapshot(text)), "test"))
        with monkeypatch.context() as m:
            m.setattr(addrsets.SetEngine, "_union", _plain_union)
            old = dumps(diagnosis_dict(diagnose(loads_snapshot(text)), "test"))
        assert new == old, case
    assert checked[0] >= CASES and checked[1] > CASES, checked  # the cases moved pairs
