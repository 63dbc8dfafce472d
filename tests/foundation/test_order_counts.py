"""engine/order.py: pairs counted by the order of their node address strings, against listing
every pair (random members, positions, strings and sets, a fixed case budget)."""

from __future__ import annotations

import random

import pytest

from kostack.analyze.engine.addrsets import Ranges, contains, merge
from kostack.analyze.engine.order import OrderTree, order_counts, spans


def _side(
    rng: random.Random, n: int
) -> tuple[list[int], list[str], list[Ranges], tuple[bool, ...]]:
    members = sorted(
        (rng.randrange(64), f"10.0.{rng.randrange(3)}.{rng.randrange(12)}") for _ in range(n)
    )
    sets = [merge((a, a + rng.randint(1, 9)) for a in rng.sample(range(64), 3)) for _ in range(2)]
    pattern = (rng.random() < 0.5, rng.random() < 0.5)
    return [p for p, _ in members], [k for _, k in members], sets, pattern


@pytest.mark.parametrize("seed", range(40))
def test_order_counts_are_those_of_listing_every_pair(seed: int) -> None:
    rng = random.Random(seed)
    sp, sk, ssets, sp_pat = _side(rng, rng.randint(0, 9))
    tp, tk, tsets, tp_pat = _side(rng, rng.randint(0, 30))
    got = order_counts(
        (OrderTree(sk), spans(ssets, sp_pat, sp)), (OrderTree(tk), spans(tsets, tp_pat, tp))
    )

    def chosen(
        ps: list[int], ks: list[str], sets: list[Ranges], pattern: tuple[bool, ...]
    ) -> list[str]:
        return [
            k for p, k in zip(ps, ks, strict=True) if tuple(contains(r, p) for r in sets) == pattern
        ]

    s_keys, t_keys = chosen(sp, sk, ssets, sp_pat), chosen(tp, tk, tsets, tp_pat)
    greater = sum(a > b for a in s_keys for b in t_keys)
    smaller = sum(a < b for a in s_keys for b in t_keys)
    assert got == (greater, smaller)
