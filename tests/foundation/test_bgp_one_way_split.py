"""Calico's one-way mesh sessions counted end by end (engine/mesh_order.py), against tracing
every pair.

Where only one direction of TCP 179 passes, a situation's pairs split by who opens their
session (the greater node address string). The engine counted each part class pair by
class pair: with per-node groups on both sides whose TCP 179 sets differ, the product of
the two sides' classes (benchmarks/bgp_one_way.py: 3.6 times the CPU for twice the nodes).
It now counts each end's pairs by bisection into the other side's sorted strings; these
cases pin its counts, classes and examples on hostile inputs, and its cost.
"""

from __future__ import annotations

import ipaddress
import random
import sys
from collections import Counter
from typing import Any

import pytest
from test_matrix_relations import _agree as _agree_tally
from test_stateless import first_failing

from kostack.analyze.engine.family_records import End, FamilyResult, hop_id
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.relations import APART, JOINED, OUT, SAME, UNKNOWN
from kostack.analyze.engine.tally import Strings
from kostack.analyze.engine.types import PASSING
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.matrix import Matrix
from kostack.watch.assess import class_table
from kostack_testkit.builders import (
    build,
    fake_id,
    hetero_doc,
    new_group_rules,
    ports_of,
    rule,
    set_calico_mode,
)
from kostack_testkit.cost import python_calls
from kostack_testkit.dualstack import NODE_SUBNET_V6, make_dual_stack, node_ip_v6
from kostack_testkit.subnets import subnets_doc

Doc = dict[str, Any]
EPHEMERAL = (32768, 60999)
V6 = {"ethertype": "IPv6"}
BGP_PORT = 179


def _hostile(seed: int) -> tuple[Doc, bool]:
    """10 to 14 nodes, each in a group of its own (the rules of its former groups but TCP
    179, and random TCP 179 rules); dual-stack with BGP over IPv6 on one node subnet, or
    IPv4 over 2 to 5 subnets (two routers when mixed: the fourth subnet on the second).
    TCP 179 admitted from single nodes, ranges and subnets, on ingress and, for some nodes,
    on egress only towards some; some groups stateless with reply rules of either family."""
    rng = random.Random(seed)
    n = rng.randint(10, 14)
    dual = seed % 3 != 2
    if dual:
        doc = hetero_doc(n, pods_per_node=1)
        make_dual_stack(doc)
        set_calico_mode(doc)
        doc["cluster"]["cni"]["calico"]["ip_pools"][1]["vxlan_mode"] = "Never"
    else:
        doc = subnets_doc(n, rng.randint(2, 5), mixed=rng.random() < 0.6, pods_per_node=1)
        set_calico_mode(doc, **rng.choice([{}, {}, {"ipip": "CrossSubnet"}]))
    doc["cluster"]["cni"]["version"] = rng.choice(["v3.30.3", "v3.30.3", "v3.30.3", None])
    doc["openstack"]["backend"] = "ml2/ovn"
    ips = [node["internal_ip"] for node in doc["cluster"]["nodes"]]
    remotes = [f"{ip}/32" for ip in ips]
    remotes += [f"{ipaddress.ip_network(f'{ips[0]}/28', strict=False)}", "10.0.0.0/16"]
    remotes += [f"{ipaddress.ip_network(f'{ips[-1]}/29', strict=False)}"]
    remotes_v6 = [f"{node_ip_v6(i)}/128" for i in range(n)]
    remotes_v6 += ["fd00:0:0:1::10/124", NODE_SUBNET_V6]
    families = [({}, remotes), (V6, remotes_v6)] if dual else [({}, remotes)]
    groups = {g["id"]: g for g in doc["openstack"]["security_groups"]}
    for i, port in enumerate(ports_of(doc)):
        sg = fake_id("sg", f"one-way-{i}")
        old = [r for gid in port["security_group_ids"] for r in groups[gid]["rules"]]
        kept = [r for r in old if r["port_range_min"] != BGP_PORT and r["direction"] == "ingress"]
        own = [{**r, "id": fake_id("rule", f"{sg}/{r['id']}")} for r in kept]
        egress_179 = rng.random() < 0.4  # egress: TCP 179 towards some only
        for extra, pool in families:
            for _ in range(rng.randint(1, 3)):
                remote = rng.choice(pool)
                own.append(rule(sg, "ingress", "tcp", BGP_PORT, remote, **extra, name=remote))
            if egress_179:
                own += [
                    rule(sg, "egress", "tcp", (1, 178), **extra),
                    rule(sg, "egress", "tcp", (180, 65535), **extra),
                    rule(sg, "egress", "udp", **extra),
                    rule(sg, "egress", "icmp", **extra),
                    rule(sg, "egress", "tcp", BGP_PORT, rng.choice(pool), **extra),
                ]
        if not egress_179:
            own += new_group_rules(sg)
        stateful = rng.random() < 0.7
        if not stateful:
            for extra, pool in families:
                remote = rng.choice([*pool, pool[-1]])
                own.append(rule(sg, "ingress", "tcp", EPHEMERAL, remote, **extra, name="r"))
        rules = list({r["id"]: r for r in own}.values())  # a rule drawn twice: once
        doc["openstack"]["security_groups"].append(
            {"id": sg, "name": f"one-way-{i}", "stateful": stateful, "rules": rules}
        )
        port["security_group_ids"] = [sg]
    return doc, dual


