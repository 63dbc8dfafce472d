"""engine/order.py and mesh_order.py: pairs counted by the order of their node address strings,
against listing every pair (random members, positions, strings, sets and subnets, a fixed case
budget)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from kostack.analyze.engine.addrsets import Ranges, contains, merge
from kostack.analyze.engine.mesh_order import OrderCounts, count_block
from kostack.analyze.engine.order import OrderTree, order_counts, spans
from kostack.analyze.engine.relations import APART, JOINED, OUT, SAME, UNKNOWN


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


def _relation(a: object, b: object, ifaces: frozenset[object], fixed: str | None) -> str:
    """relations.py `SuperPair.relation`, from the two subnets."""
    if fixed is not None:
        return fixed
    return SAME if a == b else JOINED if b in ifaces else APART


@pytest.mark.parametrize("seed", range(40))
def test_block_counts_per_class_are_those_of_listing_every_pair(seed: int) -> None:
    """mesh_order.py `count_block`: per order and class of each side, the pairs in the
    relation (random subnets, some joined by the sources' router, some not) against listing
    every pair; equal strings (one node) in neither order."""
    rng = random.Random(seed)
    subnets = ["a", "b", "c", "d"]
    ifaces = frozenset(rng.sample(subnets, rng.randint(0, 3)))

    def rows(n: int) -> list[tuple[SimpleNamespace, str, list[str]]]:
        return [
            (
                SimpleNamespace(id=i),
                rng.choice(subnets),
                [f"10.0.{rng.randrange(2)}.{rng.randrange(12)}" for _ in range(rng.randint(0, 3))],
            )
            for i in range(n)
        ]

    srcs, tgts = rows(rng.randint(0, 8)), rows(rng.randint(0, 8))
    for rel, fixed in ((SAME, None), (JOINED, None), (APART, None), (OUT, OUT), (UNKNOWN, UNKNOWN)):
        got = OrderCounts()
        count_block(rel, ifaces, srcs, tgts, got)
        want = OrderCounts()
        for S, a, s_keys in srcs:
            for T, b, t_keys in tgts:
                if _relation(a, b, ifaces, fixed) == rel:
                    for x in s_keys:
                        for y in t_keys:
                            if x != y:
                                want.add(1 if x > y else -1, S.id, T.id, 1)
        for order in (1, -1):
            assert got.n[order] == want.n[order], (rel, order)
            for side in ("src", "dst"):
                have = {k: n for k, n in getattr(got, side)[order].items() if n}
                assert have == dict(getattr(want, side)[order]), (rel, order, side)
