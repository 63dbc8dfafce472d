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
pair of groups. Super-classes that differ in their sets only (per-node groups: a shape,
shapes.py) are counted per shape pair as the engine counts their classes: per coarse
group of the sets, the pairs a small range decides again by position, so per-node groups
on both sides cost O(groups x coarse groups x labels x patterns), not the product of the
two sides' super-classes. The verdicts are the family's, looked up per situation.
Where the family split a situation by who opens the mesh session (mesh_order.py), a
group pair's part is its representative pair's order: the targets per (label, pattern)
are summed by their first members' strings, sorted (`Strings`), and each source group
finds its counts of either order by bisection, never pairing the groups.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from kostack.analyze.engine.families import Families
from kostack.analyze.engine.family_records import End, EndClass, FamilyResult, FlowOf, SituationKey
from kostack.analyze.engine.pairs import Run, SideSets
from kostack.analyze.engine.relations import (
    APART,
    JOINED,
    OUT,
    SAME,
    UNKNOWN,
    SuperPair,
    supers,
)
from kostack.analyze.engine.shape_sides import ShapeSides
from kostack.analyze.engine.shapes import by_shape, merged
from kostack.analyze.engine.types import FlowResult

Pattern = tuple[bool, ...]
# with the order of the representative pair's node address strings (1, -1), for a situation
# the family split by who opens the mesh session (mesh_order.py `MeshOrder.split`); else 0
Ordered = dict[tuple[Hashable, Hashable, SituationKey, int], int]
Head = tuple[int, object, str, Pattern, Pattern]  # a situation's key but the target pattern


@dataclass(frozen=True)
class Group:
    """Nodes alike for the family: its label, first and second member's ends, and size."""

    label: Hashable
    first: End
    second: End | None
    size: int


def tally(fam: Families, result: FamilyResult, groups: Sequence[Group], flow_of: FlowOf) -> Ordered:
    """Pairs of groups by (source label, target label, situation, order), as the
    representative pairs would be judged one by one; every group's ends are among
    ``result``'s classes."""
    src_of = {id(m): c for c in result.sources for m in c.members}
    dst_of = {id(m): c for c in result.targets for m in c.members}
    s_supers, t_supers = supers(result.sources), supers(result.targets)
    s_sup = {c.id: sup for sup in s_supers for c in sup.members}
    t_sup = {c.id: sup for sup in t_supers for c in sup.members}
    by_s: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    by_t: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    for g in groups:
        S, T = src_of[id(g.first)], dst_of[id(g.first)]
        by_s[s_sup[S.id].index].append((g, S))
        by_t[t_sup[T.id].index].append((g, T))
    run = Run(fam, flow_of, "exclude", None)  # its pattern helpers only: nothing is traced
    routers = {r.id: r for r in fam.topos[0].routers}
    # a situation split by who opens the mesh session: each pair's order by its first
    # members' strings (the same for every group when nothing is split: order 0)
    out = _Out(_text if result.ordered else _none)
    s_shapes, t_shapes = by_shape(s_supers), by_shape(t_supers)
    # super-classes whose shape is theirs alone, pair by pair (as pairs.py `Run.all_pairs`)
    singles = [TT for TT in t_supers if len(t_shapes[TT.shape]) == 1]
    for SS in s_supers:
        srcs = by_s.get(SS.index, []) if len(s_shapes[SS.shape]) == 1 else []
        for TT in singles if srcs else ():
            tgts = by_t.get(TT.index)
            if tgts:
                _pair(out, run, SuperPair(SS, TT, routers), srcs, tgts)
    # a shape of several super-classes (per-node groups) on either side: shape by shape
    for many_s in s_shapes.values():
        srcs = [x for SS in many_s for x in by_s.get(SS.index, [])]
        for many_t in t_shapes.values() if srcs else ():
            tgts = [x for TT in many_t for x in by_t.get(TT.index, [])]
            if tgts and (len(many_s) > 1 or len(many_t) > 1):
                pair = SuperPair(merged(many_s), merged(many_t), routers)
                _shape_pair(out, run, pair, srcs, tgts)
    ordered: Ordered = defaultdict(int)
    for (a, b, key, order), n in out.n.items():
        # the representative pair's order (bgp_routes.py `opener`) where the situation is split
        ordered[(a, b, key, order if key in result.ordered else 0)] += n
    return {k: n for k, n in ordered.items() if n}


