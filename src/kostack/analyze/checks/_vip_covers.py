"""Which MetalLB advertisements cover which pools, linear by construction (_vips.py).

An advertisement covers the pools it names or its poolSelectors select, every pool when it
does neither (MetalLB api/v1beta1). Asking each advertisement of each pool costs pools x
advertisements even when a thousand advertisements are alike. Here advertisements that name
and select alike are one group (their announcing summed once); a group's pools are found once,
by name and through `SelectorNodes` (each distinct selector evaluated once, on the pools its
labels narrow to); and pools covered by the same groups share one sum. Cost: pools +
advertisements + the (group, pool) pairs of distinct groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kostack.analyze.node_sets import SelectorNodes, selector_key, union_once
from kostack.model.snapshot import MetalLBAdvertisement, MetalLBPool

# an interface, first named by which advertisement (its index) at which places in its list
Iface = tuple[int, tuple[int, ...]]


@dataclass
class Summed:
    """What the advertisements covering a pool announce it with: whether a BGPAdvertisement
    does, the nodes of the L2 ones, of the BGP ones (None: not known), the L2 interfaces."""

    bgp: bool
    l2_nodes: frozenset[str]
    bgp_nodes: frozenset[str] | None
    interfaces: tuple[str, ...]


@dataclass
class _Group:
    """Advertisements that cover the same pools."""

    bgp: bool = False
    bgp_unknown: bool = False
    bgp_sets: list[frozenset[str]] = field(default_factory=list)
    l2_sets: list[frozenset[str]] = field(default_factory=list)
    interfaces: dict[str, Iface] = field(default_factory=dict)
    _unions: tuple[frozenset[str], frozenset[str]] | None = None

    def unions(self) -> tuple[frozenset[str], frozenset[str]]:
        """Its L2 and BGP node sets, each joined once (after the last `add`)."""
        if self._unions is None:
            self._unions = (union_once(self.l2_sets), union_once(self.bgp_sets))
        return self._unions

    def add(self, j: int, ad: MetalLBAdvertisement, names: frozenset[str] | None) -> None:
        if ad.kind == "bgp":
            self.bgp = True
            if names is None:
                self.bgp_unknown = True
            else:
                self.bgp_sets.append(names)
            return
        self.l2_sets.append(names or frozenset())
        for k, iface in enumerate(ad.interfaces):
            first = self.interfaces.get(iface)
            if first is None:
                self.interfaces[iface] = (j, (k,))
            elif first[0] == j:  # named twice by its first advertisement: kept twice
                self.interfaces[iface] = (j, (*first[1], k))


class _Pool:
    """A pool as `SelectorNodes` sees it: named by its index (pool names may repeat)."""

    __slots__ = ("labels", "name")

    def __init__(self, i: int, labels: Mapping[str, str]) -> None:
        self.name, self.labels = str(i), labels


def covered(
    pools: Sequence[MetalLBPool],
    ads: Sequence[MetalLBAdvertisement],
    node_sets: Sequence[frozenset[str] | None],
) -> list[Summed]:
    """Per pool, the sum of the advertisements that cover it (``node_sets``: each
    advertisement's nodes, None: not known), as asking each advertisement of it would."""
    by_name: dict[str, list[int]] = {}
    for i, pool in enumerate(pools):
        by_name.setdefault(pool.name, []).append(i)
    selected = SelectorNodes([_Pool(i, p.labels) for i, p in enumerate(pools)])
    groups: dict[tuple[object, ...], _Group] = {}
    every: list[_Group] = []  # the groups covering every pool
    mine: list[list[_Group]] = [[] for _ in pools]
    for j, (ad, names) in enumerate(zip(ads, node_sets, strict=True)):
        key = (frozenset(ad.pools), frozenset(selector_key(s) for s in ad.pool_selectors))
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group()
            if not ad.pools and not ad.pool_selectors:
                every.append(g)
            else:
                picked = {i for name in ad.pools for i in by_name.get(name, ())}
                if ad.pool_selectors:
                    picked.update(map(int, selected.of_any(ad.pool_selectors)))
                for i in picked:
                    mine[i].append(g)
        g.add(j, ad, names)
    sums: dict[tuple[int, ...], Summed] = {}
    out = []
    for own in mine:
        gs = every + own
        ids = tuple(sorted(map(id, gs)))
        found = sums.get(ids)
        if found is None:
            found = sums[ids] = _summed(gs)
        out.append(found)
    return out


def _summed(groups: list[_Group]) -> Summed:
    firsts: dict[str, Iface] = {}
    for g in groups:
        for iface, first in g.interfaces.items():
            if iface not in firsts or first[0] < firsts[iface][0]:
                firsts[iface] = first
    places = sorted((j, k, iface) for iface, (j, ks) in firsts.items() for k in ks)
    unknown = any(g.bgp_unknown for g in groups)
    return Summed(
        bgp=any(g.bgp for g in groups),
        l2_nodes=union_once(g.unions()[0] for g in groups),
        bgp_nodes=None if unknown else union_once(g.unions()[1] for g in groups),
        interfaces=tuple(iface for _, _, iface in places),
    )
