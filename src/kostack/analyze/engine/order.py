"""Counting one class pair's pairs by the order of their node address strings, without
listing the pairs.

Calico's mesh session between two nodes is opened by the node whose address string is the
greater (docs/facts.md "Which node opens a mesh session"), so where only one direction of
TCP 179 passes, a situation's pairs split by that order (mesh_order.py: counted end by end
for the whole situation; this module for the class pairs whose examples are shown). A
class's members in universe-position order carry a merge-sort tree of their strings: the
members a side's sets admit with a pattern are a few index spans of that order (`spans`),
and how many of them lie below a string is O(spans x log^2) (`OrderTree.below`). A class
pair then costs its smaller side's members times that, not one side's size.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from kostack.analyze.engine.addrsets import Ranges, contains

Spans = list[tuple[int, int]]  # index spans over a class's members in position order


class OrderTree:
    """Strings in position order, and per node of a segment tree the same strings sorted."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        size = 1
        while size < len(self.keys):
            size *= 2
        self.size = size
        tree: list[list[str]] = [[] for _ in range(2 * size)]
        for i, key in enumerate(self.keys):
            tree[size + i] = [key]
        for i in range(size - 1, 0, -1):
            tree[i] = sorted(tree[2 * i] + tree[2 * i + 1])
        self.tree = tree

    def below(self, spans: Spans, key: str, inclusive: bool = False) -> int:
        """How many strings in ``spans`` are smaller than ``key`` (or equal: ``inclusive``)."""
        cut = bisect_right if inclusive else bisect_left
        count = 0
        for lo, hi in spans:
            lo, hi = lo + self.size, hi + self.size
            while lo < hi:
                if lo & 1:
                    count += cut(self.tree[lo], key)
                    lo += 1
                if hi & 1:
                    hi -= 1
                    count += cut(self.tree[hi], key)
                lo, hi = lo >> 1, hi >> 1
        return count

    def within(self, spans: Spans) -> Iterator[str]:
        for lo, hi in spans:
            yield from self.keys[lo:hi]


def spans(sets: Sequence[Ranges], pattern: tuple[bool, ...], positions: Sequence[int]) -> Spans:
    """The index spans of ``positions`` (sorted) whose membership across ``sets`` is
    ``pattern``: the sets' boundaries cut the universe into segments of one pattern each."""
    if not sets:
        return [(0, len(positions))] if positions and pattern == () else []
    cuts = sorted({b for rs in sets for r in rs for b in r} | {0})
    out: Spans = []
    for i, start in enumerate(cuts):
        lo = bisect_left(positions, start)
        hi = bisect_left(positions, cuts[i + 1]) if i + 1 < len(cuts) else len(positions)
        if hi > lo and tuple(contains(rs, start) for rs in sets) == pattern:
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
    return out


def order_counts(
    source: tuple[OrderTree, Spans], target: tuple[OrderTree, Spans]
) -> tuple[int, int]:
    """How many (source, target) pairs have the source's string the greater, and the smaller
    (equal strings, one node, in neither): walking the side with fewer members."""
    (st, ss), (tt, ts) = source, target
    sn, tn = sum(h - lo for lo, h in ss), sum(h - lo for lo, h in ts)
    greater = smaller = 0
    if sn <= tn:
        for key in st.within(ss):
            greater += tt.below(ts, key)
            smaller += tn - tt.below(ts, key, inclusive=True)
    else:
        for key in tt.within(ts):
            greater += sn - st.below(ss, key, inclusive=True)
            smaller += st.below(ss, key)
    return greater, smaller
