"""Class pairs judged by relation, not one by one (docs/engine.md, "Scale by construction").

A class key holds the end's subnet (its route key) and its subnet's router, so a
cluster spread over hundreds of subnets has hundreds of classes on each side. What a
pair's verdict takes from the two subnets is only how they relate: the same subnet
(switched; CrossSubnet sends natively), different subnets that the source subnet's
router joins (routed), or different subnets it does not join (no route); or no
relation at all (a subnet not known, an end outside the cluster). So classes that
differ only in their subnet form one *super-class*, and a pair of super-classes is
judged once per relation: the members of each class are counted per membership
pattern as before, and the counts of the class pairs in a relation are summed per
subnet (O(classes + subnets) per relation, not O(classes^2)).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kostack.analyze.engine.family_records import End, EndClass
from kostack.analyze.engine.router import route_to
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Router

Pattern = tuple[bool, ...]
Counts = dict[Pattern, int]
OUT, UNKNOWN, SAME, JOINED, APART = "-", "?", "same", "joined", "apart"


@dataclass
class Super:
    """Classes whose keys differ only in the subnet: one per distinct rest of the key."""

    index: int
    static: tuple[object, ...]  # the static key without the subnet (whether there is one)
    kind: str  # "out" (outside the cluster), "nosub" (subnet not known), "net"
    router: object  # the router id of the subnet (the same for every member)
    shape: int  # one per (static key without the subnet, extra): supers differing in rows only
    members: list[EndClass] = field(default_factory=list)


def subnet_of(cls: EndClass) -> object:
    static = cls.key[0]
    assert isinstance(static, tuple)
    if not static or static[0] == "outside":
        return None
    route = static[0]
    assert isinstance(route, tuple)
    return route[0]


def supers(classes: Sequence[EndClass]) -> list[Super]:
    """Group classes by their key with the subnet left out (families.py `Families.static`)."""
    out: dict[tuple[object, ...], Super] = {}
    shapes: dict[tuple[object, ...], int] = {}
    # per static key object (one per content: families.py interns them): its key without
    # the subnet, numbered per content, so a class's key hashes no deep tuple
    of_static: dict[int, tuple[tuple[object, ...], int, tuple[object, ...], str, object]] = {}
    numbers: dict[tuple[object, ...], int] = {}
    for cls in classes:
        static, extra, rows = cls.key
        assert isinstance(static, tuple)
        found = of_static.get(id(static))
        if found is None:
            if not static or static[0] == "outside":
                kind, router, abstract = "out", None, static
            else:
                route = static[0]
                assert isinstance(route, tuple)
                kind = "nosub" if route[0] is None else "net"
                router = static[1]
                abstract = ((route[0] is None, *route[1:]), *static[1:])
            number = numbers.setdefault(abstract, len(numbers))
            found = of_static[id(static)] = (static, number, abstract, kind, router)
        _, number, abstract, kind, router = found
        key = (number, extra, rows)
        sup = out.get(key)
        if sup is None:
            shape = shapes.setdefault((number, extra), len(shapes))
            sup = out[key] = Super(len(out), abstract, kind, router, shape)
        sup.members.append(cls)
    return list(out.values())


class SuperPair:
    """A source super-class and a target super-class: how their classes relate."""

    def __init__(self, SS: Super, TT: Super, routers: dict[str, Router]) -> None:
        self.SS, self.TT = SS, TT
        router = routers.get(str(SS.router)) if SS.router is not None else None
        self.ifaces: frozenset[object] = frozenset(router.interface_subnet_ids if router else ())
        # per side: a source class and a target class may have the same id
        self.src_subnet = {c.id: subnet_of(c) for c in SS.members}
        self.dst_subnet = {c.id: subnet_of(c) for c in TT.members}
        if "out" in (SS.kind, TT.kind):
            self.fixed: str | None = OUT
        elif "nosub" in (SS.kind, TT.kind):
            self.fixed = UNKNOWN
        else:
            self.fixed = None

    def relation(self, S: EndClass, T: EndClass) -> str:
        if self.fixed is not None:
            return self.fixed
        sigma_t = self.dst_subnet[T.id]
        if self.src_subnet[S.id] == sigma_t:
            return SAME
        return JOINED if sigma_t in self.ifaces else APART

    def relations(self) -> list[str]:
        return [self.fixed] if self.fixed is not None else [SAME, JOINED, APART]

    def rep(self, rel: str) -> tuple[EndClass, EndClass] | None:
        """A (source class, target class) pair in relation ``rel``, if there is one."""
        if rel in (OUT, UNKNOWN):
            return self.SS.members[0], self.TT.members[0]
        if rel == SAME:
            first: dict[object, EndClass] = {}
            for T in self.TT.members:
                first.setdefault(self.dst_subnet[T.id], T)
            for S in self.SS.members:
                if self.src_subnet[S.id] in first:
                    return S, first[self.src_subnet[S.id]]
            return None
        # two source classes of different subnets (if any): one differs from any target's
        distinct: list[EndClass] = []
        seen: set[object] = set()  # their subnets (one set: a subnet is tested once)
        for S in self.SS.members:
            if self.src_subnet[S.id] not in seen:
                seen.add(self.src_subnet[S.id])
                distinct.append(S)
                if len(distinct) == 2:
                    break
        for T in self.TT.members:
            if (self.dst_subnet[T.id] in self.ifaces) != (rel == JOINED):
                continue
            for S in distinct:
                if self.src_subnet[S.id] != self.dst_subnet[T.id]:
                    return S, T
        return None


class Corrections:
    """Same-node pairs (excluded) per source class, target class and both, by patterns."""

    def __init__(self) -> None:
        self.s: dict[tuple[object, ...], int] = defaultdict(int)
        self.t: dict[tuple[object, ...], int] = defaultdict(int)
        self.st: dict[tuple[object, ...], int] = defaultdict(int)

    def add(self, s: int, t: int, ps: Pattern, pt: Pattern) -> None:
        self.s[(s, ps, pt)] += 1
        self.t[(t, ps, pt)] += 1
        self.st[(s, t, ps, pt)] += 1


@dataclass
class Situation:
    """The class pairs of one relation and pattern pair: how many flows, which classes."""

    n: int = 0
    src: list[EndClass] = field(default_factory=list)  # in class order
    dst: list[EndClass] = field(default_factory=list)
    undecided: tuple[bool, ...] = ()  # a shape pair's (shapes.py): which sets are undecided


Occurrence = tuple[tuple[int, int, int, int], EndClass, EndClass]  # order key, S, T


class RelationCounts:
    """The class pairs of a super-class pair in one relation, counted per subnet."""

    def __init__(
        self,
        pair: SuperPair,
        rel: str,
        sp: dict[int, Counts],
        tp: dict[int, Counts],
        corr: Corrections,
    ) -> None:
        self.pair, self.rel, self.sp, self.tp, self.corr = pair, rel, sp, tp, corr
        sub, dsub = pair.src_subnet, pair.dst_subnet
        self.sub_t: dict[object, Counts] = defaultdict(lambda: defaultdict(int))
        self.tot_t: Counts = defaultdict(int)
        self.in_t: Counts = defaultdict(int)  # targets on subnets the router joins
        for T in pair.TT.members:
            for pt, nt in tp[T.id].items():
                self.sub_t[dsub[T.id]][pt] += nt
                self.tot_t[pt] += nt
                if dsub[T.id] in pair.ifaces:
                    self.in_t[pt] += nt
        self.sub_s: dict[object, Counts] = defaultdict(lambda: defaultdict(int))
        self.tot_s: Counts = defaultdict(int)
        for S in pair.SS.members:
            for ps, ns in sp[S.id].items():
                self.sub_s[sub[S.id]][ps] += ns
                self.tot_s[ps] += ns
        self._targets: dict[tuple[Pattern, object], list[EndClass]] = {}

    def _targets_of(self, S: EndClass, pt: Pattern) -> int:
        """How many targets with pattern ``pt`` are in relation to the source class ``S``."""
        if self.rel in (OUT, UNKNOWN):
            return self.tot_t.get(pt, 0)
        sigma = self.pair.src_subnet[S.id]
        same = self.sub_t[sigma].get(pt, 0) if sigma in self.sub_t else 0
        if self.rel == SAME:
            return same
        joined = self.in_t.get(pt, 0) - (same if sigma in self.pair.ifaces else 0)
        if self.rel == JOINED:
            return joined
        return (
            self.tot_t.get(pt, 0)
            - self.in_t.get(pt, 0)
            - (0 if sigma in self.pair.ifaces else same)
        )

    def _sources_of(self, T: EndClass, ps: Pattern) -> int:
        """How many sources with pattern ``ps`` are in relation to the target class ``T``."""
        if self.rel in (OUT, UNKNOWN):
            return self.tot_s.get(ps, 0)
        sigma = self.pair.dst_subnet[T.id]
        same = self.sub_s[sigma].get(ps, 0) if sigma in self.sub_s else 0
        if self.rel == SAME:
            return same
        if (sigma in self.pair.ifaces) != (self.rel == JOINED):
            return 0
        return self.tot_s.get(ps, 0) - same

    def situations(self) -> dict[tuple[Pattern, Pattern], Situation]:
        out: dict[tuple[Pattern, Pattern], Situation] = {}
        for S in self.pair.SS.members:
            for ps, ns in self.sp[S.id].items():
                for pt in self.tot_t:
                    m = self._targets_of(S, pt)
                    n = ns * m - self.corr.s.get((S.id, ps, pt), 0) if m else 0
                    if n > 0:
                        sit = out.get((ps, pt))  # a Situation made only when new
                        if sit is None:
                            sit = out[(ps, pt)] = Situation()
                        sit.n += n
                        sit.src.append(S)
        for T in self.pair.TT.members:
            for pt, nt in self.tp[T.id].items():
                for ps in self.tot_s:
                    m = self._sources_of(T, ps)
                    n = nt * m - self.corr.t.get((T.id, ps, pt), 0) if m else 0
                    if n > 0:
                        out[(ps, pt)].dst.append(T)
        return out

    def _candidates(self, S: EndClass, pt: Pattern) -> Iterator[EndClass]:
        """The target classes with pattern ``pt`` that can pair with ``S``, in class order."""
        sub = self.pair.dst_subnet
        sigma = self.pair.src_subnet[S.id]
        if self.rel == SAME:
            key: object = sigma
        elif self.rel in (JOINED, APART):
            key = self.rel
        else:
            key = None
        found = self._targets.get((pt, key))
        if found is None:
            found = []
            for T in self.pair.TT.members:
                if pt not in self.tp[T.id]:
                    continue
                if self.rel == SAME and sub[T.id] != sigma:
                    continue
                if self.rel in (JOINED, APART) and (sub[T.id] in self.pair.ifaces) != (
                    self.rel == JOINED
                ):
                    continue
                found.append(T)
            self._targets[(pt, key)] = found
        if self.rel in (JOINED, APART):
            return (T for T in found if sub[T.id] != sigma)
        return iter(found)

    def occurrences(self, sit: Situation, ps: Pattern, pt: Pattern, limit: int) -> list[Occurrence]:
        """The first ``limit`` class pairs of a situation in the order pairs are judged one by
        one (source class, target class, then each side's patterns in their counting order)."""
        return first_pairs(self, sit, ps, pt, limit)

    def row(self, sit: Situation, ps: Pattern, pt: Pattern, S: EndClass) -> Iterator[Occurrence]:
        """The class pairs of a situation whose source class is ``S``, in order."""
        ns = self.sp[S.id][ps]
        rank_s = list(self.sp[S.id]).index(ps)
        for T in self._candidates(S, pt):
            if ns * self.tp[T.id][pt] - self.corr.st.get((S.id, T.id, ps, pt), 0) > 0:
                yield ((S.id, T.id, rank_s, list(self.tp[T.id]).index(pt)), S, T)


class Rows(Protocol):
    def row(self, sit: Situation, ps: Pattern, pt: Pattern, S: EndClass) -> Iterator[Occurrence]:
        """The class pairs of a situation whose source class is ``S``, in order."""
        ...


def first_pairs(
    counts: Rows, sit: Situation, ps: Pattern, pt: Pattern, limit: int
) -> list[Occurrence]:
    """The first ``limit`` class pairs of a situation (all: -1), row by row."""
    out: list[Occurrence] = []
    for S in sit.src:
        for occ in counts.row(sit, ps, pt, S):
            out.append(occ)
            if len(out) == limit:
                return out
    return out


# ---------------------------------------------------------------- route classes (encapsulation)

RouteKey = tuple[object, ...]  # families.py `route_key`: subnet id, pool, kind, outside


def route_relation(topo: Topology, a: RouteKey, b: RouteKey) -> str:
    """How the subnets of two route classes relate, as the hops see it (`SuperPair.relation`)."""
    if a[0] is None or b[0] is None:
        return UNKNOWN
    if a[0] == b[0]:
        return SAME
    router = topo.router_for_subnet(str(a[0]))
    return JOINED if router is not None and b[0] in router.interface_subnet_ids else APART


class RouteClasses:
    """Pairs of route classes (pods' subnets and pools) judged per relation: a source route
    class and every target route class that differs only in its subnet, and that the
    routers route alike, are one decision per relation (`ClusterFlows.decisions_of`)."""

    def __init__(self, topo: Topology, groups: dict[RouteKey, list[End]]) -> None:
        self.topo, self.groups = topo, groups
        self.order = {k: i for i, k in enumerate(groups)}
        self.kinds: dict[RouteKey, tuple[object, ...]] = {}
        by_kind: dict[tuple[object, ...], list[RouteKey]] = {}
        for k, ends in groups.items():
            routed = tuple(route_to(topo, r, ends[0].ip) is not None for r in topo.routers)
            kind = ((k[0] is None, *k[1:]), routed)
            self.kinds[k] = kind
            by_kind.setdefault(kind, []).append(k)
        self.by_kind = by_kind
        self._first: dict[tuple[object, ...], list[RouteKey]] = {}
        # per kind: the first route class of each subnet, and the first two of distinct subnets
        self.by_subnet = {kind: {k[0]: k for k in reversed(keys)} for kind, keys in by_kind.items()}

    def reps(self, a: RouteKey) -> list[RouteKey]:
        """The first target route class of each (kind, relation) for the source class ``a``, in
        the order of the route classes."""
        out: list[RouteKey] = []
        router = self.topo.router_for_subnet(str(a[0])) if a[0] is not None else None
        ifaces = frozenset(router.interface_subnet_ids if router is not None else ())
        for kind, keys in self.by_kind.items():
            if a[0] is None or keys[0][0] is None:
                out.append(keys[0])
                continue
            same = self.by_subnet[kind].get(a[0])
            if same is not None:
                out.append(same)
            for joined in (True, False):
                b = next(
                    (k for k in self._firsts(kind, router, ifaces, joined) if k[0] != a[0]), None
                )
                if b is not None:
                    out.append(b)
        return sorted(out, key=self.order.__getitem__)

    def _firsts(
        self,
        kind: tuple[object, ...],
        router: Router | None,
        ifaces: frozenset[object],
        joined: bool,
    ) -> list[RouteKey]:
        """The first two route classes of a kind whose subnet the router joins (or not)."""
        key = (kind, router.id if router is not None else None, joined)
        found = self._first.get(key)
        if found is None:
            found = self._first[key] = []
            for k in self.by_kind[kind]:
                if (k[0] in ifaces) == joined:
                    found.append(k)
                    if len(found) == 2:
                        break
        return found

    def peers(self, a: RouteKey, b: RouteKey) -> list[RouteKey]:
        """Every target route class that pairs with ``a`` as ``b`` does (same kind, relation)."""
        rel = route_relation(self.topo, a, b)
        if rel == SAME:
            return [b]  # the classes of one kind differ in their subnet: one shares a's
        return [k for k in self.by_kind[self.kinds[b]] if route_relation(self.topo, a, k) == rel]
