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

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
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

SMALL = 2  # a range of at most this many universe positions is handled end by end
Pattern = tuple[bool, ...]
SideSets = tuple[tuple[Ranges, str], ...]  # of ints and strings: the GC stops tracking it
Key = tuple[tuple[bool, ...], Pattern, Pattern]  # undecided, source pattern, target pattern
Flow = tuple[str, int | None]
Dist = dict[Pattern, int]  # how many ends have each pattern
K = TypeVar("K", bound=Hashable)  # what `Sums` counts by: a pattern, or a label and a pattern
Ctx = tuple[SideSets, SideSets, Flow]
# source's, target's undecided; whose in turn
Flags = tuple[Sequence[bool], Sequence[bool], Sequence[bool]]
Ends = Callable[[EndClass], Sequence[End]]
Hit = tuple[EndClass, End, EndClass, End]  # a source class and end, a target class and end
# a hit whose patterns differ from its coarse ones: with its undecided sets, coarse, exact
Moved = tuple[
    EndClass, End, EndClass, End, tuple[bool, ...], tuple[Pattern, Pattern], tuple[Pattern, Pattern]
]


def undecided_of(flags: Flags) -> tuple[bool, ...]:
    """A pair's undecided sets in pairs.py `Run.sides`'s order, from each side's."""
    s_flags, t_flags = iter(flags[0]), iter(flags[1])
    return tuple(next(s_flags) if mine else next(t_flags) for mine in flags[2])


Small = tuple[tuple[int, int, str], ...]  # small ranges, with whose address they test
GroupKey = tuple[tuple[bool, ...], tuple[Ranges, ...]]  # undecided flags, coarse sets


class Cuts:
    """Each class's sets cut once per run (pairs.py `Run.cuts`): without their small ranges
    (the group key, one object per content) and those (with whose address they test). A set
    is cut once, not per class: per-node classes share all but their small ranges; and not
    per run: a run's cuts share ``shared``'s sets, cuts and keys (`Families.cuts`: the
    families of a diagnosis judge the same per-node sets again and again)."""

    def __init__(self, shared: Cuts | None = None) -> None:
        self._sides: dict[int, tuple[SideSets, GroupKey, Small]] = {}  # by id of the sets
        # by id of a set: its cuts; a set (and whose address it tests) one object per content
        self._sets: dict[int, tuple[tuple[Ranges, str], Ranges, Small]] = {}
        self._coarse: dict[Ranges, Ranges] = {}
        self._keys: dict[tuple[object, ...], GroupKey] = {}
        self.pairs: dict[tuple[Ranges, str], tuple[Ranges, str]] = {}
        self.pair_ids: dict[tuple[int, str], tuple[Ranges, str]] = {}  # by the ranges' id
        if shared is not None:
            self._sets, self._coarse, self._keys = shared._sets, shared._coarse, shared._keys
            self.pairs, self.pair_ids = shared.pairs, shared.pair_ids

    def of(self, sets: SideSets, flags: Sequence[bool]) -> tuple[SideSets, GroupKey, Small]:
        found = self._sides.get(id(sets))
        if found is None:
            known = self._sets  # `_cut`'s memo read inline: per class
            cut = [known.get(id(one)) or self._cut(one) for one in sets]
            # comprehensions, not generators: per class (a generator is a call per item)
            ids = (tuple(flags), *[id(c[1]) for c in cut])
            key = self._keys.get(ids)
            if key is None:
                key = self._keys[ids] = (tuple(flags), tuple([c[1] for c in cut]))
            found = self._sides[id(sets)] = (sets, key, tuple([x for c in cut for x in c[2]]))
        return found

    def _cut(self, one: tuple[Ranges, str]) -> tuple[tuple[Ranges, str], Ranges, Small]:
        found = self._sets.get(id(one))
        if found is None:
            ranges, kind = one
            coarse = tuple([r for r in ranges if r[1] - r[0] > SMALL])
            small = tuple([(lo, hi, kind) for lo, hi in ranges if hi - lo <= SMALL])
            found = self._sets[id(one)] = (one, self._coarse.setdefault(coarse, coarse), small)
        return found


@dataclass
class _Side:
    """One side's classes: their sets, groups (undecided flags, coarse sets), small ranges."""

    sets: dict[int, SideSets]
    flags: dict[int, Sequence[bool]]
    group: dict[int, int]
    groups: list[GroupKey]
    small: dict[int, Small]
    kinds: list[str]
    index: dict[int, int]  # by the id of a group key (`Cuts`: one object per content)

    def add(self, cls: EndClass, sets: SideSets, flags: Sequence[bool], cuts: Cuts) -> None:
        if not self.sets:
            self.kinds = [k for _, k in sets]
        _, key, small = cuts.of(sets, flags)
        self.sets[cls.id], self.flags[cls.id], self.small[cls.id] = sets, flags, small
        g = self.index.get(id(key))
        if g is None:
            g = self.index[id(key)] = len(self.groups)
            self.groups.append(key)
        self.group[cls.id] = g


