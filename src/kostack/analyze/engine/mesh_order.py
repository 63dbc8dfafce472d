"""Who opens each Calico mesh session: a situation's pairs split by the order of their node
address strings, counted end by end, never class pair by class pair (docs/engine.md step 4).

Since Calico v3.4 the node whose address string is the greater opens a mesh session
(docs/facts.md "Which node opens a mesh session"), so where only one direction of TCP 179
passes, a situation's pairs split by that order (`MeshOrder.split`). A situation's pairs
are, per *block* — a super-class pair (relations.py), or a pair of coarse groups of a shape
pair whose undecided sets are the situation's (shapes.py) — the sources of the situation's
pattern against the block's target sets times the targets of its pattern against the
block's source sets, in the situation's relation; in a shape pair, the pairs a small range
decides move in or out one by one (`ShapeCounts.moved`). So each end's pairs of either
order are counted by bisection into the other side's sorted strings (all of them, those on
subnets the router joins, those on the end's own subnet: added or taken away as the
relation asks): O(ends x log ends) per block. Only each part's first three class pairs are
visited (its examples, in the order class pairs are judged), each counted by engine/order.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from kostack.analyze.engine.addrsets import Ranges
from kostack.analyze.engine.family_records import End, EndClass
from kostack.analyze.engine.order import OrderTree, Spans, order_counts, spans
from kostack.analyze.engine.relations import JOINED, OUT, SAME, UNKNOWN, Occurrence, Situation
from kostack.analyze.engine.shape_sides import SideSets, by_group
from kostack.analyze.engine.shapes import Ctx, ShapeCounts

if TYPE_CHECKING:
    from kostack.analyze.engine.pairs import Run, _Found

Pattern = tuple[bool, ...]
Row = tuple[EndClass, object, list[str]]  # a class, its subnet, its ends' strings in the block
Terms = list[tuple[int, list[str]]]  # sorted strings, added (1) or taken away (-1)


class MeshOrder:
    """A run's (pairs.py `Run.mesh`) counting of pairs by who opens their mesh session."""

    def __init__(self) -> None:
        # (side, class, its members' sets, pattern, family) -> its members' node address
        # strings, sorted
        self._strings: dict[tuple[object, ...], list[tuple[str, End]]] = {}
        self._trees: dict[tuple[object, ...], tuple[list[int], OrderTree] | None] = {}
        # (side, class, coarse sets, their kinds, family) -> members' strings per pattern
        self._coarse: dict[tuple[object, ...], dict[Pattern, list[str]]] = {}

    # ------------------------------------------------------------------ one class pair

    def sorted(
        self, run: Run, cls: EndClass, src: bool, sets: SideSets, pattern: Pattern, v: int
    ) -> list[tuple[str, End]]:
        """A class's members of ``pattern`` against ``sets``, by their node address string of
        family ``v`` (Go's string order, as Calico's template compares them)."""
        key = (src, cls.id, id(sets), pattern, v)
        found = self._strings.get(key)
        if found is None:
            member = run.member_pattern
            found = self._strings[key] = sorted(
                ((string(m, v), m) for m in cls.members if member(m, sets) == pattern),
                key=lambda x: x[0],
            )
        return found

    def counts(
        self, run: Run, S: EndClass, T: EndClass, ctx: Ctx, ps: Pattern, pt: Pattern, v: int
    ) -> tuple[int, int]:
        """How many pairs of (S, T) of patterns (ps, pt) have the source's node address string
        the greater, and the smaller (engine/order.py); by each side's sorted strings when
        its sets test more than one kind of address."""
        a, b = (
            self._ordered(run, S, True, ctx[0], ps, v),
            self._ordered(run, T, False, ctx[1], pt, v),
        )
        if a is not None and b is not None:
            return order_counts(a, b)
        srcs = self.sorted(run, S, True, ctx[0], ps, v)
        keys = [k for k, _ in self.sorted(run, T, False, ctx[1], pt, v)]
        gt = sum(bisect_left(keys, k) for k, _ in srcs)
        return gt, sum(len(keys) - bisect_right(keys, k) for k, _ in srcs)

    def _ordered(
        self, run: Run, cls: EndClass, src: bool, sets: SideSets, pattern: Pattern, v: int
    ) -> tuple[OrderTree, Spans] | None:
        """A class's members of ``pattern`` against ``sets``: spans of its members in position
        order, with their strings' tree; None when the sets test more than one kind of
        address, or a member has none."""
        kinds = {k for _, k in sets}
        if len(kinds) > 1:
            return None
        kind = kinds.pop() if kinds else "ip"
        key = (cls.id, src, kind, v)
        if key not in self._trees:
            position = run.fam.position
            ranked = [(position(m, kind), string(m, v)) for m in cls.members]
            if any(p is None for p, _ in ranked):
                self._trees[key] = None
            else:
                ranked.sort(key=lambda x: (x[0], x[1]))
                tree = OrderTree([k for _, k in ranked])
                self._trees[key] = ([p for p, _ in ranked if p is not None], tree)
        found = self._trees[key]
        if found is None:
            return None
        return found[1], spans([r for r, _ in sets], pattern, found[0])

    # ------------------------------------------------------------------ a situation

    def split(
        self, run: Run, f: _Found, ctx_of: Callable[[EndClass, EndClass], Ctx], v: int
    ) -> list[_Found]:
        """A situation whose pairs' routes depend on which node opens the mesh session, split
        by the order of the two ends' node address strings: each part counted end by end
        (`count_block`), its classes those with a pair of its order, traced through its first
        class pair; pairs of equal strings (one node) keep the situation's outcome."""
        tally = OrderCounts()
        for srcs, tgts in self._blocks(run, f, v):
            count_block(f.counts.rel, f.counts.pair.ifaces, srcs, tgts, tally)
        if isinstance(f.counts, ShapeCounts):
            self._moved(f, v, tally)
        out = []
        for order in (1, -1):
            n = tally.n[order]
            if not n or (run.openers and order != 1):
                continue
            occ = self._firsts(run, f, ctx_of, v, order, tally.src[order])
            S, T = occ[0][1], occ[0][2]
            ctx = ctx_of(S, T)
            outcome = run._traced(S, T, ctx, f.ps, f.pt, order)
            assert outcome is not None
            src = [S for S in f.sit.src if tally.src[order].get(S.id, 0) > 0]
            dst = [T for T in f.sit.dst if tally.dst[order].get(T.id, 0) > 0]
            sit = Situation(n, src, dst, f.sit.undecided)
            out.append(replace(f, sit=sit, outcome=outcome, ctx=ctx, order=order, occ=occ))
        rest = f.sit.n - tally.n[1] - tally.n[-1]
        if rest and not run.openers:
            out.append(replace(f, sit=replace(f.sit, n=rest)))
        return out

    def _blocks(self, run: Run, f: _Found, v: int) -> Iterator[tuple[list[Row], list[Row]]]:
        """The situation's blocks: per side, each class's strings of the situation's pattern
        against the other side's sets (those of a shape pair's group: its coarse sets)."""
        c = f.counts
        sub_s, sub_t = c.pair.src_subnet, c.pair.dst_subnet
        if not isinstance(c, ShapeCounts):
            t_side, s_side = f.ctx[0], f.ctx[1]
            srcs = [S for S in c.pair.SS.members if f.ps in c.sp[S.id]]
            tgts = [T for T in c.pair.TT.members if f.pt in c.tp[T.id]]
            yield (
                [(S, sub_s[S.id], self._keys(run, S, True, t_side, f.ps, v)) for S in srcs],
                [(T, sub_t[T.id], self._keys(run, T, False, s_side, f.pt, v)) for T in tgts],
            )
            return
        by_h, by_g = by_group(c.srcs, c.src), by_group(c.tgts, c.dst)
        for h, srcs in enumerate(by_h):
            for g, tgts in enumerate(by_g):
                if not srcs or not tgts or c.undecided(srcs[0], tgts[0]) != f.sit.undecided:
                    continue
                of_s, of_t = c.dst.groups[g][1], c.src.groups[h][1]
                yield (
                    [(S, sub_s[S.id], self._by(c, S, True, of_s, v).get(f.ps, [])) for S in srcs],
                    [(T, sub_t[T.id], self._by(c, T, False, of_t, v).get(f.pt, [])) for T in tgts],
                )

    def _keys(
        self, run: Run, cls: EndClass, src: bool, sets: SideSets, pattern: Pattern, v: int
    ) -> list[str]:
        return [k for k, _ in self.sorted(run, cls, src, sets, pattern, v)]

    def _by(
        self, c: ShapeCounts, cls: EndClass, src: bool, coarse: tuple[Ranges, ...], v: int
    ) -> dict[Pattern, list[str]]:
        """A shape pair's class's members' strings by their pattern against a group's coarse
        sets (`ShapeSides.pattern`)."""
        kinds = c.dst.kinds if src else c.src.kinds
        key = (src, cls.id, id(coarse), tuple(kinds), v)
        found = self._coarse.get(key)
        if found is None:
            found = self._coarse[key] = defaultdict(list)
            for m in cls.members:
                found[c.pattern(m, coarse, kinds)].append(string(m, v))
        return found

    def _moved(self, f: _Found, v: int, tally: OrderCounts) -> None:
        """A shape pair's pairs whose patterns a small range decides: out of their coarse
        patterns' situation, into their own (`ShapeCounts.moved`)."""
        assert isinstance(f.counts, ShapeCounts)
        u, key = f.sit.undecided, (f.ps, f.pt)
        for S, s, T, t, its_u, coarse, exact in f.counts.moved():
            if its_u == u and key in (coarse, exact):
                a, b = string(s, v), string(t, v)
                if a != b:
                    tally.add(1 if a > b else -1, S.id, T.id, 1 if exact == key else -1)

    def _firsts(
        self,
        run: Run,
        f: _Found,
        ctx_of: Callable[[EndClass, EndClass], Ctx],
        v: int,
        order: int,
        of_src: dict[int, int],
    ) -> list[Occurrence]:
        """A part's first three class pairs in the order they are judged: in the rows of the
        first source classes with a pair of its order (a row holds one at least)."""
        out: list[Occurrence] = []
        for S in f.sit.src:
            if of_src.get(S.id, 0) <= 0:
                continue
            for occ in f.counts.row(f.sit, f.ps, f.pt, S):
                T = occ[2]
                gt, lt = self.counts(run, S, T, ctx_of(S, T), f.ps, f.pt, v)
                if (gt if order == 1 else lt) > 0:
                    out.append(occ)
                    if len(out) == 3:
                        return out
        return out


