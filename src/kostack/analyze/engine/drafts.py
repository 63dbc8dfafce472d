"""A fact being gathered from the situations judged (pairs.py `Run._settle`), and the ends
it names.

A fact counts the pairs of its situations exactly, but its situations are per class pair
and membership pattern: nodes alike but for their addresses share a class, and a security
group that admits some nodes' /32s splits the class's pairs by pattern. So a fact names the
members of its classes whose pattern is one its situations were judged with (in the sets
they were tested against), never the classes whole: "tcp 179 from node k8s-w-3", not "from
nodes k8s-w-1, k8s-w-2, k8s-w-3" when only k8s-w-3's sessions fail. A superset of the
failing ends still, never missing one: a shape pair's situation (its sets differ per class
pair, shapes.py) or one split by who opens a mesh session (mesh_order.py) names its classes
whole. Per class and sets, never per pair: naming costs what counting did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kostack.analyze.engine.family_records import End, EndClass

if TYPE_CHECKING:
    from kostack.analyze.engine.pairs import Pattern, Run, SideSets, _Found

# per class id: the class, and per sets (by id) the sets and the patterns judged in them (None:
# the whole class)
Picks = dict[int, tuple[EndClass, dict[int, tuple["SideSets", set["Pattern"]]] | None]]


@dataclass
class Draft:
    """A fact being gathered: its counts, classes, the membership patterns its classes were
    judged with, and candidate first class pairs."""

    pairs: int = 0
    src: set[int] = field(default_factory=set)
    dst: set[int] = field(default_factory=set)
    src_picks: Picks = field(default_factory=dict)
    dst_picks: Picks = field(default_factory=dict)
    firsts: list[tuple[tuple[int, int, int, int], _Found, EndClass, EndClass]] = field(
        default_factory=list
    )

    def note(self, f: _Found) -> None:
        """The patterns ``f``'s classes were judged with: a source's in the targets' sets
        (``ctx[0]``), a target's in the sources' (``ctx[1]``); a shape pair's situation (sets
        per class pair) or one split by who opens the session: its classes whole."""
        whole = f.ctx_of is not None or bool(f.order)
        for classes, picks, sets, p in (
            (f.sit.src, self.src_picks, f.ctx[0], f.ps),
            (f.sit.dst, self.dst_picks, f.ctx[1], f.pt),
        ):
            for C in classes:
                by_sets = picks.setdefault(C.id, (C, {}))[1]
                if whole or by_sets is None:
                    picks[C.id] = (C, None)
                else:
                    by_sets.setdefault(id(sets), (sets, set()))[1].add(p)

    def ends(self, run: Run) -> tuple[list[End], list[End]]:
        """The sources and targets the fact names; where the run excludes same-node pairs, a
        node alone on one side is not named on the other."""
        srcs, dsts = _members(run, self.src_picks, "src"), _members(run, self.dst_picks, "dst")
        return _not_alone(srcs, dsts) if run.same_node == "exclude" else (srcs, dsts)


def _members(run: Run, picks: Picks, side: str) -> list[End]:
    """The members of the classes whose pattern is one of those judged, in class order: a
    class whole where it was judged otherwise, or where its patterns in some sets (counted as
    the run counts them, by binary search) are all judged ones; else member by member."""
    out: list[End] = []
    for i in sorted(picks):
        C, chosen = picks[i]
        if chosen is None or any(
            run.pattern_counts(C, side, sets).keys() <= ps for sets, ps in chosen.values()
        ):
            out.extend(C.members)
            continue
        out.extend(
            m
            for m in C.members
            if any(run.member_pattern(m, sets) in ps for sets, ps in chosen.values())
        )
    return out


def _not_alone(srcs: list[End], dsts: list[End]) -> tuple[list[End], list[End]]:
    """Without the other side's node where one side is the ends of one node only."""
    for one, other in ((srcs, dsts), (dsts, srcs)):
        nodes = {e.view.name if e.view is not None else None for e in one}
        if len(nodes) == 1 and None not in nodes:
            rest = [e for e in other if e.view is None or e.view.name not in nodes]
            if rest:
                return (srcs, rest) if one is srcs else (rest, dsts)
    return srcs, dsts
