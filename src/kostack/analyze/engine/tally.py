"""Pairs of node groups counted per situation of a judged family, without pairing the groups.

A consumer (the watch's class table, a picture) groups nodes its own way: each group
lies in one source class and one target class of a judged family (FamilyResult) and on
one subnet, and stands for its pairs by one representative pair, as if traced one by
one: group A to group B by A's first member to B's first (A.size x B.size pairs), a
group to itself by its first member to its second (size x (size - 1)). What such a
trace decides is the family's situation of the representative pair (pairs.py): the
super-classes of the two classes, their relation (relations.py) and the two membership
patterns. So the groups are counted per super-class pair and relation as the engine
counts classes, with the consumer's labels in the key instead of the classes: per
source group, the target groups in relation are summed per (label, pattern) and per
subnet, O(groups x labels x patterns) per super-class pair and relation, never per
pair of groups. The verdicts are the family's, looked up per situation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from kostack.analyze.engine.families import (
    End,
    EndClass,
    Families,
    FamilyResult,
    FlowOf,
    SituationKey,
)
from kostack.analyze.engine.pairs import Run, SideSets
from kostack.analyze.engine.relations import JOINED, OUT, SAME, UNKNOWN, SuperPair, supers
from kostack.analyze.engine.types import FlowResult

Pattern = tuple[bool, ...]
Tally = dict[tuple[Hashable, Hashable, SituationKey], int]


@dataclass(frozen=True)
class Group:
    """Nodes alike for the family: its label, first and second member's ends, and size."""

    label: Hashable
    first: End
    second: End | None
    size: int


def tally(fam: Families, result: FamilyResult, groups: Sequence[Group], flow_of: FlowOf) -> Tally:
    """Pairs of groups by (source label, target label, situation), as the representative pairs
    would be judged one by one; every group's ends are among ``result``'s classes."""
    src_of = {id(m): c for c in result.sources for m in c.members}
    dst_of = {id(m): c for c in result.targets for m in c.members}
    s_supers, t_supers = supers(result.sources), supers(result.targets)
    s_index = {c.id: sup.index for sup in s_supers for c in sup.members}
    t_index = {c.id: sup.index for sup in t_supers for c in sup.members}
    by_s: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    by_t: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    for g in groups:
        S, T = src_of[id(g.first)], dst_of[id(g.first)]
        by_s[s_index[S.id]].append((g, S))
        by_t[t_index[T.id]].append((g, T))
    run = Run(fam, flow_of, "exclude", None)  # its pattern helpers only: nothing is traced
    routers = {r.id: r for r in fam.topos[0].routers}
    out: Tally = defaultdict(int)
    for SS in s_supers:
        srcs = by_s.get(SS.index, [])
        for TT in t_supers if srcs else ():
            tgts = by_t.get(TT.index)
            if not tgts:
                continue
            pair = SuperPair(SS, TT, routers)
            for rel in pair.relations():
                rep = pair.rep(rel)
                flow = flow_of(rep[0].rep, rep[1].rep) if rep is not None else None
                if rep is None or flow is None:
                    continue
                s_side, t_side, undecided = run.sides(rep[0], rep[1], flow)
                base = (pair.SS.shape, pair.TT.static, rel, undecided)
                _count(out, run, pair, base, srcs, tgts, (s_side, t_side))
    return {k: n for k, n in out.items() if n}


def _count(
    out: Tally,
    run: Run,
    pair: SuperPair,
    base: tuple[int, object, str, Pattern],  # the situation's key but for the patterns
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
    sides: tuple[SideSets, SideSets],
) -> None:
    """One super-class pair in one relation (relations.py `RelationCounts`, with labels)."""
    s_side, t_side = sides
    ifaces = pair.ifaces
    total: dict[tuple[Hashable, Pattern], int] = defaultdict(int)
    joined: dict[tuple[Hashable, Pattern], int] = defaultdict(int)  # on the router's subnets
    by_subnet: dict[object, dict[tuple[Hashable, Pattern], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    own: dict[int, tuple[Pattern, EndClass]] = {}  # a group as a target: pattern, class
    for g, T in tgts:
        pt = run.member_pattern(g.first, s_side)
        own[id(g)] = (pt, T)
        total[(g.label, pt)] += g.size
        by_subnet[pair.dst_subnet[T.id]][(g.label, pt)] += g.size
        if pair.dst_subnet[T.id] in ifaces:
            joined[(g.label, pt)] += g.size
    rel = base[2]
    for g, S in srcs:
        ps = run.member_pattern(g.first, t_side)
        sigma = pair.src_subnet[S.id]
        same = by_subnet.get(sigma, {})
        inside = sigma in ifaces
        for k, n in total.items():
            if rel in (OUT, UNKNOWN):
                m = n
            elif rel == SAME:
                m = same.get(k, 0)
            elif rel == JOINED:
                m = joined.get(k, 0) - (same.get(k, 0) if inside else 0)
            else:
                m = n - joined.get(k, 0) - (0 if inside else same.get(k, 0))
            if m:
                out[(g.label, k[0], (*base, ps, k[1]))] += g.size * m
        mine = own.get(id(g))
        if mine is not None and pair.relation(S, mine[1]) == rel:
            # counted above as size x size pairs of its first member with itself: its own pairs
            # are size x (size - 1), first member to second
            out[(g.label, g.label, (*base, ps, mine[0]))] -= g.size * g.size
            if g.second is not None:
                pt2 = run.member_pattern(g.second, s_side)
                out[(g.label, g.label, (*base, ps, pt2))] += g.size * (g.size - 1)


def outcome_of(result: FamilyResult, key: SituationKey, world: int) -> FlowResult | None:
    """The family's outcome of a situation in one world (None: not judged)."""
    found = result.situations.get(key)
    return found[world] if found is not None else None