class OrderCounts:
    """A situation's pairs per order (1: the source's string the greater, -1: the smaller):
    in all, per source class and per target class."""

    def __init__(self) -> None:
        self.n = {1: 0, -1: 0}
        self.src: dict[int, dict[int, int]] = {1: defaultdict(int), -1: defaultdict(int)}
        self.dst: dict[int, dict[int, int]] = {1: defaultdict(int), -1: defaultdict(int)}

    def add(self, order: int, s: int, t: int, n: int) -> None:
        self.n[order] += n
        self.src[order][s] += n
        self.dst[order][t] += n


class _Sorted:
    """One side's strings in a block, sorted: all, those on subnets the router joins, and
    those of each subnet."""

    def __init__(self, rows: list[Row], ifaces: frozenset[object]) -> None:
        self.all = sorted(k for _, _, keys in rows for k in keys)
        self.inside = sorted(k for _, sub, keys in rows if sub in ifaces for k in keys)
        by: dict[object, list[str]] = defaultdict(list)
        for _, sub, keys in rows:
            by[sub].extend(keys)
        self.sub = {sub: sorted(keys) for sub, keys in by.items()}

    def terms(self, rel: str, sigma: object, ifaces: frozenset[object], sources: bool) -> Terms:
        """The strings of this side in relation ``rel`` to an end of the other on subnet
        ``sigma`` (relations.py `RelationCounts._targets_of`, ``sources``: `_sources_of`)."""
        same = self.sub.get(sigma, [])
        if rel in (OUT, UNKNOWN):
            return [(1, self.all)]
        if rel == SAME:
            return [(1, same)]
        inside = sigma in ifaces
        if sources:  # a target's sources: other subnets, if the router joins the target's
            return [(1, self.all), (-1, same)] if inside == (rel == JOINED) else []
        if rel == JOINED:
            return [(1, self.inside), (-1, same)] if inside else [(1, self.inside)]
        return [(1, self.all), (-1, self.inside)] + ([] if inside else [(-1, same)])


