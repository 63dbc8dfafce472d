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
linear while the groups' coarse sets are few, whatever each node's own addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kostack.analyze.engine.addrsets import Ranges, contains
from kostack.analyze.engine.families import End, EndClass
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
)

SMALL = 2  # a range of at most this many universe positions is handled end by end
Pattern = tuple[bool, ...]
SideSets = list[tuple[Ranges, str]]
Key = tuple[tuple[bool, ...], Pattern, Pattern]  # undecided, source pattern, target pattern
Flow = tuple[str, int | None]
Dist = dict[Pattern, int]  # how many ends have each pattern
K = TypeVar("K", bound=Hashable)  # what `Sums` counts by: a pattern, or a label and a pattern
Ctx = tuple[SideSets, SideSets, Flow]
Flags = tuple[list[bool], list[bool], list[bool]]  # source's, target's undecided; whose in turn
Ends = Callable[[EndClass], Sequence[End]]
Hit = tuple[EndClass, End, EndClass, End]  # a source class and end, a target class and end


def undecided_of(flags: Flags) -> tuple[bool, ...]:
    """A pair's undecided sets in pairs.py `Run.sides`'s order, from each side's."""
    s_flags, t_flags = iter(flags[0]), iter(flags[1])
    return tuple(next(s_flags) if mine else next(t_flags) for mine in flags[2])


def _split(side: SideSets) -> tuple[tuple[Ranges, ...], list[tuple[int, int, str]]]:
    """A side's sets without their small ranges, and those (with whose address they test)."""
    coarse = tuple(tuple(r for r in ranges if r[1] - r[0] > SMALL) for ranges, _ in side)
    small = [(lo, hi, k) for ranges, k in side for lo, hi in ranges if hi - lo <= SMALL]
    return coarse, small


@dataclass
class _Side:
    """One side's classes: their sets, groups (undecided flags, coarse sets), small ranges."""

    sets: dict[int, SideSets]
    flags: dict[int, list[bool]]
    group: dict[int, int]
    groups: list[tuple[tuple[bool, ...], tuple[Ranges, ...]]]
    small: dict[int, list[tuple[int, int, str]]]
    kinds: list[str]


def _side(found: list[tuple[EndClass, SideSets, list[bool]]]) -> _Side:
    side = _Side({}, {}, {}, [], {}, [k for _, k in found[0][1]] if found else [])
    index: dict[tuple[tuple[bool, ...], tuple[Ranges, ...]], int] = {}
    for cls, sets, flags in found:
        coarse, small = _split(sets)
        side.sets[cls.id], side.flags[cls.id], side.small[cls.id] = sets, flags, small
        side.group[cls.id] = index.setdefault((tuple(flags), coarse), len(index))
    side.groups = list(index)
    return side


