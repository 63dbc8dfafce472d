"""Selector node sets linear by construction (analyze/node_sets.py): each distinct selector
evaluated once, on the nodes its labels narrow to, each distinct node set joined once per
pool. Equal to the naive all-nodes match on seeded random inputs; on a hostile cluster (5,000
nodes, 1,000 advertisements and 1,000 Cilium L2 policies with distinct and identical
selectors, 20,000 LoadBalancer Services) the selector evaluations are counted, not timed.
Before, MetalLB's advertisements and peers, Antrea's pools and Cilium's announcers each matched
every node per object, and Cilium joined a policy's nodes into its pool once per Service
address."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator, Mapping

import pytest

from kostack.analyze.checks._vips import metallb_announced
from kostack.analyze.checks._vips_cilium import cilium_announced
from kostack.analyze.node_sets import SelectorNodes
from kostack.model.snapshot import (
    LabelSelector,
    MetalLB,
    MetalLBAdvertisement,
    MetalLBPeer,
    MetalLBPool,
    Node,
)
from kostack_testkit.builders import build
from kostack_testkit.metallb import cilium_lb_ipam_doc

KEYS = ("zone", "rack", "role", "gpu")
VALUES = ("a", "b", "c", "")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


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


def _nodes(rng: random.Random, n: int) -> list[Node]:
    return [
        Node(
            name=f"n{i}",
            labels={k: rng.choice(VALUES) for k in KEYS if rng.random() < 0.6},
            network_unavailable=rng.random() < 0.1,
        )
        for i in range(n)
    ]


def _naive_any(selectors: tuple[LabelSelector, ...], nodes: list[Node]) -> set[str]:
    return {n.name for n in nodes if not selectors or any(s.selects(n.labels) for s in selectors)}


@pytest.mark.parametrize("seed", range(40))
def test_node_sets_equal_the_naive_match(seed: int) -> None:
    rng = random.Random(seed)
    nodes = _nodes(rng, rng.randint(0, 30))
    sets = SelectorNodes(nodes)
    for _ in range(10):
        selectors = tuple(_selector(rng) for _ in range(rng.randint(0, 3)))
        assert sets.of_any(selectors) == _naive_any(selectors, nodes)
        for s in selectors:
            assert sets.of(s) == {n.name for n in nodes if s.selects(n.labels)}
    assert sets.of(None) == {n.name for n in nodes}


def _naive_metallb(metallb: MetalLB, nodes: list[Node]) -> list[tuple[str, set[str], object]]:
    """The former all-nodes computation, per pool: (name, L2 nodes, BGP nodes)."""
    nodes = [n for n in nodes if not n.network_unavailable]
    sessions = {p.name: _naive_any(p.node_selectors, nodes) for p in metallb.peers or ()}
    out = []
    for pool in metallb.pools or ():
        l2: set[str] = set()
        bgp: set[str] = set()
        for ad in metallb.advertisements or ():
            covers = (not ad.pools and not ad.pool_selectors) or pool.name in ad.pools
            covers = covers or any(s.selects(pool.labels) for s in ad.pool_selectors)
            if not covers:
                continue
            picked = _naive_any(ad.node_selectors, nodes)
            if ad.kind == "l2":
                l2 |= picked
            else:
                peering = set().union(*(sessions.get(p, set()) for p in ad.peers or sessions))
                bgp |= picked & peering
        out.append((pool.name, l2, bgp))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_metallb_announced_equals_the_naive_reference(seed: int) -> None:
    rng = random.Random(1000 + seed)
    nodes = _nodes(rng, rng.randint(0, 25))
    pools = tuple(
        MetalLBPool(
            name=f"p{i}",
            cidrs=(ipaddress.ip_network(f"10.9.{i}.0/28"),),
            labels={"tier": rng.choice(("x", "y"))},
        )
        for i in range(rng.randint(1, 4))
    )
    peers = tuple(
        MetalLBPeer(
            name=f"peer{i}",
            node_selectors=tuple(_selector(rng) for _ in range(rng.randint(0, 2))),
        )
        for i in range(rng.randint(0, 3))
    )
    ads = tuple(
        MetalLBAdvertisement(
            name=f"ad{i}",
            kind=rng.choice(("l2", "bgp")),
            pools=tuple(rng.sample([p.name for p in pools], rng.randint(0, 1))),
            pool_selectors=(
                (LabelSelector(match_labels={"tier": "x"}),) if rng.random() < 0.3 else ()
            ),
            node_selectors=tuple(_selector(rng) for _ in range(rng.randint(0, 2))),
            peers=tuple(rng.sample([p.name for p in peers], min(len(peers), rng.randint(0, 1)))),
        )
        for i in range(rng.randint(0, 6))
    )
    metallb = MetalLB(namespace="metallb-system", pools=pools, advertisements=ads, peers=peers)
    got = [(a.name, a.l2_nodes, a.bgp_nodes) for a in metallb_announced(metallb, nodes)]
    assert got == _naive_metallb(metallb, nodes)


NODES = 5_000
SERVICES = 20_000


def _hostile_nodes() -> list[Node]:
    return [
        Node(name=f"n{i}", labels={"zone": f"z{i % 50}", "rack": f"r{i % 500}"})
        for i in range(NODES)
    ]


def _hostile_selectors() -> Iterator[Mapping[str, object]]:
    """1,000: 490 distinct racks, 500 identical (zone z1), 10 distinct NotIn (a full scan)."""
    for i in range(490):
        yield {"match_labels": {"rack": f"r{i}"}}
    for _ in range(500):
        yield {"match_labels": {"zone": "z1"}}
    for i in range(10):
        yield {"match_expressions": [{"key": "rack", "operator": "NotIn", "values": [f"r{i}"]}]}


DISTINCT = 490 + 1 + 10


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = LabelSelector.selects

    def selects(self: LabelSelector, labels: Mapping[str, str]) -> bool:
        calls[0] += 1
        return real(self, labels)

    monkeypatch.setattr(LabelSelector, "selects", selects)
    return calls


def test_hostile_metallb_evaluates_each_distinct_selector_once(counted: list[int]) -> None:
    nodes = _hostile_nodes()
    selectors = [LabelSelector.model_validate(s) for s in _hostile_selectors()]
    ads = tuple(
        MetalLBAdvertisement(name=f"ad{i}", kind="l2", node_selectors=(s,))
        for i, s in enumerate(selectors)
    )
    pools = tuple(
        MetalLBPool(name=f"p{i}", cidrs=(ipaddress.ip_network(f"10.9.{i}.0/24"),))
        for i in range(20)
    )
    metallb = MetalLB(namespace="m", pools=pools, advertisements=ads, peers=())
    found = metallb_announced(metallb, nodes)
    assert len(found) == 20 and all(len(a.l2_nodes) == NODES for a in found)
    # narrowed: 490 racks x 10 nodes, zone z1 once (100 nodes), 10 NotIn scans (5,000 each)
    assert counted[0] == 490 * 10 + 100 + 10 * NODES
    assert counted[0] <= NODES * DISTINCT


def test_hostile_cilium_joins_each_node_set_once_per_pool(counted: list[int]) -> None:
    doc = cilium_lb_ipam_doc([{"name": "big", "cidrs": ["10.64.0.0/16"]}])
    cl = doc["cluster"]
    seed = len(cl["nodes"])  # the seed's own nodes stay (its pods run there)
    cl["nodes"] += [n.model_dump(mode="json", exclude_defaults=True) for n in _hostile_nodes()]
    template = next(s for s in cl["services"] if s["name"] == "web")
    cl["services"] = [
        {
            **template,
            "name": f"s{i}",
            "labels": {"app": f"a{i % 7}"},
            "load_balancer_ingress": [{"ip": str(ipaddress.ip_address("10.64.0.0") + i)}],
        }
        for i in range(SERVICES)
    ]
    policies = [
        {"kind": "l2", "name": f"l2-{i}", "node_selector": s}
        for i, s in enumerate(_hostile_selectors())
    ]
    # half select every Service, half the Services of one app (identical selectors)
    for i, p in enumerate(policies):
        if i % 2:
            p["service_selector"] = {"match_labels": {"app": "a1"}}
    cl["virtual_ips"].update(
        {"cilium_lb": {"l2_announcements": True}, "cilium_announcers": policies}
    )
    snapshot = build(doc)
    counted[0] = 0
    (pool,) = cilium_announced(snapshot).announced
    assert len(pool.l2_nodes) == NODES + seed
    # the node selectors: as above (the NotIn scans see the seed's nodes too); the Service
    # selectors: one group per distinct selector, met by the Services whose labels name it
    node_evaluations = 490 * 10 + 100 + 10 * (NODES + seed)
    assert node_evaluations < counted[0] <= node_evaluations + SERVICES
    assert counted[0] <= (NODES + seed) * DISTINCT + SERVICES


def test_hostile_cilium_bgp_placement_evaluates_each_distinct_selector_once(
    counted: list[int],
) -> None:
    """1,000 CiliumBGPClusterConfigs (the node selectors above), 1,000 CiliumBGPPeerConfigs
    whose ipv4 family selects advertisements by label (500 distinct, 500 identical), 1,000
    CiliumBGPAdvertisements: each distinct node selector meets the nodes once, each distinct
    family selector the advertisements once."""
    from kostack.analyze.checks._cilium_bgp import bgp_places
    from kostack.model.snapshot import CiliumAnnouncer, CiliumBGP

    nodes = _hostile_nodes()
    selectors = list(_hostile_selectors())
    bgp = CiliumBGP.model_validate(
        {
            "cluster_configs": [
                {"name": f"c{i}", "node_selector": s, "peer_configs": [f"p{i}"]}
                for i, s in enumerate(selectors)
            ],
            "peer_configs": [
                {
                    "name": f"p{i}",
                    "families": [
                        {
                            "afi": "ipv4",
                            "advertisements": {"match_labels": {"ad": f"a{i if i < 500 else 0}"}},
                        }
                    ],
                }
                for i in range(1_000)
            ],
        }
    )
    ads = [
        CiliumAnnouncer(kind="bgp", name=f"ad{i}", labels={"ad": f"a{i % 500}"})
        for i in range(1_000)
    ]
    places = bgp_places(bgp, ads, SelectorNodes(nodes))
    # ad0 (label a0): the families of p0 and p500..p999 select it, so it goes out from the
    # nodes of c0 and c500..c999 (zone z1 and the NotIn selectors: together every node)
    by_afi = places.of(ads[0])
    assert by_afi is not None and len(by_afi["ipv4"]) == NODES
    by_afi = places.of(ads[1])  # a1: p1 only, the nodes of c1 (rack r1)
    assert by_afi is not None and by_afi["ipv4"] == {f"n{i}" for i in range(1, NODES, 500)}
    node_evaluations = 490 * 10 + 100 + 10 * NODES
    family_evaluations = 500 * 2  # each distinct label, narrowed to its 2 advertisements
    assert counted[0] == node_evaluations + family_evaluations
    assert counted[0] <= NODES * DISTINCT + len(ads) * 500