class _Out:
    """Pairs of groups by (source label, target label, situation, order); ``text``: a
    group's first member's string, by which its pairs' order is told (`Strings`)."""

    def __init__(self, text: Callable[[End | None], str]) -> None:
        self.n: Ordered = defaultdict(int)
        self.text = text
        self._first: dict[int, str] = {}

    def first(self, g: Group) -> str:
        found = self._first.get(id(g))
        if found is None:
            found = self._first[id(g)] = self.text(g.first)
        return found

    def pair(self, g: Group, h: Group, key: SituationKey, n: int) -> None:
        """``n`` pairs of g's first member to h's: ordered by their strings."""
        self.n[(g.label, h.label, key, _order(self.first(g), self.first(h)))] += n

    def own(self, g: Group, first: SituationKey, second: SituationKey) -> None:
        """A group's own pairs: counted as size x size of its first member with itself (key
        ``first``), they are size x (size - 1), first member to second (key ``second``)."""
        self.n[(g.label, g.label, first, 0)] -= g.size * g.size
        if g.second is not None:
            order = _order(self.first(g), self.text(g.second))
            self.n[(g.label, g.label, second, order)] += g.size * (g.size - 1)

    def targets(self, g: Group, strings: Strings, sigma: object, rel: str, head: Head) -> None:
        """g's pairs with the targets in relation ``rel`` to it (g on subnet ``sigma``): the
        situation's key ``head`` and the target's pattern."""
        for ((label, pt), order), n in strings.targets_of(sigma, rel, self.first(g)).items():
            self.n[(g.label, label, (*head, pt), order)] += g.size * n


def _order(a: str, b: str) -> int:
    """1: the source's string the greater (it opens the session), -1: the smaller."""
    return 1 if a > b else -1 if a < b else 0


def _none(e: End | None) -> str:
    return ""


def _text(e: End | None) -> str:
    """An end's node address string of its own family (who opens the mesh session)."""
    v = e.view.ip_of(e.ip.version) if e is not None and e.view is not None else None
    return str(v) if v is not None else ""


def _pair(
    out: _Out,
    run: Run,
    pair: SuperPair,
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
) -> None:
    """One super-class pair, relation by relation."""
    for rel in pair.relations():
        found = run.rep_flow(pair, rel)
        if found is None:
            continue
        (rep_s, rep_t), flow = found
        s_side, t_side, undecided = run.sides(rep_s, rep_t, flow)
        base = (pair.SS.shape, pair.TT.static, rel, undecided)
        _count(out, run, pair, base, srcs, tgts, (s_side, t_side))


def _shape_pair(
    out: _Out,
    run: Run,
    pair: SuperPair,
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
) -> None:
    """A pair of shapes (shapes.py), relation by relation: the super-classes of each differ
    in their sets only, so their groups are counted at once, never super-class pair by pair."""
    for rel in pair.relations():
        found = run.rep_flow(pair, rel)
        if found is None:
            continue
        sides = ShapeSides(run, pair, rel, found[1])
        has_s, has_t = {c.id for c in sides.srcs}, {c.id for c in sides.tgts}
        here_s = [(g, S) for g, S in srcs if S.id in has_s]  # classes with a pair in `rel`
        here_t = [(g, T) for g, T in tgts if T.id in has_t]
        if here_s and here_t:
            base = (pair.SS.shape, pair.TT.static, rel)
            _coarse(out, sides, base, here_s, here_t)
            _exact(out, sides, base, here_s, here_t)