def count_block(
    rel: str, ifaces: frozenset[object], srcs: list[Row], tgts: list[Row], tally: OrderCounts
) -> None:
    """A block's pairs in relation ``rel`` (``ifaces``: the subnets the sources' router
    joins) per order, per class of each side: each end's by bisection into the other side's
    sorted strings in relation to it."""
    t_sorted, s_sorted = _Sorted(tgts, ifaces), _Sorted(srcs, ifaces)
    for S, sigma, keys in srcs:
        if not keys:
            continue
        terms, gt, lt = t_sorted.terms(rel, sigma, ifaces, False), 0, 0
        for k in keys:
            for sign, ks in terms:
                gt += sign * bisect_left(ks, k)
                lt += sign * (len(ks) - bisect_right(ks, k))
        tally.n[1] += gt
        tally.n[-1] += lt
        tally.src[1][S.id] += gt
        tally.src[-1][S.id] += lt
    for T, sigma, keys in tgts:
        if not keys:
            continue
        terms, gt, lt = s_sorted.terms(rel, sigma, ifaces, True), 0, 0
        for k in keys:
            for sign, ks in terms:
                gt += sign * (len(ks) - bisect_right(ks, k))
                lt += sign * bisect_left(ks, k)
        tally.dst[1][T.id] += gt
        tally.dst[-1][T.id] += lt


def string(e: End, v: int) -> str:
    """An end's node address of family ``v`` as Go prints it (Python's str is the same)."""
    return str(e.view.ip_of(v)) if e.view is not None else ""
