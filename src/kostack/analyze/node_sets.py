"""The nodes a LabelSelector (or an ORed list of them) selects, linear by construction.

MetalLB's advertisements and BGPPeers, Antrea's ExternalIPPools, Cilium's L2 announcement
policies and BGP configurations each place what they announce on the nodes their selectors
select. Matching every selector against every node costs selectors x nodes even when a
thousand objects share one selector. `SelectorNodes` computes each distinct selector (its
canonical key: matchLabels and matchExpressions, sorted) once, and evaluates it only on the
nodes that carry its narrowest matchLabels pair or one value of an ``In`` expression (a
(label key, value) -> nodes index built once); a selector requiring no pair scans the nodes.
An ORed list is the union of its members' sets, once per distinct list. Each result is a
frozenset shared by every object with that selector, so a pool that several objects place
on one node set unions it once (`union_once`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from kostack.model.snapshot import LabelSelector


class Labelled(Protocol):
    """A node, or anything else selected by its labels (a CiliumBGPAdvertisement)."""

    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> Mapping[str, str]: ...


N = TypeVar("N", bound=Labelled)

SelectorKey = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]


def selector_key(selector: LabelSelector) -> SelectorKey:
    """A selector's canonical form: equal for selectors that select the same way."""
    labels = tuple(sorted(selector.match_labels.items()))
    exprs = tuple(
        sorted(
            (e.key, e.operator, tuple(sorted(set(e.values)))) for e in selector.match_expressions
        )
    )
    return labels, exprs


class SelectorNodes(Generic[N]):
    """The node names each selector selects, each distinct selector evaluated once."""

    def __init__(self, nodes: Iterable[N]) -> None:
        self._nodes = list(nodes)
        self.every: frozenset[str] = frozenset(n.name for n in self._nodes)
        self._pairs: dict[tuple[str, str], list[N]] | None = None
        self._one: dict[SelectorKey, frozenset[str]] = {}
        self._any: dict[tuple[SelectorKey, ...], frozenset[str]] = {}

    def _index(self) -> dict[tuple[str, str], list[N]]:
        if self._pairs is None:
            self._pairs = {}
            for n in self._nodes:
                for pair in n.labels.items():
                    self._pairs.setdefault(pair, []).append(n)
        return self._pairs

    def _candidates(self, selector: LabelSelector) -> Sequence[N]:
        """The nodes that may match: those with its rarest matchLabels pair, else those with
        one value of its first ``In`` expression, else every node."""
        index = self._index()
        if selector.match_labels:
            return min((index.get(p, []) for p in selector.match_labels.items()), key=len)
        for e in selector.match_expressions:
            if e.operator == "In":
                seen: dict[str, N] = {}
                for v in dict.fromkeys(e.values):
                    seen.update((n.name, n) for n in index.get((e.key, v), ()))
                return list(seen.values())
        return self._nodes

    def of(self, selector: LabelSelector | None) -> frozenset[str]:
        """The nodes ``selector`` selects (None, or an empty selector: every node)."""
        if selector is None:
            return self.every
        key = selector_key(selector)
        found = self._one.get(key)
        if found is None:
            if key == ((), ()):
                found = self.every
            else:
                picked = self._candidates(selector)
                found = frozenset(n.name for n in picked if selector.selects(n.labels))
            self._one[key] = found
        return found

    def of_any(self, selectors: Sequence[LabelSelector]) -> frozenset[str]:
        """The nodes any of ``selectors`` selects (ORed; an empty list: every node)."""
        if not selectors:
            return self.every
        key = tuple(sorted({selector_key(s) for s in selectors}))
        found = self._any.get(key)
        if found is None:
            found = union_once(self.of(s) for s in selectors)
            self._any[key] = found
        return found


def union_once(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    """The union of ``sets``, each distinct set object joined once (the sets `SelectorNodes`
    returns are shared, so a thousand objects on one selector cost one union)."""
    distinct = {id(s): s for s in sets}
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    out: set[str] = set()
    for s in distinct.values():
        out |= s
    return frozenset(out)