class ShapeSides:
    """The classes of a shape pair with a pair in one relation: each side's sets, coarse
    groups and small ranges (what `ShapeCounts` counts by; the watch's tally too)."""

    def __init__(self, run: object, pair: SuperPair, rel: str, flow: Flow) -> None:
        from kostack.analyze.engine.pairs import Run

        assert isinstance(run, Run)
        self.run, self.pair, self.rel, self.flow = run, pair, rel, flow
        self.who: list[bool] = []
        self._firsts: dict[bool, tuple[dict[object, EndClass], list[EndClass]]] = {}
        # each class's sets are those of a pair of its in this relation (the wires differ by
        # relation); a class without one has no pair in it
        src: list[tuple[EndClass, SideSets, list[bool]]] = []
        dst: list[tuple[EndClass, SideSets, list[bool]]] = []
        for S in pair.SS.members:
            mate = self._partner(S, pair.TT.members, True)
            if mate is not None:
                if not src:
                    self.who = run.split_sides(S, mate, flow)[2][2]
                src.append((S, *run.own(S, run.plan(S.rep, mate.rep, flow), True)))
        for T in pair.TT.members:
            mate = self._partner(T, pair.SS.members, False)
            if mate is not None:
                dst.append((T, *run.own(T, run.plan(mate.rep, T.rep, flow), False)))
        self.srcs, self.tgts = [c for c, _, _ in src], [c for c, _, _ in dst]
        self.src, self.dst = _side(src), _side(dst)
        self._u: dict[tuple[int, int], tuple[bool, ...]] = {}

    def _partner(self, cls: EndClass, others: list[EndClass], is_src: bool) -> EndClass | None:
        """A class of the other side in this relation with ``cls``: the first on its subnet,
        or one of the first two of distinct subnets in (or out of) the router's subnets."""
        pair = self.pair
        subnet = pair.dst_subnet if is_src else pair.src_subnet
        firsts = self._firsts.get(is_src)
        if firsts is None:
            by_sub: dict[object, EndClass] = {}
            for o in others:
                by_sub.setdefault(subnet[o.id], o)
            picks: dict[bool, list[EndClass]] = defaultdict(list)
            for sub, o in by_sub.items():
                if len(picks[sub in pair.ifaces]) < 2:
                    picks[sub in pair.ifaces].append(o)
            firsts = self._firsts[is_src] = (by_sub, [o for v in picks.values() for o in v])
        own = (pair.src_subnet if is_src else pair.dst_subnet)[cls.id]
        same = firsts[0].get(own)
        for o in ([same] if same is not None else []) + firsts[1]:
            if pair.relation(*((cls, o) if is_src else (o, cls))) == self.rel:
                return o
        return None

    def undecided(self, S: EndClass, T: EndClass) -> tuple[bool, ...]:
        """Which of the pair's sets are undecided (pairs.py `Run.sides`)."""
        key = (self.src.group[S.id], self.dst.group[T.id])
        found = self._u.get(key)
        if found is None:
            flags = (self.src.flags[S.id], self.dst.flags[T.id], self.who)
            found = self._u[key] = undecided_of(flags)
        return found

    def pattern(self, e: End, coarse: tuple[Ranges, ...], kinds: list[str]) -> Pattern:
        position = self.run.fam.position
        out = []
        for ranges, kind in zip(coarse, kinds, strict=True):
            pos = position(e, kind)
            out.append(pos is not None and contains(ranges, pos))
        return tuple(out)

    def exact(self, S: EndClass, T: EndClass, s: End, t: End) -> tuple[Pattern, Pattern]:
        member = self.run.member_pattern
        return member(s, self.dst.sets[T.id]), member(t, self.src.sets[S.id])

    def hits(self, src_ends: Ends, dst_ends: Ends) -> list[Hit]:
        """The pairs in this relation of ends (those each function gives of a source class,
        of a target class) where a small range of one's sets holds the other's position:
        found by position, never by pairing."""
        position = self.run.fam.position
        at: dict[tuple[str, str, int], list[tuple[EndClass, End]]] = defaultdict(list)
        # the positions the small ranges test: of the sources for the targets' sets, and back
        kinds = {("src", k) for v in self.dst.small.values() for _, _, k in v}
        kinds |= {("dst", k) for v in self.src.small.values() for _, _, k in v}
        for role, k in kinds:
            ends, classes = (src_ends, self.srcs) if role == "src" else (dst_ends, self.tgts)
            for cls in classes:
                for m in ends(cls):
                    pos = position(m, k)
                    if pos is not None:
                        at[(role, k, pos)].append((cls, m))
        seen: set[tuple[int, int]] = set()
        hits: list[Hit] = []
        for role, classes, small in (
            ("src", self.tgts, self.dst.small),
            ("dst", self.srcs, self.src.small),
        ):
            for C in classes:
                for lo, hi, k in small[C.id]:
                    for p in range(lo, hi):
                        for D, d in at.get((role, k, p), ()):
                            for c in (dst_ends if role == "src" else src_ends)(C):
                                S, s, T, t = (D, d, C, c) if role == "src" else (C, c, D, d)
                                if (id(s), id(t)) not in seen:
                                    seen.add((id(s), id(t)))
                                    hits.append((S, s, T, t))
        return [h for h in hits if self.pair.relation(h[0], h[2]) == self.rel]

    def coarse(self, S: EndClass, T: EndClass, s: End, t: End) -> tuple[Pattern, Pattern]:
        """s's pattern against T's coarse sets, t's against S's (`exact` but for a small range)."""
        h, g = self.src.group[S.id], self.dst.group[T.id]
        return (
            self.pattern(s, self.dst.groups[g][1], self.dst.kinds),
            self.pattern(t, self.src.groups[h][1], self.src.kinds),
        )


