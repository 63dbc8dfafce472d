"""Which MetalLB advertisements cover which pools (analyze/checks/_vip_covers.py), linear by
construction: before, each pool asked each advertisement (`_covers`: its names, then each of
its poolSelectors against the pool's labels), pools x advertisements. Equal to that naive pass
(kept here) on seeded random inputs; on many pools and advertisements, all with distinct labels
and all alike, the selector evaluations are counted, not timed."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping, Sequence

import pytest

from kostack.analyze.checks._vip_covers import Summed, covered
from kostack.analyze.node_sets import union_once
from kostack.model.snapshot import LabelSelector, MetalLBAdvertisement, MetalLBPool

CASES = 200
KEYS = ("tier", "zone", "env")
VALUES = ("x", "y", "z", "")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
IFACES = ("eth0", "eth1", "bond0", "vlan.5")


def _naive(
    pools: Sequence[MetalLBPool],
    ads: Sequence[MetalLBAdvertisement],
    node_sets: Sequence[frozenset[str] | None],
) -> list[Summed]:
    """The former pass, pool by advertisement (_vips.py `_covers` and its loop)."""
    out = []
    for pool in pools:
        bgp_seen, interfaces = False, ()
        l2: list[frozenset[str]] = []
        bgp: list[frozenset[str]] | None = []
        for ad, names in zip(ads, node_sets, strict=True):
            every = not ad.pools and not ad.pool_selectors
            mine = pool.name in ad.pools or any(s.selects(pool.labels) for s in ad.pool_selectors)
            if not (every or mine):
                continue
            if ad.kind == "bgp":
                bgp_seen = True
                bgp = None if names is None or bgp is None else [*bgp, names]
            else:
                l2.append(names or frozenset())
                interfaces += tuple(i for i in ad.interfaces if i not in interfaces)
        out.append(
            Summed(
                bgp_seen,
                union_once(l2),
                None if bgp is None else union_once(bgp),
                interfaces,
            )
        )
    return out


def _selector(rng: random.Random) -> LabelSelector:
    labels = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(0, 2))}
    exprs = [
        {
            "key": rng.choice(KEYS),
            "operator": rng.choice(OPERATORS),
            "values": rng.sample(VALUES, rng.randint(0, 3)),
        }
        for _ in range(rng.randint(0, 2))
    ]
    return LabelSelector.model_validate({"match_labels": labels, "match_expressions": exprs})


def _case(
    rng: random.Random,
) -> tuple[list[MetalLBPool], list[MetalLBAdvertisement], list[frozenset[str] | None]]:
    names = [f"p{i}" for i in range(rng.randint(1, 6))]  # names repeat among the pools
    pools = [
        MetalLBPool(
            name=rng.choice(names),
            cidrs=(ipaddress.ip_network(f"10.9.{i}.0/28"),),
            labels={k: rng.choice(VALUES) for k in KEYS if rng.random() < 0.6},
        )
        for i in range(rng.randint(0, 8))
    ]
    node_sets: list[frozenset[str] | None] = []
    ads = []
    shared = [_selector(rng) for _ in range(2)]  # some advertisements select alike
    for i in range(rng.randint(0, 9)):
        kind = rng.choice(("l2", "bgp"))
        picks = [rng.choice(shared) if rng.random() < 0.5 else _selector(rng)]
        ads.append(
            MetalLBAdvertisement(
                name=f"ad{i}",
                kind=kind,
                pools=tuple(rng.sample(names, min(len(names), rng.randint(0, 2)))),
                pool_selectors=tuple(picks[: rng.randint(0, 1)]),
                interfaces=tuple(rng.choice(IFACES) for _ in range(rng.randint(0, 3))),
            )
        )
        unknown = kind == "bgp" and rng.random() < 0.2
        nodes = frozenset(f"n{k}" for k in range(6) if rng.random() < 0.5)
        node_sets.append(None if unknown else nodes)
    return pools, ads, node_sets


def test_covered_equals_the_naive_pass_on_random_inputs() -> None:
    rng = random.Random(23)
    covering = 0
    for case in range(CASES):
        pools, ads, node_sets = _case(rng)
        got = covered(pools, ads, node_sets)
        assert got == _naive(pools, ads, node_sets), case
        covering += sum(bool(s.l2_nodes or s.bgp) for s in got)
    assert covering > CASES  # the cases covered pools


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = LabelSelector.selects

    def selects(self: LabelSelector, labels: Mapping[str, str]) -> bool:
        calls[0] += 1
        return real(self, labels)

    monkeypatch.setattr(LabelSelector, "selects", selects)
    return calls


def _hostile(n: int, alike: bool) -> tuple[list[MetalLBPool], list[MetalLBAdvertisement]]:
    """``n`` pools and ``n`` advertisements, each selecting by label: every pool and selector
    its own label (``alike`` False), or all the same one; every other one names a pool too."""
    pools = [
        MetalLBPool(
            name=f"p{i}",
            cidrs=(ipaddress.ip_network(f"10.{i // 256}.{i % 256}.0/28"),),
            labels={"pool": "all" if alike else f"v{i}"},
        )
        for i in range(n)
    ]
    ads = [
        MetalLBAdvertisement(
            name=f"ad{i}",
            kind="bgp" if i % 3 == 0 else "l2",
            pools=(f"p{i}",) if i % 2 and not alike else (),
            pool_selectors=(LabelSelector(match_labels={"pool": "all" if alike else f"v{i}"}),),
            interfaces=(f"eth{i % 4}",),
        )
        for i in range(n)
    ]
    return pools, ads


@pytest.mark.parametrize("alike", [False, True])
def test_many_pools_and_advertisements_cost_linear(counted: list[int], alike: bool) -> None:
    """Before, 1,000 pools and advertisements made 1,000,000 selector evaluations in either
    case; now each distinct selector is evaluated on the pools its label narrows to."""
    for n in (500, 1000):
        counted[0] = 0
        pools, ads = _hostile(n, alike)
        nodes = [frozenset({f"n{i % 7}"}) for i in range(n)]
        got = covered(pools, ads, nodes)
        assert counted[0] == n  # distinct: a pool each; alike: one selector, every pool
        if alike:  # every advertisement covers every pool
            assert all(g.l2_nodes == frozenset(f"n{k}" for k in range(7)) for g in got)
            assert all(g.interfaces == ("eth1", "eth2", "eth0", "eth3") for g in got)
        else:  # each pool its own advertisement
            assert [g.bgp for g in got] == [i % 3 == 0 for i in range(n)]
            assert all(g.interfaces in ((), (f"eth{i % 4}",)) for i, g in enumerate(got))
