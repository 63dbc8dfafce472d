"""The two sides of a shape pair (engine/shapes.py): each class's sets cut into coarse and small
ranges (`Cuts`, once per run), the classes grouped by their coarse sets (`Side`), and the pairs
in one relation where a small range holds an end, found by position (`ShapeSides.hits`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kostack.analyze.engine.addrsets import Ranges, splice
from kostack.analyze.engine.family_records import End, EndClass
from kostack.analyze.engine.relations import SuperPair

SMALL = 2  # a range of at most this many universe positions is handled end by end
Pattern = tuple[bool, ...]
SideSets = tuple[tuple[Ranges, str], ...]  # of ints and strings: the GC stops tracking it
Flow = tuple[str, int | None]
# source's, target's undecided; whose in turn
Flags = tuple[Sequence[bool], Sequence[bool], Sequence[bool]]
Ends = Callable[[EndClass], Sequence[End]]
Hit = tuple[EndClass, End, EndClass, End]  # a source class and end, a target class and end


def undecided_of(flags: Flags) -> tuple[bool, ...]:
    """A pair's undecided sets in pairs.py `Run.sides`'s order, from each side's."""
    s_flags, t_flags = iter(flags[0]), iter(flags[1])
    return tuple(next(s_flags) if mine else next(t_flags) for mine in flags[2])


Splits = dict[int, tuple[Ranges, Ranges, Ranges]]  # addrsets.py `Universe.splits`
Small = tuple[tuple[int, int, str], ...]  # small ranges, with whose address they test
GroupKey = tuple[tuple[bool, ...], tuple[Ranges, ...]]  # undecided flags, coarse sets


class Cuts:
    """Each class's sets cut once per run (pairs.py `Run.cuts`): without their small ranges
    (the group key, one object per content) and those (with whose address they test). A set
    is cut once, not per class: per-node classes share all but their small ranges; and not
    per run: a run's cuts share ``shared``'s sets, cuts and keys (`Families.cuts`: the
    families of a diagnosis judge the same per-node sets again and again)."""

    def __init__(self, shared: Cuts | None = None, splits: Splits | None = None) -> None:
        self._sides: dict[int, tuple[SideSets, GroupKey, Small]] = {}  # by id of the sets
        # by id of a set: its cuts; a set (and whose address it tests) one object per content
        self._sets: dict[int, tuple[tuple[Ranges, str], Ranges, Small]] = {}
        self._coarse: dict[Ranges, Ranges] = {}
        # a shared part (addrsets.py `Universe.splits`) as coarse, by its id: it, interned
        self._shared: dict[int, tuple[Ranges, Ranges]] = {}
        self._keys: dict[tuple[object, ...], GroupKey] = {}
        self.pairs: dict[tuple[Ranges, str], tuple[Ranges, str]] = {}
        self.pair_ids: dict[tuple[int, str], tuple[Ranges, str]] = {}  # by the ranges' id
        self.splits: Splits = {} if splits is None else splits
        if shared is not None:
            self._sets, self._coarse, self._keys = shared._sets, shared._coarse, shared._keys
            self.pairs, self.pair_ids = shared.pairs, shared.pair_ids
            self._shared, self.splits = shared._shared, shared.splits

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
        """A set's coarse ranges (one object per content) and its small ones. A set made of a
        shared part and its own ranges (`Universe.splits`: per-node groups that admit one
        remote group) keeps the shared part whole as coarse, cut once for every set holding
        it, and only its own ranges are cut: a shared range is one class's, not each end's."""
        found = self._sets.get(id(one))
        if found is None:
            ranges, kind = one
            split = self.splits.get(id(ranges))
            if split is not None and split[0] is ranges:
                coarse, own = self._shared_coarse(split[1]), split[2]
                wide = [r for r in own if r[1] - r[0] > SMALL]
                if wide:
                    coarse = splice(coarse, wide)
                    coarse = self._coarse.setdefault(coarse, coarse)
            else:
                own = ranges
                coarse = tuple([r for r in ranges if r[1] - r[0] > SMALL])
                coarse = self._coarse.setdefault(coarse, coarse)
            small = tuple([(lo, hi, kind) for lo, hi in own if hi - lo <= SMALL])
            found = self._sets[id(one)] = (one, coarse, small)
        return found

    def _shared_coarse(self, shared: Ranges) -> Ranges:
        found = self._shared.get(id(shared))
        if found is None or found[0] is not shared:
            found = self._shared[id(shared)] = (shared, self._coarse.setdefault(shared, shared))
        return found[1]


@dataclass
class Side:
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
        self.src, self.dst = Side({}, {}, {}, [], {}, [], {}), Side({}, {}, {}, [], {}, [], {})
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


def by_group(classes: list[EndClass], side: Side) -> list[list[EndClass]]:
    out: list[list[EndClass]] = [[] for _ in side.groups]
    for c in classes:
        out[side.group[c.id]].append(c)
    return out