def _coarse(
    out: _Out,
    sides: ShapeSides,
    base: tuple[int, object, str],
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
) -> None:
    """Every pair of groups with its patterns against the coarse sets (shapes.py
    `ShapeCounts._main`, with labels): O(groups x coarse groups x labels x patterns)."""
    pair, src, dst = sides.pair, sides.src, sides.dst
    by_h: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    by_k: dict[int, list[tuple[Group, EndClass]]] = defaultdict(list)
    for g, S in srcs:
        by_h[src.group[S.id]].append((g, S))
    for g, T in tgts:
        by_k[dst.group[T.id]].append((g, T))
    for h, s_list in by_h.items():
        for k, t_list in by_k.items():
            u = sides.undecided(s_list[0][1], t_list[0][1])
            rows = (
                (
                    pair.dst_subnet[T.id],
                    (g.label, sides.pattern(g.first, src.groups[h][1], src.kinds)),
                    out.first(g),
                    g.size,
                )
                for g, T in t_list
            )
            targets = Strings(pair.ifaces, rows)
            for g, S in s_list:
                ps = sides.pattern(g.first, dst.groups[k][1], dst.kinds)
                out.targets(g, targets, pair.src_subnet[S.id], sides.rel, (*base, u, ps))


def _exact(
    out: _Out,
    sides: ShapeSides,
    base: tuple[int, object, str],
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
) -> None:
    """The pairs of groups whose patterns a small range decides, counted again with their
    own (shapes.py `ShapeCounts._exceptions`), and each group's own pairs (`_count`)."""
    of_s = {id(g.first): g for g, _ in srcs}
    of_t = {id(g.first): g for g, _ in tgts}
    ends_s: dict[int, list[End]] = defaultdict(list)
    ends_t: dict[int, list[End]] = defaultdict(list)
    for g, S in srcs:
        ends_s[S.id].append(g.first)
    for g, T in tgts:
        ends_t[T.id].append(g.first)
    for S, s, T, t in sides.hits(lambda c: ends_s[c.id], lambda c: ends_t[c.id]):
        coarse, exact = sides.coarse(S, T, s, t), sides.exact(S, T, s, t)
        if coarse != exact:
            g, h, u = of_s[id(s)], of_t[id(t)], sides.undecided(S, T)
            out.pair(g, h, (*base, u, *coarse), -g.size * h.size)
            out.pair(g, h, (*base, u, *exact), g.size * h.size)
    as_target = {id(g): T for g, T in tgts}
    for g, S in srcs:
        mine = as_target.get(id(g))
        if mine is None or sides.pair.relation(S, mine) != sides.rel:
            continue
        u, (ps, pt) = sides.undecided(S, mine), sides.exact(S, mine, g.first, g.first)
        pt2 = pt
        if g.second is not None:
            pt2 = sides.run.member_pattern(g.second, sides.src.sets[S.id])
        out.own(g, (*base, u, ps, pt), (*base, u, ps, pt2))


def _count(
    out: _Out,
    run: Run,
    pair: SuperPair,
    base: tuple[int, object, str, Pattern],  # the situation's key but for the patterns
    srcs: list[tuple[Group, EndClass]],
    tgts: list[tuple[Group, EndClass]],
    sides: tuple[SideSets, SideSets],
) -> None:
    """One super-class pair in one relation (relations.py `RelationCounts`, with labels)."""
    s_side, t_side = sides
    own: dict[int, tuple[Pattern, EndClass]] = {}  # a group as a target: pattern, class
    rows: list[tuple[object, tuple[Hashable, Pattern], str, int]] = []
    for g, T in tgts:
        own[id(g)] = (run.member_pattern(g.first, s_side), T)
        rows.append((pair.dst_subnet[T.id], (g.label, own[id(g)][0]), out.first(g), g.size))
    targets, rel = Strings(pair.ifaces, rows), base[2]
    for g, S in srcs:
        ps = run.member_pattern(g.first, t_side)
        out.targets(g, targets, pair.src_subnet[S.id], rel, (*base, ps))
        mine = own.get(id(g))
        if mine is not None and pair.relation(S, mine[1]) == rel:
            pt2 = mine[0] if g.second is None else run.member_pattern(g.second, s_side)
            out.own(g, (*base, ps, mine[0]), (*base, ps, pt2))


