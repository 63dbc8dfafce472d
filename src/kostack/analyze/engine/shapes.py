"""Super-classes that differ in their sets only, judged per shape pair (docs/engine.md, "Scale
by construction").

Per-node security groups (one group per VM) make each node a super-class of its own on the
side whose sets differ; when both sides' sets differ, pairs of super-classes grow as the
product of the two sides. A *shape* is the super-classes with one key but for their sets
(relations.py `Super.shape`); its classes' pairs are counted per membership pattern at once:

- each set is cut into its *coarse* ranges and its *small* ones (at most ``SMALL`` universe
  positions: a node's /32 of a rule for the next node); classes are grouped by their coarse
  sets (and which sets are undecided), so a pair's pattern against coarse sets is one of
  its source group's members' patterns against the target group's sets times the target's
  against the source group's: O(classes x groups);
- the pairs where a small range holds an end (found by position, never by pairing) are
  counted again with their own patterns, O(ends a small range holds x members);
- same-node pairs are taken out as before (relations.py `Corrections`).

Cost O((sources + targets) x groups + small ranges' hits), against O(sources x targets):
linear while the groups' coarse sets are few, whatever each node's own addresses. The sides
(their cuts, groups and small ranges' hits) are in engine/shape_sides.py.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from kostack.analyze.engine.addrsets import Ranges, contains
from kostack.analyze.engine.family_records import End, EndClass
from kostack.analyze.engine.relations import (
    APART,
    JOINED,
    OUT,
    SAME,
    UNKNOWN,
    Corrections,
    Occurrence,
    Situation,
    Super,
    SuperPair,
    first_pairs,
)
from kostack.analyze.engine.shape_sides import Flow, Pattern, ShapeSides, Side, SideSets, by_group

Key = tuple[tuple[bool, ...], Pattern, Pattern]  # undecided, source pattern, target pattern
Dist = dict[Pattern, int]  # how many ends have each pattern
K = TypeVar("K", bound=Hashable)  # what `Sums` counts by: a pattern, or a label and a pattern
Ctx = tuple[SideSets, SideSets, Flow]
# a hit whose patterns differ from its coarse ones: with its undecided sets, coarse, exact
Moved = tuple[
    EndClass, End, EndClass, End, tuple[bool, ...], tuple[Pattern, Pattern], tuple[Pattern, Pattern]
]


class ShapeCounts(ShapeSides):
    """The class pairs of a shape pair in one relation, counted per (undecided, patterns):
    per class, shared bases (`_spread`) and its own changes (small ranges, same-node pairs)."""

    def __init__(
        self,
        run: object,
        pair: SuperPair,
        rel: str,
        flow: Flow,
        selves: Iterable[tuple[EndClass, EndClass, End, End]],
    ) -> None:
        super().__init__(run, pair, rel, flow)
        self.js: dict[int, tuple[dict[Key, int], ...]] = {}
        self.jt: dict[int, tuple[dict[Key, int], ...]] = {}
        self.own_s: dict[int, dict[Key, int]] = defaultdict(dict)
        self.own_t: dict[int, dict[Key, int]] = defaultdict(dict)
        self.corr = Corrections()
        self._moved: list[Moved] | None = None
        if not self.srcs or not self.tgts:
            return
        self._main()
        self._exceptions()
        for S, T, s, t in selves:
            if pair.relation(S, T) == rel:
                k = (self.undecided(S, T), *self.exact(S, T, s, t))
                _add(self.own_s[S.id], k, -1)
                _add(self.own_t[T.id], k, -1)
                self.corr.st[(S.id, T.id, k[1], k[2])] += 1

    def forget_counts(self) -> None:
        """Drop the counts per class once `situations` has counted them (a judging kept:
        pairs.py `Run.compact`); the class pairs of a situation (`occurrences`) remain."""
        self.js, self.jt, self.own_s, self.own_t = {}, {}, defaultdict(dict), defaultdict(dict)
        self._moved = None  # found again if asked (`moved`)

    def _dists(self, classes: list[EndClass], other: Side) -> dict[int, list[Dist]]:
        """Per class: its members' patterns against each of the other side's groups (one dict
        per content; by segment when the sets test one kind of address: one search)."""
        position = self.run.fam.position
        kinds, groups = other.kinds, [coarse for _, coarse in other.groups]
        one = kinds[0] if len(set(kinds)) == 1 else None
        known = self.run.fam.at[one] if one is not None else None  # `Families.position`
        tables = [_segments(coarse) for coarse in groups]
        out: dict[int, list[Dist]] = {}
        interned: dict[tuple[tuple[Pattern, int], ...], Dist] = {}
        rows: dict[tuple[int, ...], list[Dist]] = {}  # one list per row of interned dicts
        # the same segments in each group, the same row (per-node classes: one member each)
        by_segs: dict[tuple[int, ...], list[Dist]] = {}
        for c in classes:
            row: list[Dist] = []
            spots = [[position(m, k) for k in kinds] for m in c.members] if one is None else []
            at = [known.get(id(m), -1) for m in c.members] if known is not None else []
            if -1 in at:
                at = [position(m, one) for m in c.members] if one is not None else []
            segs = tuple(
                [bisect_right(t[0], p) if p is not None else 0 for t in tables for p in at]
            )
            found = by_segs.get(segs) if one is not None else None
            if found is not None:
                out[c.id] = found
                continue
            n = len(at)
            for g, (coarse, (_, pats)) in enumerate(zip(groups, tables, strict=True)):
                d: Dist = {}
                for i in segs[g * n : (g + 1) * n]:  # each member's segment in the group
                    d[pats[i]] = d.get(pats[i], 0) + 1
                for spot in spots:
                    p = tuple(
                        pos is not None and contains(r, pos)
                        for r, pos in zip(coarse, spot, strict=True)
                    )
                    d[p] = d.get(p, 0) + 1
                row.append(interned.setdefault(tuple(d.items()), d))
            out[c.id] = by_segs[segs] = rows.setdefault(tuple(map(id, row)), row)
        return out

    def _main(self) -> None:
        """Every pair counted with its patterns against the coarse sets."""
        pair = self.pair
        ds, dt = self._dists(self.srcs, self.dst), self._dists(self.tgts, self.src)
        by_h, by_g = by_group(self.srcs, self.src), by_group(self.tgts, self.dst)
        us = [[self.undecided(srcs[0], tgts[0]) for tgts in by_g] for srcs in by_h]
        for h, srcs in enumerate(by_h):
            sums = [Sums(pair, ((pair.dst_subnet[T.id], dt[T.id][h]) for T in tg)) for tg in by_g]
            self._spread(srcs, ds, list(zip(us[h], sums, strict=True)), True)
        for g, tgts in enumerate(by_g):
            sums = [Sums(pair, ((pair.src_subnet[S.id], ds[S.id][g]) for S in sr)) for sr in by_h]
            self._spread(tgts, dt, [(u[g], s) for u, s in zip(us, sums, strict=True)], False)

    def _spread(
        self,
        classes: list[EndClass],
        dists: dict[int, list[Dist]],
        sums: list[tuple[tuple[bool, ...], Sums[Pattern]]],
        is_src: bool,
    ) -> None:
        """Each class's bases: per group of the other side, its patterns' counts times the
        other side's in relation (one tuple per row of patterns and subnet)."""
        into, subnet = (
            (self.js, self.pair.src_subnet) if is_src else (self.jt, self.pair.dst_subnet)
        )
        shared: dict[tuple[int, object], tuple[dict[Key, int], ...]] = {}
        for C in classes:
            row, sigma = dists[C.id], subnet[C.id]
            found = shared.get((id(row), sigma))
            if found is None:
                found = shared[(id(row), sigma)] = tuple(
                    _base(u, own, s.targets_of(sigma, self.rel), True)
                    if is_src
                    else _base(u, own, s.sources_of(sigma, self.rel), False)
                    for own, (u, s) in zip(row, sums, strict=True)
                )
            into[C.id] = found

    def _exceptions(self) -> None:
        """The pairs whose patterns a small range decides: counted again with their own."""
        for S, _, T, _, u, coarse, exact in self.moved():
            for j in (self.own_s[S.id], self.own_t[T.id]):
                _add(j, (u, *coarse), -1)
                _add(j, (u, *exact), 1)

    def _moves(self) -> Iterator[Moved]:
        for S, s, T, t in self.hits(_members, _members):
            coarse, exact = self.coarse(S, T, s, t), self.exact(S, T, s, t)
            if coarse != exact:
                yield S, s, T, t, self.undecided(S, T), coarse, exact

    def moved(self) -> list[Moved]:
        """The pairs a small range moves out of their coarse patterns' situation, with their
        undecided sets, coarse and own patterns (found again when asked: mesh_order.py)."""
        if self._moved is None:
            self._moved = list(self._moves()) if self.srcs and self.tgts else []
        return self._moved

    def situations(self) -> dict[Key, Situation]:
        out: dict[Key, Situation] = {}
        summed: dict[int, list[tuple[Key, int]]] = {}
        for S in self.srcs:
            for k, n in _summed(self.js.get(S.id, ()), self.own_s.get(S.id), summed):
                sit = out.get(k)  # a Situation made only when new: per class and key
                if sit is None:
                    sit = out[k] = Situation()
                sit.n += n
                sit.src.append(S)
        for T in self.tgts:
            for k, _ in _summed(self.jt.get(T.id, ()), self.own_t.get(T.id), summed):
                out[k].dst.append(T)
        return out

    def ctx(self, S: EndClass, T: EndClass) -> Ctx:
        return self.dst.sets[T.id], self.src.sets[S.id], self.flow

    def occurrences(self, sit: Situation, ps: Pattern, pt: Pattern, limit: int) -> list[Occurrence]:
        """The first ``limit`` class pairs of a situation, in the order of relations.py
        `RelationCounts.occurrences` (source class, target class, patterns' ranks)."""
        return first_pairs(self, sit, ps, pt, limit)

    def row(self, sit: Situation, ps: Pattern, pt: Pattern, S: EndClass) -> Iterator[Occurrence]:
        """The class pairs of a situation whose source class is ``S``, in order."""
        for T in sit.dst:
            if self.pair.relation(S, T) != self.rel or self.undecided(S, T) != sit.undecided:
                continue
            sp = self.run.pattern_counts(S, "src", self.dst.sets[T.id])
            tp = self.run.pattern_counts(T, "dst", self.src.sets[S.id])
            n = sp.get(ps, 0) * tp.get(pt, 0) - self.corr.st.get((S.id, T.id, ps, pt), 0)
            if n > 0:
                yield ((S.id, T.id, list(sp).index(ps), list(tp).index(pt)), S, T)


