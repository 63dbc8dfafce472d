"""What the family evaluations of a diagnosis share (docs/engine.md "Shared work").

With a security group per node, every family of the diagnosis meets the same per-node sets
(a node's stateless replies: one set per node and protocol, whatever the port) and the same
ends. Each set is cut into its coarse and small ranges once for the diagnosis, not once per
family (shape_sides.py `Cuts`, shared through `Families.cuts`), and what a pair's plan reads of
an end is found once per end (`Families.plans`): before, both were found again in each of
the 18 judgings.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine import pairs, shape_sides
from kostack.model import loads_snapshot
from kostack_testkit.bothhetero import both_hetero_doc


def test_a_set_is_cut_and_an_end_keyed_once_per_diagnosis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snap = loads_snapshot(json.dumps(both_hetero_doc(30, "stateless", pods_per_node=1)))
    cut, end_key = shape_sides.Cuts._cut, pairs.Run._end_key
    cuts: Counter[object] = Counter()
    ends: Counter[int] = Counter()

    def counted_cut(self: shape_sides.Cuts, one: tuple[object, str]) -> object:
        cuts[one] += 1  # by content: the same set and kind, whichever object
        return cut(self, one)

    def counted_end_key(self: pairs.Run, e: object) -> object:
        ends[id(e)] += 1
        return end_key(self, e)

    monkeypatch.setattr(shape_sides.Cuts, "_cut", counted_cut)
    monkeypatch.setattr(pairs.Run, "_end_key", counted_end_key)
    result = diagnose(snap)
    assert result.root_causes
    # the per-node reply sets are there, and many families meet them
    assert len(cuts) > 30
    assert set(cuts.values()) == {1}, cuts.most_common(3)
    assert len(ends) >= 60
    assert set(ends.values()) == {1}, ends.most_common(3)