Seen = tuple[int, set[int], set[int], set[tuple[int, int]]]


def _every_pair(
    flows: ClusterFlows, result: FamilyResult, ends: list[End], flow: tuple[str, int], steps: Any
) -> list[dict[Any, Seen]]:
    """Per world and hop: how many pairs fail first at it, their source and target classes
    and class pairs, tracing every pair (the hop every world fails at first, as
    test_stateless `_brute` counts)."""
    src_of = {id(m): c.id for c in result.sources for m in c.members}
    dst_of = {id(m): c.id for c in result.targets for m in c.members}
    per: list[dict[Any, Seen]] = [{} for _ in flows.topos]
    for s in ends:
        for t in ends:
            if s.name == t.name:
                continue
            for w, hop in enumerate(first_failing(list(flows.topos), s, t, flow, steps)):
                if hop is not None:
                    n, srcs, dsts, both = per[w].get(hop, (0, set(), set(), set()))
                    S, T = src_of[id(s)], dst_of[id(t)]
                    per[w][hop] = (n + 1, srcs | {S}, dsts | {T}, both | {(S, T)})
    return per


def _agree(flows: ClusterFlows, ends: list[End], flow: tuple[str, int]) -> bool:
    """The family's facts (pairs, classes, examples) are those of tracing every pair, with
    and without the steps filter; True when a situation was split by who opens it."""
    families = flows.families_of(ends[0].ip.version)
    split = False
    for steps in (None, frozenset({"bgp-route"})):
        result = families.evaluate(ends, ends, lambda s, t: flow, steps=steps)
        split = split or bool(result.ordered)
        want = _every_pair(flows, result, ends, flow, steps)
        src_of = {str(m.ip): c.id for c in result.sources for m in c.members}
        dst_of = {str(m.ip): c.id for c in result.targets for m in c.members}
        for facts, by_hop in zip(result.facts, want, strict=True):
            have = {f.hop: (f.pairs, f.src_classes, f.dst_classes) for f in facts}
            assert have == {hop: seen[:3] for hop, seen in by_hop.items()}, (flow, steps)
            for fact in facts:
                # each example a pair of the fact's hop, of its first three class pairs (one
                # whose target class has the key of an earlier one's shows that one's trace)
                assert all(any(hop_id(h) == fact.hop for h in ex.hops) for ex in fact.examples)
                got = [(src_of[str(ex.src.ip)], dst_of[str(ex.dst.ip)]) for ex in fact.examples]
                first = sorted(by_hop[fact.hop][3])
                assert got[0] == first[0], (fact.hop, got, first)
                assert len(got) >= min(3, len(first)) and set(got) <= set(first[:3]), fact.hop
    return split


@pytest.mark.parametrize("seed", range(30))
def test_one_way_sessions_count_as_tracing_every_pair(seed: int) -> None:
    """30 fixed hostile cases: pod pairs per family (IPv4, and IPv6 over BIRD6's sessions),
    and the TCP 179 family over the openers only (net-sg-bgp's)."""
    doc, dual = _hostile(seed)
    flows = ClusterFlows(build(doc))
    assert flows.families.bgp
    split = False
    for v in (4, 6) if dual else (4,):
        pods, nodes = flows.pods_of(v), flows.nodes_of(v)
        assert len(pods) == len(nodes) >= 10
        split = _agree(flows, pods, ("tcp", 8080)) or split
        steps = frozenset({"sg-egress", "sg-ingress"})
        result = flows.families_of(v).evaluate(
            nodes, nodes, lambda s, t: ("tcp", BGP_PORT), steps=steps, openers=v
        )
        text = {id(e): str(e.view.ip_of(v)) for e in nodes if e.view is not None}
        openers = [(s, t) for s in nodes for t in nodes if text[id(s)] > text[id(t)]]
        assert result.total == len(openers)
        per = Counter[Any]()
        for s, t in openers:
            (r,) = trace(flows.topos[0], s.endpoint, t.endpoint, "tcp", BGP_PORT, full=True)
            failing = [h for h in r.hops if h.disposition not in PASSING and h.step in steps]
            per.update([hop_id(failing[0])] if failing else [])
        assert Counter({f.hop: f.pairs for f in result.facts[0]}) == per, v
    assert split, seed  # the case is one where who opens a session decides routes


def _one_way_doc(nodes: int) -> Doc:
    """benchmarks/bgp_one_way.py's cluster: per-node groups, half admitting TCP 179 from
    the /16, each from its neighbour's /32."""
    doc = hetero_doc(nodes, pods_per_node=1)
    set_calico_mode(doc)
    fixed = {f["ip_address"] for p in doc["openstack"]["ports"] for f in p["fixed_ips"]}
    ips = sorted(fixed, key=ipaddress.ip_address)
    for i, grp in enumerate(doc["openstack"]["security_groups"]):
        sg = grp["id"]
        grp["rules"] = [r for r in grp["rules"] if r["port_range_min"] != BGP_PORT]
        if i % 2 == 0:
            grp["rules"].append(rule(sg, "ingress", "tcp", BGP_PORT, "10.0.0.0/16"))
        remote = f"{ips[(i + 1) % len(ips)]}/32"
        grp["rules"].append(rule(sg, "ingress", "tcp", BGP_PORT, remote))
    return doc