class ShapeCounts(ShapeSides):
    """The class pairs of a shape pair in one relation, counted per (undecided, patterns)."""

    def __init__(
        self,
        run: object,
        pair: SuperPair,
        rel: str,
        flow: Flow,
        selves: Iterable[tuple[EndClass, EndClass, End, End]],
    ) -> None:
        super().__init__(run, pair, rel, flow)
        # per source class and per target class: its pairs per situation key
        self.js: dict[int, dict[Key, int]] = defaultdict(dict)
        self.jt: dict[int, dict[Key, int]] = defaultdict(dict)
        self.corr = Corrections()
        if not self.srcs or not self.tgts:
            return
        self._main()
        self._exceptions()
        for S, T, s, t in selves:
            if pair.relation(S, T) == rel:
                k = (self.undecided(S, T), *self.exact(S, T, s, t))
                _add(self.js[S.id], k, -1)
                _add(self.jt[T.id], k, -1)
                self.corr.st[(S.id, T.id, k[1], k[2])] += 1

    def _dists(self, classes: list[EndClass], other: _Side) -> dict[int, list[Dist]]:
        """Per class: its members' patterns against each of the other side's groups."""
        position = self.run.fam.position
        out: dict[int, list[Dist]] = {}
        for c in classes:
            spots = [[position(m, k) for k in other.kinds] for m in c.members]
            row: list[Dist] = []
            for _, coarse in other.groups:
                d: Dist = {}
                for spot in spots:
                    p = tuple(
                        pos is not None and contains(r, pos)
                        for r, pos in zip(coarse, spot, strict=True)
                    )
                    d[p] = d.get(p, 0) + 1
                row.append(d)
            out[c.id] = row
        return out

    def _main(self) -> None:
        """Every pair counted with its patterns against the coarse sets."""
        pair, rel = self.pair, self.rel
        ds, dt = self._dists(self.srcs, self.dst), self._dists(self.tgts, self.src)
        by_h, by_g = _by_group(self.srcs, self.src), _by_group(self.tgts, self.dst)
        for h, srcs in enumerate(by_h):
            for g, tgts in enumerate(by_g):
                u = self.undecided(srcs[0], tgts[0])
                tsum = Sums(pair, [(pair.dst_subnet[T.id], dt[T.id][h]) for T in tgts])
                ssum = Sums(pair, [(pair.src_subnet[S.id], ds[S.id][g]) for S in srcs])
                for S in srcs:
                    m = tsum.targets_of(pair.src_subnet[S.id], rel)
                    j = self.js[S.id]
                    for b, nb in ds[S.id][g].items():
                        for a, na in m.items():
                            _add(j, (u, b, a), nb * na)
                for T in tgts:
                    m = ssum.sources_of(pair.dst_subnet[T.id], rel)
                    j = self.jt[T.id]
                    for a, na in dt[T.id][h].items():
                        for b, nb in m.items():
                            _add(j, (u, b, a), nb * na)

    def _exceptions(self) -> None:
        """The pairs whose patterns a small range decides: counted again with their own."""
        for S, s, T, t in self.hits(_members, _members):
            coarse, exact = self.coarse(S, T, s, t), self.exact(S, T, s, t)
            if coarse != exact:
                u = self.undecided(S, T)
                for j in (self.js[S.id], self.jt[T.id]):
                    _add(j, (u, *coarse), -1)
                    _add(j, (u, *exact), 1)

    def situations(self) -> dict[Key, Situation]:
        out: dict[Key, Situation] = {}
        for S in self.srcs:
            for k, n in self.js[S.id].items():
                if n > 0:
                    sit = out.setdefault(k, Situation())
                    sit.n += n
                    sit.src.append(S)
        for T in self.tgts:
            for k, n in self.jt[T.id].items():
                if n > 0:
                    out[k].dst.append(T)
        return out

    def ctx(self, S: EndClass, T: EndClass) -> Ctx:
        return self.dst.sets[T.id], self.src.sets[S.id], self.flow

    def occurrences(self, sit: Situation, ps: Pattern, pt: Pattern, limit: int) -> list[Occurrence]:
        """The first ``limit`` class pairs of a situation, in the order of relations.py
        `RelationCounts.occurrences` (source class, target class, patterns' ranks)."""
        u = sit.undecided
        out: list[Occurrence] = []
        for S in sit.src:
            for T in sit.dst:
                if self.pair.relation(S, T) != self.rel or self.undecided(S, T) != u:
                    continue
                sp = self.run._patterns(S, "src", self.dst.sets[T.id])
                tp = self.run._patterns(T, "dst", self.src.sets[S.id])
                n = sp.get(ps, 0) * tp.get(pt, 0) - self.corr.st.get((S.id, T.id, ps, pt), 0)
                if n > 0:
                    out.append(((S.id, T.id, list(sp).index(ps), list(tp).index(pt)), S, T))
                    if len(out) == limit:
                        return out
        return out


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


def _by_group(classes: list[EndClass], side: _Side) -> list[list[EndClass]]:
    out: list[list[EndClass]] = [[] for _ in side.groups]
    for c in classes:
        out[side.group[c.id]].append(c)
    return out


class Sums(Generic[K]):
    """One side's counts per subnet, by pattern (the watch's tally: by label and pattern):
    relations.py `RelationCounts` for one group."""

    def __init__(self, pair: SuperPair, rows: list[tuple[object, dict[K, int]]]) -> None:
        self.ifaces = pair.ifaces
        self.tot: dict[K, int] = {}
        self.inside: dict[K, int] = {}
        self.sub: dict[object, dict[K, int]] = {}
        for subnet, dist in rows:
            sub = self.sub.setdefault(subnet, {})
            for into in (self.tot, sub, self.inside) if subnet in self.ifaces else (self.tot, sub):
                for p, n in dist.items():
                    into[p] = into.get(p, 0) + n

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
