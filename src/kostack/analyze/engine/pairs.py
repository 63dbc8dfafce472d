"""One family evaluation: count members per membership pattern, trace one pair per situation.

For a source class S and a target class T, the sets that judge the pair are
S's egress set (tested against each target's address) and T's ingress set
(tested against each source's address), per world, plus the TCP 179 sets when
routes come from BGP. The members of T are counted per pattern of
memberships in S's sets, and those of S per pattern in T's sets — by binary
search over the universe when one address kind is tested (O(ranges x log n)),
else member by member. Class pairs are taken per super-class pair and relation
of their subnets (relations.py), never one by one: every (relation, pattern
pair) is one situation, a concrete pair in it is traced in every world
(memoised on everything that decides the hops), and its count is multiplied out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from kostack.analyze.engine.addrsets import BEYOND, Ranges, patterns
from kostack.analyze.engine.bgp_routes import mesh_one_way
from kostack.analyze.engine.drafts import Draft
from kostack.analyze.engine.families import Families
from kostack.analyze.engine.family_keys import wire_sets
from kostack.analyze.engine.family_records import (
    End,
    EndClass,
    Fact,
    FlowOf,
    HopId,
    Plan,
    SituationKey,
    hop_id,
)
from kostack.analyze.engine.mesh_order import MeshOrder
from kostack.analyze.engine.path import session_judge, trace
from kostack.analyze.engine.relations import (
    Corrections,
    Occurrence,
    RelationCounts,
    Situation,
    SuperPair,
    supers,
)
from kostack.analyze.engine.shape_sides import Cuts, Flags, undecided_of
from kostack.analyze.engine.shapes import ShapeCounts, by_shape, merged
from kostack.analyze.engine.types import PASSING, FlowResult, Hop

Pattern = tuple[bool, ...]
SideSets = tuple[tuple[Ranges, str], ...]  # a set, and whose address it tests: "ip" or "node"
Ctx = tuple[SideSets, SideSets, tuple[str, int | None]]  # (target's sets, source's, flow)


class Run:
    """The state of one family evaluation."""

    def __init__(
        self,
        fam: Families,
        flow_of: FlowOf,
        same_node: str,
        steps: frozenset[str] | None,
        openers: int | None = None,
    ) -> None:
        self.fam = fam
        self.openers = openers  # Families.evaluate: count the mesh sessions' openers only
        self.flow_of = flow_of
        self.same_node = same_node
        self.steps = steps
        worlds = len(fam.topos)
        self.total = 0
        self.ok = [0] * worlds
        self.facts: list[list[Fact]] = [[] for _ in range(worlds)]
        self.failed_sources: list[set[int]] = [set() for _ in range(worlds)]
        self._facts: list[dict[HopId, Fact]] = [{} for _ in range(worlds)]
        self._memo: dict[tuple[object, ...], tuple[FlowResult, ...] | None] = {}
        self.traced = 0
        self._positions: dict[tuple[int, str, str], list[int]] = {}
        self._traces: dict[tuple[object, ...], tuple[FlowResult, ...] | None] = {}
        self._concrete: dict[tuple[object, ...], tuple[FlowResult, ...] | None] = {}
        self._sides: dict[tuple[int, bool, int], tuple[SideSets, tuple[bool, ...]]] = {}
        # flags interned; shapes.py's cuts of sets (and the sets interned), shared by the runs
        self._flags: dict[tuple[bool, ...], tuple[bool, ...]] = {}
        if fam.cuts is None:
            fam.cuts = Cuts(splits=fam.universe.splits)
        self.cuts = Cuts(fam.cuts)
        self._wires, self._t_node, self._end_keys = fam.plans  # `plan`'s, for every run
        # (source super, target super, relation, patterns) -> its outcome in every world
        self.situations: dict[SituationKey, tuple[FlowResult, ...]] = {}
        self.ordered: dict[SituationKey, dict[int, tuple[FlowResult, ...]]] = {}
        self.mesh = MeshOrder()  # who opens a mesh session: `_judged` splits by it
        # the traces run: the keys of `_traces` traced, those of a settling's asking
        # (`settle`), and the judging's count and keys
        self._ran: set[tuple[object, ...]] = set()
        self._asked: set[tuple[object, ...]] | None = None
        self.judged: tuple[int, frozenset[tuple[object, ...]]] = (0, frozenset())

    # ------------------------------------------------------------------ patterns

    def rep_flow(
        self, pair: SuperPair, rel: str
    ) -> tuple[tuple[EndClass, EndClass], tuple[str, int | None]] | None:
        """A class pair of ``pair`` in relation ``rel`` and its flow; None when there is none."""
        rep = pair.rep(rel)
        flow = self.flow_of(rep[0].rep, rep[1].rep) if rep is not None else None
        return (rep, flow) if rep is not None and flow is not None else None

    def _positions_of(self, cls: EndClass, side: str, kind: str) -> list[int] | None:
        """Sorted universe positions of a class's addresses (None when one is missing)."""
        key = (cls.id, side, kind)
        if key not in self._positions:
            found = [self.fam.position(m, kind) for m in cls.members]
            if any(p is None for p in found):
                return None
            self._positions[key] = sorted(p for p in found if p is not None)
        return self._positions[key]

    def member_pattern(self, e: End, sets: SideSets) -> Pattern:
        """Whether each of ``sets`` holds ``e``'s address of its kind (`contains`, inline:
        per member of every class)."""
        out = []
        at, key = self.fam.at, id(e)
        for ranges, kind in sets:
            pos = at[kind].get(key, -1)
            if pos == -1:
                pos = self.fam.position(e, kind)
            if pos is None:
                out.append(False)
                continue
            i = bisect_right(ranges, (pos, BEYOND)) - 1
            out.append(i >= 0 and ranges[i][0] <= pos < ranges[i][1])
        return tuple(out)

    def pattern_counts(self, cls: EndClass, side: str, sets: SideSets) -> dict[Pattern, int]:
        kinds = {k for _, k in sets}
        if len(kinds) <= 1:
            positions = self._positions_of(cls, side, kinds.pop() if kinds else "ip")
            if positions is not None:
                return patterns([r for r, _ in sets], positions)
        out: dict[Pattern, int] = defaultdict(int)
        for m in cls.members:
            out[self.member_pattern(m, sets)] += 1
        return out

    # ------------------------------------------------------------------ every class pair

    def all_pairs(
        self,
        sources: list[EndClass],
        targets: list[EndClass],
        selves: dict[tuple[int, int], list[tuple[End, End]]],
    ) -> list[_Found]:
        """Judge every (source class, target class) pair, by super-class pair and relation
        (relations.py): the counts, facts and examples of judging each class pair in turn
        (source classes in order, then target classes, then patterns), for work per
        super-class pair, relation and class, never per class pair."""
        s_supers, t_supers = supers(sources), supers(targets)
        of_s = {c.id: sup for sup in s_supers for c in sup.members}
        of_t = {c.id: sup for sup in t_supers for c in sup.members}
        selves_of: dict[tuple[object, ...], list[Self]] = defaultdict(list)
        for (si, ti), pairs in selves.items():
            SS, TT = of_s[si], of_t[ti]
            for s, t in pairs:
                one = (sources[si], targets[ti], s, t)
                selves_of[(SS.index, TT.index)].append(one)
                selves_of[("shape", SS.shape, TT.shape)].append(one)
        routers = {r.id: r for r in self.fam.topos[0].routers}
        s_shapes, t_shapes = by_shape(s_supers), by_shape(t_supers)
        # super-classes whose shape is theirs alone, pair by pair
        singles = [TT for TT in t_supers if len(t_shapes[TT.shape]) == 1]
        found: list[_Found] = []
        for SS in s_supers:
            for TT in singles if len(s_shapes[SS.shape]) == 1 else ():
                pair = SuperPair(SS, TT, routers)
                for rel in pair.relations():
                    selves_here = selves_of.get((SS.index, TT.index), [])
                    found.extend(self._relation(pair, rel, selves_here))
        # a shape of several super-classes (per-node groups) on either side: shape by shape
        for a, many_s in s_shapes.items():
            for b, many_t in t_shapes.items():
                if len(many_s) > 1 or len(many_t) > 1:
                    pair = SuperPair(merged(many_s), merged(many_t), routers)
                    for rel in pair.relations():
                        here = selves_of.get(("shape", a, b), [])
                        found.extend(self._shape_relation(pair, rel, here))
        self.judged = (self.traced, frozenset(self._ran))
        return found

    def compact(self, found: list[_Found]) -> None:
        """Drop what judging needed and settling does not (a judging kept for another
        ``steps``: judging.py): each class's sets per plan and their cuts, the situations'
        memo, the classes' positions, and a shape pair's counts per class (its situations are
        counted) and moved pairs."""
        self._sides.clear()
        self._memo.clear()
        self._positions.clear()  # found again if asked (`_positions_of`)
        self.cuts = Cuts(self.cuts)
        for f in found:
            if isinstance(f.counts, ShapeCounts):
                f.counts.forget_counts()

    def settle(self, found: list[_Found], steps: frozenset[str] | None) -> None:
        """The counts, facts and examples of the judged pairs for ``steps``, as if this run had
        judged them with those (`evaluate` settles one judging again for other ``steps``):
        ``traced`` counts the judging's traces and those this settling asked that the judging
        did not, whether traced now or for an earlier settling."""
        worlds = len(self.fam.topos)
        self.steps = steps
        self.total, self.ok = 0, [0] * worlds
        self.facts = [[] for _ in range(worlds)]
        self.failed_sources = [set() for _ in range(worlds)]
        self._facts = [{} for _ in range(worlds)]
        self._concrete = {}
        self._asked = set()
        self._settle(found)
        judged, ran = self.judged
        self.traced = judged + len({k for k in self._asked if k in self._ran and k not in ran})
        self._asked = None

    def sides(
        self, S: EndClass, T: EndClass, flow: tuple[str, int | None]
    ) -> tuple[SideSets, SideSets, tuple[bool, ...]]:
        """S's sets (tested against targets), T's (against sources), and which are undecided."""
        s_side, t_side, flags = self.split_sides(S, T, flow)
        return s_side, t_side, undecided_of(flags)

    def split_sides(self, S: EndClass, T: EndClass, flow: tuple[str, int | None]) -> SplitSides:
        """`sides`, with which sets are undecided per side and in which order they come."""
        plan = self.plan(S.rep, T.rep, flow)
        s_side, s_flags = self.own(S, plan, True)
        t_side, t_flags = self.own(T, plan, False)
        who = [
            mine
            for w, wires in enumerate(plan)
            for q, _, mine in wires
            if q in (S if mine else T).sets[w]
        ]
        return s_side, t_side, (s_flags, t_flags, who)

    def own(self, cls: EndClass, plan: Plan, mine: bool) -> tuple[SideSets, tuple[bool, ...]]:
        """One side's sets of a plan (`plan`) and which are undecided (a set the class lacks
        is left out)."""
        key = (cls.id, mine, id(plan))
        found = self._sides.get(key)
        if found is None:
            side: list[tuple[Ranges, str]] = []
            flags: list[bool] = []
            shared, by_id = self.cuts.pairs, self.cuts.pair_ids
            for w, wires in enumerate(plan):
                for q, kind, its in wires:
                    a = cls.sets[w].get(q) if its == mine else None
                    if a is not None:
                        # by the id of the ranges first (kept alive by their engine's sets)
                        one = by_id.get((id(a.ranges), kind))
                        if one is None:
                            one = shared.setdefault((a.ranges, kind), (a.ranges, kind))
                            by_id[(id(a.ranges), kind)] = one
                        side.append(one)
                        flags.append(a.undecided)
            undecided = tuple(flags)
            found = self._sides[key] = (tuple(side), self._flags.setdefault(undecided, undecided))
        return found

    def plan(self, s: End, t: End, flow: tuple[str, int | None]) -> Plan:
        """Per world: the queries judging s -> t, whose address each tests, and whether it is
        the source's (memoised on what `wire_sets` and `bgp_tests` read of the ends, as
        families.py `_joint_key` keys wire_sets)."""
        t_node = self._t_node.get(id(t))
        if t_node is None:
            t_node = self._t_node[id(t)] = any(t.ip in topo.node_by_ip for topo in self.fam.topos)
        ends = self._end_keys  # `_end_key`'s memo read inline: per class and shape pair
        key = (
            ends.get(id(s)) or self._end_key(s),
            ends.get(id(t)) or self._end_key(t),
            t_node,
            flow,
        )
        found = self._wires.get(key)
        if found is None:
            found = []
            bgp = self.fam.bgp and "pod" in (s.endpoint.kind, t.endpoint.kind)
            for topo in self.fam.topos:
                plan = [(q, kind, q.side == "src") for q, kind in wire_sets(topo, s, t, flow)]
                if bgp:  # the sessions of the flow's family (BIRD6's for IPv6 pods)
                    for e, mine in ((s, True), (t, False)):
                        plan += [(q, k, mine) for q, k in self.fam.bgp_tests(e, t.ip.version)]
                found.append(plan)
            self._wires[key] = found
        return found

    def _end_key(self, e: End) -> tuple[object, ...]:
        """What `plan` reads of an end: its route key, its address's family and its node's."""
        found = self._end_keys.get(id(e))
        if found is None:
            v = e.view
            node = v.ip.version if v is not None and v.ip is not None else None
            found = self._end_keys[id(e)] = (self.fam.route(e), e.ip.version, node)
        return found

    def _relation(self, pair: SuperPair, rel: str, selves: list[Self]) -> list[_Found]:
        """A super-class pair in one relation: counted per subnet, each situation judged once
        (its flow, wires and sets are those of any class pair in it: they differ only in
        their subnets, and the relation is what the hops take from those)."""
        found = self.rep_flow(pair, rel)
        if found is None:
            return []
        rep, flow = found
        s_side, t_side, undecided = self.sides(rep[0], rep[1], flow)
        sp = {S.id: self.pattern_counts(S, "src", t_side) for S in pair.SS.members}
        tp = {T.id: self.pattern_counts(T, "dst", s_side) for T in pair.TT.members}
        corr = Corrections()
        for S, T, s, t in selves:
            if pair.relation(S, T) == rel:
                ps, pt = self.member_pattern(s, t_side), self.member_pattern(t, s_side)
                corr.add(S.id, T.id, ps, pt)
        counts = RelationCounts(pair, rel, sp, tp, corr)
        sits = [(undecided, ps, pt, sit) for (ps, pt), sit in counts.situations().items()]
        return self._judged(pair, rel, counts, sits, lambda S, T: (t_side, s_side, flow))

    def _shape_relation(self, pair: SuperPair, rel: str, selves: list[Self]) -> list[_Found]:
        """`_relation` for a pair of shapes (shapes.py): the super-classes of each differ in
        their sets only, so their class pairs are counted at once, not super-class by one."""
        found = self.rep_flow(pair, rel)
        if found is None:
            return []
        counts = ShapeCounts(self, pair, rel, found[1], selves)
        sits = [(u, ps, pt, sit) for (u, ps, pt), sit in counts.situations().items()]
        for u, _, _, sit in sits:
            sit.undecided = u
        return self._judged(pair, rel, counts, sits, counts.ctx, shaped=True)

    def _judged(
        self,
        pair: SuperPair,
        rel: str,
        counts: RelationCounts | ShapeCounts,
        sits: list[tuple[tuple[bool, ...], Pattern, Pattern, Situation]],
        ctx_of: Callable[[EndClass, EndClass], Ctx],
        shaped: bool = False,
    ) -> list[_Found]:
        """Each situation traced once, through its first class pair: the sets decide the hops
        only through the patterns and which are undecided, so source super-classes differing
        in their sets only share a trace."""
        out = []
        for undecided, ps, pt, sit in sits:
            first = counts.occurrences(sit, ps, pt, 1)
            if not first:
                continue
            S, T = first[0][1], first[0][2]
            key = (pair.SS.shape, pair.TT.static, rel, undecided, ps, pt)
            ctx = ctx_of(S, T)
            if key not in self._memo:
                self._memo[key] = self._traced(S, T, ctx, ps, pt)
            outcome = self._memo[key]
            if outcome is not None:
                self.situations[key] = outcome
                found = _Found(
                    sit, outcome, counts, ps, pt, ctx, undecided, ctx_of if shaped else None
                )
                picked = self._pick(S, T, ctx[0], ctx[1], ps, pt)
                v = self.openers or (self._mesh(*picked) if picked is not None else None)
                parts = self.mesh.split(self, found, ctx_of, v) if v is not None else [found]
                if v is not None:
                    into = self.ordered.setdefault(key, {})
                    into.update((p.order, p.outcome) for p in parts if p.order)
                out.extend(parts)
        return out

    def _traced(
        self,
        S: EndClass,
        T: EndClass,
        ctx: tuple[SideSets, SideSets, tuple[str, int | None]],
        ps: Pattern,
        pt: Pattern,
        order: int = 0,
    ) -> tuple[FlowResult, ...] | None:
        """`_trace`, once per (class pair, patterns, order: mesh_order.py)."""
        key = (S.id, T.id, ps, pt, order)
        if key not in self._traces:
            picked = self._pick(S, T, ctx[0], ctx[1], ps, pt, order)
            self._traces[key] = self._trace(*picked, ctx[2]) if picked is not None else None
            if picked is not None:
                self._ran.add(key)
        if self._asked is not None:
            self._asked.add(key)
        return self._traces[key]

    def _trace(self, s: End, t: End, flow: tuple[str, int | None]) -> tuple[FlowResult, ...]:
        """Trace one concrete pair in every world."""
        self.traced += 1
        return tuple(
            trace(topo, s.endpoint, t.endpoint, flow[0], flow[1], full=True)[0]
            for topo in self.fam.topos
        )

    def _pick(
        self,
        S: EndClass,
        T: EndClass,
        t_side: SideSets,
        s_side: SideSets,
        ps: Pattern,
        pt: Pattern,
        order: int = 0,
    ) -> tuple[End, End] | None:
        """A concrete pair of this situation (``order`` 1: whose source's node address string
        is the greater, -1: the smaller; mesh_order.py)."""
        if order:
            v = self._mesh(S.rep, T.rep, False)
            assert v is not None
            ss, ts = (
                self.mesh.sorted(self, S, True, t_side, ps, v),
                self.mesh.sorted(self, T, False, s_side, pt, v),
            )
            (a, s0), (b, t0) = (ss[-1], ts[0]) if order == 1 else (ss[0], ts[-1])
            return (s0, t0) if (a > b) == (order == 1) and a != b else None
        srcs = list(islice((s for s in S.members if self.member_pattern(s, t_side) == ps), 2))
        tgts = list(islice((t for t in T.members if self.member_pattern(t, s_side) == pt), 2))
        for s in srcs:
            for t in tgts:
                same = s.view is not None and t.view is not None and s.view.name == t.view.name
                if not (same and self.same_node == "exclude"):
                    return s, t
        return None

    # ------------------------------------------------------------------ who opens a session

    def _mesh(self, s: End, t: End, judged: bool = True) -> int | None:
        """The family of the Calico mesh session deciding the route of s -> t where which node
        opens it matters (bgp_routes.py `bgp_route`: one direction passes, the mesh one-way or the
        version unknown); None: it does not (``judged`` False: the family only)."""
        if self.openers:
            return self.openers
        kinds = (s.endpoint.kind, t.endpoint.kind)
        if not self.fam.bgp or s.view is None or t.view is None or "pod" not in kinds:
            return None
        v = t.ip.version if kinds[1] == "pod" else s.ip.version
        if not judged:
            return v
        for topo in self.fam.topos:
            one_way = mesh_one_way(topo, v)
            if one_way is not False:
                judge = session_judge(topo)
                there, back = judge(s.view, t.view, v), judge(t.view, s.view, v)
                if (there is None) != (back is None) or (one_way and _said(there) != _said(back)):
                    return v
        return None

    def _settle(self, found: list[_Found]) -> None:
        """Totals; the facts, in the order of their first class pair; and each fact's first
        three examples, each the trace of its own class pair (memoised as `_concrete`)."""
        drafts: dict[tuple[int, HopId], Draft] = {}
        for f in found:
            n = f.sit.n
            self.total += n
            failing = [
                [
                    h
                    for h in r.hops
                    if h.disposition not in PASSING and (self.steps is None or h.step in self.steps)
                ]
                for r in f.outcome
            ]
            common: set[HopId] = set()
            if all(failing):
                common = set.intersection(*({hop_id(h) for h in hops} for hops in failing))
            first: list[Occurrence] | None = None
            for w, hops in enumerate(failing):
                if not hops:
                    self.ok[w] += n
                    continue
                self.failed_sources[w].update(S.id for S in f.sit.src)
                hid = hop_id(next((h for h in hops if hop_id(h) in common), hops[0]))
                if first is None:
                    first = f.occ if f.order else f.counts.occurrences(f.sit, f.ps, f.pt, 3)
                draft = drafts.setdefault((w, hid), Draft())
                draft.pairs += n
                draft.src.update(S.id for S in f.sit.src)
                draft.dst.update(T.id for T in f.sit.dst)
                draft.note(f)
                draft.firsts.extend((key, f, S, T) for key, S, T in first)
        todo: list[tuple[tuple[int, int, int, int], int, Fact, _Found, EndClass, EndClass]] = []
        for draft in drafts.values():
            draft.firsts.sort(key=lambda c: c[0])
            del draft.firsts[3:]
        for (w, hid), draft in sorted(drafts.items(), key=lambda kv: kv[1].firsts[0][0]):
            fact = Fact(w, hid)
            fact.pairs, fact.src_classes, fact.dst_classes = draft.pairs, draft.src, draft.dst
            fact.src_ends, fact.dst_ends = draft.ends(self)
            self.facts[w].append(fact)
            self._facts[w][hid] = fact
            todo.extend((key, w, fact, f, S, T) for key, f, S, T in draft.firsts)
        # in the order class pairs are judged, so each memo entry is its first pair's trace
        for _key, w, fact, f, S, T in sorted(todo, key=lambda x: (x[0], x[1])):
            ck = (S.id, T.key[0], f.undecided, f.ps, f.pt, f.order)
            if ck not in self._concrete:
                ctx = f.ctx_of(S, T) if f.ctx_of is not None else f.ctx
                self._concrete[ck] = self._traced(S, T, ctx, f.ps, f.pt, f.order)
            outcome = self._concrete[ck]
            if outcome is not None:
                fact.examples.append(outcome[w])


def _said(hop: Hop | None) -> object:
    """What of a session's hop its route hop tells (cni.py `_one_way`)."""
    return hop and (hop.disposition, hop.direction, hop.cause)


Self = tuple[EndClass, EndClass, End, End]  # a same-node pair: its classes and its ends
SplitSides = tuple[SideSets, SideSets, Flags]


@dataclass
class _Found:
    """A situation judged: its count and classes, its outcome in every world."""

    sit: Situation
    outcome: tuple[FlowResult, ...]
    counts: RelationCounts | ShapeCounts
    ps: Pattern
    pt: Pattern
    ctx: Ctx
    undecided: tuple[bool, ...]
    ctx_of: Callable[[EndClass, EndClass], Ctx] | None = None  # a shape pair's: per class pair
    order: int = 0  # mesh_order.py `MeshOrder.split`: 1, the source's address string the greater; -1 the smaller
    occ: list[Occurrence] = field(default_factory=list)  # then: its first class pairs