def _calls(nodes: int) -> tuple[int, int, int]:
    """Python function calls made judging the pod pairs, the pairs and the classes."""
    flows = ClusterFlows(build(_one_way_doc(nodes)))
    calls, result = python_calls(
        lambda: flows.families.evaluate(flows.pods, flows.pods, lambda s, t: ("tcp", 8080))
    )
    assert result.ordered  # split by who opens the session
    return calls, result.total, len(result.sources)


def test_the_split_costs_linear_in_the_nodes() -> None:
    """Twice the nodes: twice the classes, four times the pairs and class pairs; the work
    (Python function calls, a deterministic count) about twice, not four times (it was
    3.3 times from 160 to 320 nodes, counting every class pair of a split situation)."""
    small, small_pairs, small_classes = _calls(160)
    big, big_pairs, big_classes = _calls(320)
    assert big_classes >= 2 * small_classes - 2 and big_pairs >= 4 * small_pairs - 4 * 320
    assert big <= 2.3 * small, (small, big, big / small)


@pytest.mark.parametrize("seed", range(12))
def test_the_watch_tally_of_hostile_one_way_sessions_counts_as_tracing_every_class_pair(
    seed: int,
) -> None:
    """The watch's class table (engine/tally.py) on the hostile cases: per-node groups whose
    TCP 179 sets differ on both sides (shape pairs, small ranges), several subnets and
    routers, stateless groups; its pod-to-pod counts per class pair and at the watch's ids,
    split by who opens each session, equal tracing every class pair."""
    doc, _ = _hostile(seed)
    snap = build(doc)
    assert ClusterFlows(snap).pod_to_pod.ordered, seed  # split by who opens the session
    assert _agree_tally(snap, 1 + seed % 3) >= 10


@pytest.mark.parametrize("seed", range(20))
def test_the_tally_strings_count_a_sources_targets_as_pairing_them(seed: int) -> None:
    """engine/tally.py `Strings`: a source's targets per (label, pattern) and order, for every
    relation and subnet, equal pairing the source with every target row (the relation is
    the subnets': relations.py `SuperPair.relation`; order: whose string is the greater)."""
    rng = random.Random(seed)
    subnets = [f"subnet-{i}" for i in range(rng.randint(1, 4))]
    ifaces = frozenset(rng.sample(subnets, rng.randint(0, len(subnets))))
    texts = ["", *(f"10.0.{rng.randint(0, 2)}.{rng.randint(0, 30)}" for _ in range(6))]
    rows = [
        (
            rng.choice(subnets),
            (rng.choice("ab"), (rng.random() < 0.5,)),
            rng.choice(texts),
            rng.randint(1, 4),
        )
        for _ in range(rng.randint(1, 12))
    ]
    strings = Strings(ifaces, iter(rows))  # read once
    for sigma in [*subnets, "elsewhere"]:
        for rel in (SAME, JOINED, APART, OUT, UNKNOWN):
            for text in texts:
                want: Counter[Any] = Counter()
                for subnet, lp, other, n in rows:
                    if rel == SAME:
                        related = subnet == sigma
                    elif rel in (JOINED, APART):
                        related = subnet != sigma and (subnet in ifaces) == (rel == JOINED)
                    else:
                        related = True
                    if related:
                        want[(lp, 1 if text > other else -1 if text < other else 0)] += n
                assert strings.targets_of(sigma, rel, text) == dict(want), (sigma, rel, text)


def _tally_lines(nodes: int) -> tuple[int, int]:
    """Python lines run by the watch's pod-to-pod tally (a deterministic count of the work:
    a loop's iterations, which function calls miss), and its pairs."""
    flows = ClusterFlows(build(_one_way_doc(nodes)))
    matrix = Matrix(flows.topo, flows=flows)
    table = class_table(matrix.classes, 8)
    assert flows.pod_to_pod.ordered  # split by who opens the session
    lines = [0]

    def count(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            lines[0] += 1
        return count

    sys.settrace(count)
    try:
        counted = matrix.pod_to_pod_tally(lambda c: table.of(c.rep.name))
    finally:
        sys.settrace(None)
    return lines[0], sum(f.pairs for f in counted)


def test_the_watch_tally_of_a_split_costs_linear_in_the_nodes() -> None:
    """Twice the nodes, four times the pairs: the tally's work about twice (1.96 times from
    320 to 640 nodes; it was 2.96 times, and growing: each group labelled by its own string,
    every pair of groups was counted as a key of its own; benchmarks/watch_one_way.py)."""
    small, small_pairs = _tally_lines(320)
    big, big_pairs = _tally_lines(640)
    assert (small_pairs, big_pairs) == (320 * 319, 640 * 639)
    assert big <= 2.3 * small, (small, big, big / small)
