"""One family evaluation: per class pair, count members per membership pattern, trace reps.

For a source class S and a target class T, the sets that judge the pair are
S's egress set (tested against each target's address) and T's ingress set
(tested against each source's address), per world, plus the TCP 179 sets when
routes come from BGP. The members of T are counted per pattern of
memberships in S's sets, and those of S per pattern in T's sets — by binary
search over the universe when one address kind is tested (O(ranges x log n)),
else member by member. Every pattern pair is one situation: a concrete pair
in it is traced in every world (memoised on everything that decides the hops,
so a thousand target classes that differ only in which sources they admit
share a handful of traces), and its count is multiplied out.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice

from kostack.analyze.engine.addrsets import Ranges, contains, patterns
from kostack.analyze.engine.families import (
    BGP_EGRESS,
    BGP_INGRESS,
    End,
    EndClass,
    Fact,
    Families,
    FlowOf,
    HopId,
    bgp_kind,
    hop_id,
    wire_sets,
)
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import PASSING, FlowResult
from kostack.model.snapshot import IPAddress

Pattern = tuple[bool, ...]
SideSets = list[tuple[Ranges, str]]  # a set, and whose address it tests: "ip" or "node"


class Run:
    """The state of one family evaluation."""

    def __init__(
        self, fam: Families, flow_of: FlowOf, same_node: str, steps: frozenset[str] | None
    ) -> None:
        self.fam = fam
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

    # ------------------------------------------------------------------ patterns

    @staticmethod
    def _addr(e: End, kind: str) -> IPAddress | None:
        if kind in ("node4", "node6"):
            return e.view.ip_of(int(kind[4])) if e.view is not None else None
        return e.ip if kind == "ip" else e.node_ip

    def _positions_of(self, cls: EndClass, side: str, kind: str) -> list[int] | None:
        """Sorted universe positions of a class's addresses (None when one is missing)."""
        key = (cls.id, side, kind)
        if key not in self._positions:
            found = [self.fam.position(m, kind) for m in cls.members]
            if any(p is None for p in found):
                return None
            self._positions[key] = sorted(p for p in found if p is not None)
        return self._positions[key]

    def _member_pattern(self, e: End, sets: SideSets) -> Pattern:
        out = []
        for ranges, kind in sets:
            pos = self.fam.position(e, kind)
            out.append(pos is not None and contains(ranges, pos))
        return tuple(out)

    def _patterns(self, cls: EndClass, side: str, sets: SideSets) -> dict[Pattern, int]:
        kinds = {k for _, k in sets}
        if len(kinds) <= 1:
            positions = self._positions_of(cls, side, kinds.pop() if kinds else "ip")
            if positions is not None:
                return patterns([r for r, _ in sets], positions)
        out: dict[Pattern, int] = defaultdict(int)
        for m in cls.members:
            out[self._member_pattern(m, sets)] += 1
        return out

    # ------------------------------------------------------------------ a class pair

    def class_pair(self, S: EndClass, T: EndClass, selves: list[tuple[End, End]]) -> None:
        flow = self.flow_of(S.rep, T.rep)
        if flow is None:
            return
        s_side: SideSets = []  # S's sets, tested against targets
        t_side: SideSets = []  # T's sets, tested against sources
        undecided: list[bool] = []
        for w, topo in enumerate(self.fam.topos):
            for q, kind in wire_sets(topo, S.rep, T.rep, flow):
                mine, other = (S, s_side) if q.direction == "egress" else (T, t_side)
                a = mine.sets[w].get(q)
                if a is not None:
                    other.append((a.ranges, kind))
                    undecided.append(a.undecided)
            if self.fam.bgp and "pod" in (S.rep.endpoint.kind, T.rep.endpoint.kind):
                for cls, side in ((S, s_side), (T, t_side)):
                    for q in (BGP_EGRESS, BGP_INGRESS):
                        a = cls.sets[w].get(q)
                        if a is not None:
                            side.append((a.ranges, bgp_kind(cls.rep)))
                            undecided.append(a.undecided)
        src_pats = self._patterns(S, "src", t_side)
        tgt_pats = self._patterns(T, "dst", s_side)
        corrections: dict[tuple[Pattern, Pattern], int] = defaultdict(int)
        for s, t in selves:
            corrections[(self._member_pattern(s, t_side), self._member_pattern(t, s_side))] += 1
        for ps, ns in src_pats.items():
            for pt, nt in tgt_pats.items():
                n = ns * nt - corrections.get((ps, pt), 0)
                if n <= 0:
                    continue
                key = (S.id, T.key[0], tuple(undecided), ps, pt)
                if key not in self._memo:
                    self._memo[key] = self._trace(S, T, t_side, s_side, ps, pt, flow)
                outcome = self._memo[key]
                if outcome is not None:
                    self._count(S, T, n, outcome)

    def _trace(
        self,
        S: EndClass,
        T: EndClass,
        t_side: SideSets,
        s_side: SideSets,
        ps: Pattern,
        pt: Pattern,
        flow: tuple[str, int | None],
    ) -> tuple[FlowResult, ...] | None:
        """Trace one concrete pair of this situation in every world."""
        srcs = list(islice((s for s in S.members if self._member_pattern(s, t_side) == ps), 2))
        tgts = list(islice((t for t in T.members if self._member_pattern(t, s_side) == pt), 2))
        for s in srcs:
            for t in tgts:
                same = s.view is not None and t.view is not None and s.view.name == t.view.name
                if same and self.same_node == "exclude":
                    continue
                self.traced += 1
                return tuple(
                    trace(topo, s.endpoint, t.endpoint, flow[0], flow[1], full=True)[0]
                    for topo in self.fam.topos
                )
        return None

    def _count(self, S: EndClass, T: EndClass, n: int, outcome: tuple[FlowResult, ...]) -> None:
        self.total += n
        failing = [
            [
                h
                for h in r.hops
                if h.disposition not in PASSING and (self.steps is None or h.step in self.steps)
            ]
            for r in outcome
        ]
        common: set[HopId] = set()
        if all(failing):
            common = set.intersection(*({hop_id(h) for h in f} for f in failing))
        for w, hops in enumerate(failing):
            if not hops:
                self.ok[w] += n
                continue
            self.failed_sources[w].add(S.id)
            chosen = next((h for h in hops if hop_id(h) in common), hops[0])
            hid = hop_id(chosen)
            fact = self._facts[w].get(hid)
            if fact is None:
                fact = self._facts[w][hid] = Fact(w, hid, every_world=hid in common)
                self.facts[w].append(fact)
            fact.pairs += n
            fact.src_classes.add(S.id)
            fact.dst_classes.add(T.id)
            if len(fact.examples) < 3:
                fact.examples.append(outcome[w])