class ShapeSides:
    """The classes of a shape pair with a pair in one relation: each side's sets, coarse
    groups and small ranges (what `ShapeCounts` counts by; the watch's tally too)."""

    def __init__(self, run: object, pair: SuperPair, rel: str, flow: Flow) -> None:
        from kostack.analyze.engine.pairs import Run

        assert isinstance(run, Run)
        self.run, self.pair, self.rel, self.flow = run, pair, rel, flow
        self.who: Sequence[bool] = ()
        self._firsts: dict[bool, tuple[dict[object, EndClass], list[EndClass]]] = {}
        self._partners: dict[tuple[bool, object], EndClass | None] = {}
        # each class's sets are those of a pair of its in this relation (the wires differ by
        # relation); a class without one has no pair in it
        self.srcs: list[EndClass] = []
        self.tgts: list[EndClass] = []
        self.src, self.dst = _Side({}, {}, {}, [], {}, [], {}), _Side({}, {}, {}, [], {}, [], {})
        known, subnet = self._partners, pair.src_subnet  # `_partner`'s memo read inline
        for S in pair.SS.members:
            k = (True, subnet[S.id])
            mate = known[k] if k in known else self._partner(S, pair.TT.members, True)
            if mate is not None:
                if not self.srcs:
                    self.who = run.split_sides(S, mate, flow)[2][2]
                self.srcs.append(S)
                plan = run.plan(S.members[0], mate.members[0], flow)  # the reps
                self.src.add(S, *run.own(S, plan, True), run.cuts)
        subnet = pair.dst_subnet
        for T in pair.TT.members:
            k = (False, subnet[T.id])
            mate = known[k] if k in known else self._partner(T, pair.SS.members, False)
            if mate is not None:
                self.tgts.append(T)
                plan = run.plan(mate.members[0], T.members[0], flow)  # the reps
                self.dst.add(T, *run.own(T, plan, False), run.cuts)
        self._u: dict[tuple[int, int], tuple[bool, ...]] = {}
        self._zipped: dict[tuple[int, int], tuple[tuple[Ranges, ...], list[str], SideSets]] = {}

    def _partner(self, cls: EndClass, others: list[EndClass], is_src: bool) -> EndClass | None:
        """A class of the other side in this relation with ``cls``: the first on its subnet,
        or one of the first two of distinct subnets in (or out of) the router's subnets (the
        relation is the two subnets': one answer per subnet of ``cls``)."""
        pair = self.pair
        own = (pair.src_subnet if is_src else pair.dst_subnet)[cls.id]
        if (is_src, own) in self._partners:
            return self._partners[(is_src, own)]
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
        same = firsts[0].get(own)
        found = None
        for o in ([same] if same is not None else []) + firsts[1]:
            if pair.relation(*((cls, o) if is_src else (o, cls))) == self.rel:
                found = o
                break
        self._partners[(is_src, own)] = found
        return found

    def undecided(self, S: EndClass, T: EndClass) -> tuple[bool, ...]:
        """Which of the pair's sets are undecided (pairs.py `Run.sides`)."""
        key = (self.src.group[S.id], self.dst.group[T.id])
        found = self._u.get(key)
        if found is None:
            flags = (self.src.flags[S.id], self.dst.flags[T.id], self.who)
            found = self._u[key] = undecided_of(flags)
        return found

    def pattern(self, e: End, coarse: tuple[Ranges, ...], kinds: list[str]) -> Pattern:
        key = (id(coarse), id(kinds))  # the sets paired with their kinds once: per pair moved
        found = self._zipped.get(key)
        if found is None or found[0] is not coarse or found[1] is not kinds:
            found = self._zipped[key] = (coarse, kinds, tuple(zip(coarse, kinds, strict=True)))
        return self.run.member_pattern(e, found[2])

    def exact(self, S: EndClass, T: EndClass, s: End, t: End) -> tuple[Pattern, Pattern]:
        member = self.run.member_pattern
        return member(s, self.dst.sets[T.id]), member(t, self.src.sets[S.id])

    def hits(self, src_ends: Ends, dst_ends: Ends) -> list[Hit]:
        """The pairs in this relation of ends (those each function gives of a source class,
        of a target class) where a small range of one's sets holds the other's position:
        found by position, never by pairing."""
        position = self.run.fam.position
        at: dict[tuple[str, str, int], list[tuple[EndClass, End]]] = defaultdict(list)
        # the positions the small ranges hold: of the sources for the targets' sets, and back
        want: dict[tuple[str, str], set[int]] = defaultdict(set)
        for role, side in (("src", self.dst), ("dst", self.src)):
            for v in side.small.values():
                for lo, hi, k in v:
                    want[(role, k)].update(range(lo, hi))
        for (role, k), held in want.items():
            ends, classes = (src_ends, self.srcs) if role == "src" else (dst_ends, self.tgts)
            known = self.run.fam.at[k]  # `Families.position`, read inline: per member
            for cls in classes:
                for m in ends(cls):
                    pos = known.get(id(m), -1)
                    if pos == -1:
                        pos = position(m, k)
                    if pos in held:
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

    def _dists(self, classes: list[EndClass], other: _Side) -> dict[int, list[Dist]]:
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


def by_group(classes: list[EndClass], side: _Side) -> list[list[EndClass]]:
    out: list[list[EndClass]] = [[] for _ in side.groups]
    for c in classes:
        out[side.group[c.id]].append(c)
    return out


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