LabelPattern = tuple[Hashable, Pattern]
Table = dict[LabelPattern, tuple[list[str], list[int]]]  # sorted strings, running sizes


class Strings:
    """One side's groups per (label, pattern): all, those on subnets the router joins, and
    those of each subnet, by their first members' strings sorted with running sizes; a
    source's targets in relation per order by bisection (mesh_order.py `_Sorted`), so a
    source costs O(labels x patterns x log groups) whatever the groups (`Sums`, with order)."""

    def __init__(
        self, ifaces: frozenset[object], rows: Iterable[tuple[object, LabelPattern, str, int]]
    ) -> None:
        self.ifaces = ifaces
        tot: dict[LabelPattern, dict[str, int]] = defaultdict(dict)
        inside: dict[LabelPattern, dict[str, int]] = defaultdict(dict)
        sub: dict[object, dict[LabelPattern, dict[str, int]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for subnet, lp, text, n in rows:
            for into in (tot, sub[subnet], inside) if subnet in ifaces else (tot, sub[subnet]):
                at = into[lp]
                at[text] = at.get(text, 0) + n
        self.tot, self.inside = _table(tot), _table(inside)
        self.sub = {subnet: _table(by) for subnet, by in sub.items()}
        self._memo: dict[tuple[object, str, str], dict[tuple[LabelPattern, int], int]] = {}

    def targets_of(self, sigma: object, rel: str, text: str) -> dict[tuple[LabelPattern, int], int]:
        """Targets in relation ``rel`` to a source on ``sigma`` of string ``text``, per
        (label, pattern) and order (`Sums.targets_of`; mesh_order.py `_Sorted.terms`; once
        per subnet when nothing is split: every string is "")."""
        found = self._memo.get((sigma, rel, text))
        if found is None:
            found = self._memo[(sigma, rel, text)] = self._targets_of(sigma, rel, text)
        return found

    def _targets_of(
        self, sigma: object, rel: str, text: str
    ) -> dict[tuple[LabelPattern, int], int]:
        same = self.sub.get(sigma, {})
        if rel in (OUT, UNKNOWN):
            terms = [(1, self.tot)]
        elif rel == SAME:
            terms = [(1, same)]
        elif rel == JOINED:
            terms = [(1, self.inside), (-1, same)] if sigma in self.ifaces else [(1, self.inside)]
        else:
            assert rel == APART
            terms = [(1, self.tot), (-1, self.inside)]
            terms += [] if sigma in self.ifaces else [(-1, same)]
        out: dict[tuple[LabelPattern, int], int] = defaultdict(int)
        for sign, table in terms:
            for lp, (keys, run) in table.items():
                if len(keys) == 1 and keys[0] == text:  # one string (nothing split): order 0
                    out[(lp, 0)] += sign * run[1]
                    continue
                lo, hi = bisect_left(keys, text), bisect_right(keys, text)
                out[(lp, 1)] += sign * run[lo]  # the target's string the smaller
                out[(lp, 0)] += sign * (run[hi] - run[lo])
                out[(lp, -1)] += sign * (run[-1] - run[hi])
        return {k: n for k, n in out.items() if n}


def _table(by: dict[LabelPattern, dict[str, int]]) -> Table:
    out: Table = {}
    for lp, sizes in by.items():
        keys = sorted(sizes)
        out[lp] = (keys, list(accumulate((sizes[k] for k in keys), initial=0)))
    return out


def outcome_of(
    result: FamilyResult, key: SituationKey, world: int, order: int = 0
) -> FlowResult | None:
    """The family's outcome of a situation in one world (None: not judged); ``order``: the
    part of a situation split by who opens the mesh session (`tally`)."""
    found = result.ordered[key].get(order) if order else result.situations.get(key)
    return found[world] if found is not None else None
