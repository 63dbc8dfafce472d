"""A family evaluation judged once, settled per ``steps`` (docs/engine.md, "Shared work").

Several checks evaluate one family (the same sources, targets, flow and options) and differ
only in the hops they judge (``steps``: all of them, the security groups', the stateless
replies'). Judging (classes, membership patterns, situations, their traces) never reads
``steps``; only settling does (which hops count as failing). So each family is judged once
for the whole diagnosis (`Families.judged`) and settled for each ``steps`` asked: the same
result, facts, examples and trace count as judging it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kostack.analyze.engine.families import Families
from kostack.analyze.engine.family_records import End, EndClass, FamilyResult, FlowOf
from kostack.analyze.engine.pairs import Run, _Found


def evaluate(
    fam: Families,
    sources: Sequence[End],
    targets: Sequence[End],
    flow_of: FlowOf,
    same_node: str = "exclude",
    steps: frozenset[str] | None = None,
    joint: bool = False,
    split: Callable[[End], object] | None = None,
    openers: int | None = None,
) -> FamilyResult:
    """`Families.evaluate`: judged once per (sources, targets, flow, options) for the whole
    diagnosis, settled per ``steps`` (what a family's checks differ in: one family's hops,
    another's security groups only, the stateless replies): judging never reads ``steps``,
    so a judging settled again is the evaluation it would have been (docs/engine.md)."""
    ends = (tuple(map(id, sources)), tuple(map(id, targets)))
    key: tuple[object, ...] = (*ends, flow_of, same_node, joint, split, openers)
    found = fam.judged.get(key)
    if not isinstance(found, _Judged):
        found = _judge(fam, sources, targets, flow_of, same_node, joint, split, openers)
        if isinstance(flow_of, Constant):  # any other flow is never asked again
            found.run.compact(found.found)
            fam.judged[key] = found
    run, src_classes, dst_classes = found.run, found.sources, found.targets
    run.settle(found.found, steps)
    fam.stats.append((len(src_classes), len(dst_classes), run.traced))
    return FamilyResult(
        len(fam.topos),
        src_classes,
        dst_classes,
        run.total,
        run.ok,
        run.facts,
        run.traced,
        run.failed_sources,
        run.situations,
        run.ordered,
    )


@dataclass
class _Judged:
    """An evaluation judged: its run, classes, and the ends its key names by id (kept alive)."""

    run: Run
    found: list[_Found]  # the situations judged (`Run.all_pairs`)
    sources: list[EndClass]
    targets: list[EndClass]
    ends: tuple[Sequence[End], Sequence[End]]


def _judge(
    fam: Families,
    sources: Sequence[End],
    targets: Sequence[End],
    flow_of: FlowOf,
    same_node: str,
    joint: bool,
    split: Callable[[End], object] | None,
    openers: int | None,
) -> _Judged:
    """Classes of both sides, and every class pair judged (not yet settled: `Run.settle`)."""
    queries = fam._queries(sources, targets, flow_of, split)
    target_nodes = {t.view.name for t in targets if t.view is not None}

    joint_key = fam._joint_key(targets, flow_of) if joint else (lambda e: None)

    def hosts(e: End) -> object:
        on = e.view is not None and e.view.name in target_nodes and same_node != "exclude"
        return (e.view.name if on and e.view is not None else None, joint_key(e))

    # without a joint key or same-node tracing every source's extra is (None, None)
    src_extra: Callable[[End], object] | None = hosts if joint or same_node != "exclude" else None
    dst_extra: Callable[[End], object] | None = None
    if split is not None:
        base, cut = src_extra, split
        src_extra = (lambda e: (base(e), cut(e))) if base is not None else (lambda e: cut(e))
        dst_extra = split

    # a source by its egress sets, a target by its ingress sets (both by the TCP 179 sets)
    both = set(fam.bgp_qs)
    q_src = tuple(q for q in queries if q.side == "src" or q in both)
    q_dst = tuple(q for q in queries if q.side == "dst" or q in both)
    src_classes, src_of = fam._classes(sources, "src", q_src, src_extra, (None, None))
    dst_classes, dst_of = fam._classes(targets, "dst", q_dst, dst_extra)
    selves: dict[tuple[int, int], list[tuple[End, End]]] = defaultdict(list)
    if same_node == "exclude":
        # every target on the source's node (one per IP pool there: flows.py `pods_on`)
        by_node: dict[str, list[tuple[int, End]]] = defaultdict(list)
        for i, t in enumerate(targets):
            if t.view is not None:
                by_node[t.view.name].append((i, t))
        for i, s in enumerate(sources):
            if s.view is not None:
                for j, t in by_node.get(s.view.name, ()):
                    selves[(src_of[i], dst_of[j])].append((s, t))
    run = Run(fam, flow_of, same_node, None, openers)
    found = run.all_pairs(src_classes, dst_classes, selves)
    return _Judged(run, found, src_classes, dst_classes, (sources, targets))


@dataclass(frozen=True)
class Constant:
    """A family's flow when every pair has the same protocol and port: equal ones are one
    flow, so their families share a judging (`evaluate`'s key; any other ``flow_of`` is one
    flow only as the same object)."""

    protocol: str
    port: int | None

    def __call__(self, s: End, t: End) -> tuple[str, int | None]:
        return (self.protocol, self.port)