def by_shape(sups: list[Super]) -> dict[int, list[Super]]:
    out: dict[int, list[Super]] = {}
    for sup in sups:
        out.setdefault(sup.shape, []).append(sup)
    return out


def merged(sups: list[Super]) -> Super:
    """The super-classes of one shape as one (their classes in class order)."""
    first = sups[0]
    members = sorted((c for sup in sups for c in sup.members), key=lambda c: c.id)
    return Super(first.index, first.static, first.kind, first.router, first.shape, members)


def _members(cls: EndClass) -> Sequence[End]:
    return cls.members


def _add(counts: dict[Key, int], key: Key, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


def _segments(coarse: tuple[Ranges, ...]) -> tuple[list[int], list[Pattern]]:
    """A group's boundaries, and the pattern before each and after the last (`patterns`)."""
    cuts = sorted({b for ranges in coarse for r in ranges for b in r})
    return cuts, [tuple(contains(rs, p) for rs in coarse) for p in (-1, *cuts)]


def _base(u: tuple[bool, ...], own: Dist, other: Dist, is_src: bool) -> dict[Key, int]:
    """A class's counts against one group: its patterns' counts times the other side's."""
    if is_src:
        return {(u, b, a): nb * na for b, nb in own.items() for a, na in other.items()}
    return {(u, b, a): nb * na for a, na in own.items() for b, nb in other.items()}


def _summed(
    bases: tuple[dict[Key, int], ...],
    own: dict[Key, int] | None,
    memo: dict[int, list[tuple[Key, int]]],
) -> list[tuple[Key, int]]:
    """A class's positive counts per key, in the order first counted (memoised per bases)."""
    found = memo.get(id(bases)) if own is None else None
    if found is None:
        total: dict[Key, int] = {}
        for counts in [*bases, own or {}]:
            for k, n in counts.items():
                total[k] = total.get(k, 0) + n
        found = [(k, n) for k, n in total.items() if n > 0]
        if own is None:
            memo[id(bases)] = found
    return found


class Sums(Generic[K]):
    """One side's counts per subnet, by pattern (the watch's tally: by label and pattern):
    relations.py `RelationCounts` for one group."""

    def __init__(self, pair: SuperPair, rows: Iterable[tuple[object, dict[K, int]]]) -> None:
        self.ifaces = pair.ifaces
        self.tot: dict[K, int] = {}
        self.inside: dict[K, int] = {}
        self.sub: dict[object, dict[K, int]] = {}
        # rows are few distinct dicts (`_dists` interns them): each (subnet, dict) counted
        # first, then added times its count, in the order first met (the keys' order kept)
        times: dict[tuple[object, int], int] = {}
        dists: dict[int, dict[K, int]] = {}
        for subnet, dist in rows:
            k = (subnet, id(dist))
            n = times.get(k)
            if n is None:
                dists[id(dist)] = dist
                times[k] = 1
            else:
                times[k] = n + 1
        for (subnet, i), m in times.items():
            sub = self.sub.setdefault(subnet, {})
            for into in (self.tot, sub, self.inside) if subnet in self.ifaces else (self.tot, sub):
                for p, n in dists[i].items():
                    into[p] = into.get(p, 0) + n * m

    def targets_of(self, sigma: object, rel: str) -> dict[K, int]:
        """Targets in relation ``rel`` to a source on ``sigma`` (`RelationCounts._targets_of`)."""
        if rel in (OUT, UNKNOWN):
            return self.tot
        same = self.sub.get(sigma, {})
        if rel == SAME:
            return same
        if rel == JOINED:
            return _minus(self.inside, same) if sigma in self.ifaces else self.inside
        assert rel == APART
        return _minus(_minus(self.tot, self.inside), {} if sigma in self.ifaces else same)

    def sources_of(self, sigma: object, rel: str) -> dict[K, int]:
        """Sources in relation ``rel`` to a target on ``sigma`` (`RelationCounts._sources_of`)."""
        if rel in (OUT, UNKNOWN):
            return self.tot
        same = self.sub.get(sigma, {})
        if rel == SAME:
            return same
        if (sigma in self.ifaces) != (rel == JOINED):
            return {}
        return _minus(self.tot, same)


def _minus(a: dict[K, int], b: dict[K, int]) -> dict[K, int]:
    if not b:
        return a
    out = {p: n - b.get(p, 0) for p, n in a.items()}
    return {p: n for p, n in out.items() if n > 0}
