"""Calico's mesh is one-way: the node whose address string is the greater opens each session
(engine/bgp_routes.py `bgp_route`, docs/facts.md "Which node opens a mesh session").

kostack judged a mesh session up when TCP 179 passed either way ("either side may open it"),
so groups admitting TCP 179 only towards the greater address were told "route learned over
BGP" while the greater address's connection, the only one Calico makes, is dropped.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from test_matrix_relations import _agree
from test_stateless import _brute

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.endpoints import parse_endpoint
from kostack.analyze.engine.path import session_judge, trace
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.topology import Topology
from kostack.catalog import localize
from kostack_testkit.builders import build, example_doc, hetero_doc, rule, set_calico_mode

Doc = dict[str, Any]
EPHEMERAL = (32768, 60999)


def one_way_doc(version: str | None = "v3.30.3") -> Doc:
    """12 nodes 10.0.1.0-11, each in its own group, BGP-routed, no TCP 179 but: node-00010's
    group admits it from 10.0.1.2 (string "10.0.1.2" > "10.0.1.10": node-00002 opens)."""
    doc = hetero_doc(12, pods_per_node=1)
    set_calico_mode(doc)
    doc["cluster"]["cni"]["version"] = version
    for i, grp in enumerate(doc["openstack"]["security_groups"]):
        grp["rules"] = [r for r in grp["rules"] if r["port_range_min"] != 179]
        if i == 10:
            grp["rules"].append(rule(grp["id"], "ingress", "tcp", 179, "10.0.1.2/32"))
    return doc


def hop_of(doc: Doc, src: int, dst: int) -> Hop:
    topo = Topology(build(doc))
    a, b = (parse_endpoint(topo, f"pod:apps/app-{i}-0")[0] for i in (src, dst))
    (result,) = trace(topo, a, b, "tcp", 80)
    (hop,) = [h for h in result.hops if h.step == "bgp-route"]
    return hop


def test_the_greater_address_string_opens_the_session() -> None:
    """node-00002 (10.0.1.2) connects to node-00010 (10.0.1.10): admitted, both ways up."""
    for src, dst in ((2, 10), (10, 2)):
        hop = hop_of(one_way_doc(), src, dst)
        assert hop.disposition == Disposition.ACCEPTED, hop.detail
        assert (
            "node node-00002 (10.0.1.2) opens TCP 179 to node node-00010 (10.0.1.10)" in hop.detail
        )
        assert "노드 node-00002(10.0.1.2)에서 노드 node-00010(10.0.1.10) 쪽으로" in localize(
            hop.detail, "ko"
        )


def test_a_session_admitted_only_towards_the_greater_address_is_down() -> None:
    """The reverse rule: node-00002's group admits TCP 179 from 10.0.1.10. The session would
    come up if node-00010 connected (the numeric order's opener), but node-00002 does and
    node-00010's group drops it (kostack said: route learned over BGP)."""
    doc = one_way_doc()
    groups = doc["openstack"]["security_groups"]
    groups[10]["rules"] = [r for r in groups[10]["rules"] if r["port_range_min"] != 179]
    groups[2]["rules"].append(rule(groups[2]["id"], "ingress", "tcp", 179, "10.0.1.10/32"))
    hop = hop_of(doc, 2, 10)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-blocked", hop.detail
    assert "opens TCP 179 to node node-00010 (10.0.1.10)" in hop.detail
    assert "the security groups drop that connection: no route" in hop.detail
    assert "보안 그룹이 그 연결을 차단하여 경로가 없습니다" in localize(hop.detail, "ko")


def test_an_unknown_version_leaves_a_one_way_session_undecided() -> None:
    """Version not collected: where only the smaller address's connection passes, whether the
    session comes up depends on it (before v3.4 either side connects); where the greater's
    passes, it comes up either way."""
    doc = one_way_doc(None)
    assert hop_of(doc, 10, 2).disposition == Disposition.ACCEPTED
    groups = doc["openstack"]["security_groups"]
    groups[10]["rules"] = [r for r in groups[10]["rules"] if r["port_range_min"] != 179]
    groups[2]["rules"].append(rule(groups[2]["id"], "ingress", "tcp", 179, "10.0.1.10/32"))
    hop = hop_of(doc, 10, 2)
    assert hop.disposition == Disposition.UNKNOWN and hop.cause == "gap", hop.detail
    en = localize(hop.detail, "en")
    assert "passes from node-00010 -> node-00002 only" in en and "since Calico v3.4" in en, en
    assert "node node-00002 (10.0.1.2) opens TCP 179 to node node-00010 (10.0.1.10)" in en
    assert "수집되지 않은 Calico 버전에 달려 있습니다" in localize(hop.detail, "ko")


def test_before_calico_3_4_either_side_connects() -> None:
    doc = one_way_doc("v3.3.6")
    groups = doc["openstack"]["security_groups"]
    groups[10]["rules"] = [r for r in groups[10]["rules"] if r["port_range_min"] != 179]
    groups[2]["rules"].append(rule(groups[2]["id"], "ingress", "tcp", 179, "10.0.1.10/32"))
    hop = hop_of(doc, 2, 10)
    assert hop.disposition == Disposition.ACCEPTED and "node-00010 -> node-00002" in hop.detail


def test_the_one_way_example_loses_the_master_worker_routes() -> None:
    """examples/calico-bgp-one-way: the workers' group admits TCP 179 from the masters', the
    masters' not from the workers'; every worker's address is the greater, so it connects and
    is dropped: the master-worker pod routes are lost (kostack said pod -> pod was fine)."""
    d = diagnose(build(example_doc("calico-bgp-one-way")))
    (rc,) = d.root_causes
    assert rc.key == "bgp-blocked" and rc.check_id == "net-sg-bgp"
    en = localize(rc.message, "en")
    assert "The ingress rules of node k8s-cp-1 drop Calico BGP (tcp 179) from nodes k8s-w-1" in en
    assert "(3 node pairs)" in en and "greater address open each session" in en, en
    assert "노드 쌍을 그 방향으로만 셉니다" in localize(rc.message, "ko")
    p2p = [f for f in rc.symptoms if f.check_id == "net-pod-to-pod"]
    assert sum(dict(f.counts)["node_pairs"] for f in p2p) == 6  # cp <-> 3 workers, both ways
    assert all(f.status == Status.FAIL for f in p2p)
    # the plan's rule (TCP 179 from the nodes' shared group, on it) admits the workers' way too
    assert any("--dst-port 179 --remote-group" in c for c in rc.fix.commands), rc.fix.commands


def test_the_direction_the_mesh_never_uses_is_no_outage() -> None:
    """The reverse of the example: the masters' group admits TCP 179 from the workers', the
    workers' not from the masters'. Every worker connects to the master and is admitted; the
    master never connects (passive), so nothing is broken (kostack called the master's
    connections an outage and planned a rule)."""
    doc = example_doc("calico-bgp-one-way")
    groups = {g["name"]: g for g in doc["openstack"]["security_groups"]}
    masters, workers = groups["k8s-masters"], groups["k8s-workers"]
    masters["rules"] = [rule(masters["id"], "ingress", "tcp", 179, group=workers["id"])]
    workers["rules"] = [rule(workers["id"], "ingress", "tcp", 179, group=workers["id"])]
    d = diagnose(build(doc))
    assert d.root_causes == (), [rc.key for rc in d.root_causes]
    (bgp,) = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.PASS and "(6 node pairs checked)" in localize(bgp.message, "en")


# --------------------------------------------------------------------------- aggregation


def _random_one_way(seed: int) -> Doc:
    """12 nodes (10.0.1.0-11: string and numeric orders differ), per-node or shared groups,
    TCP 179 admitted from random single nodes and ranges (one way for many pairs), some
    groups stateless with reply rules; the Calico version one-way, old or unknown."""
    rng = random.Random(seed)
    doc = hetero_doc(12, pods_per_node=1)
    set_calico_mode(doc, **rng.choice([{}, {"ipip": "Always"}]))
    doc["cluster"]["cni"]["version"] = rng.choice(["v3.30.3", "v3.30.3", "v3.3.0", None])
    doc["openstack"]["backend"] = "ml2/ovn"
    nodes = [f"10.0.1.{i}/32" for i in range(12)]
    groups = doc["openstack"]["security_groups"]
    for grp in groups:
        sg = grp["id"]
        grp["stateful"] = rng.random() < 0.8
        grp["rules"] = [r for r in grp["rules"] if r["port_range_min"] != 179]
        for _ in range(rng.randint(0, 4)):
            remote = rng.choice([*nodes, "10.0.1.0/29", "10.0.1.8/29", "10.0.0.0/16"])
            grp["rules"].append(rule(sg, "ingress", "tcp", 179, remote, name=str(rng.random())))
        if not grp["stateful"] and rng.random() < 0.7:
            remote = rng.choice([*nodes, "10.0.0.0/16"])
            grp["rules"].append(rule(sg, "ingress", "tcp", EPHEMERAL, remote, name="r"))
    if rng.random() < 0.3:  # a few shared groups: classes of several nodes
        for port in doc["openstack"]["ports"]:
            port["security_group_ids"] = [groups[rng.randrange(3)]["id"]]
    return doc


@pytest.mark.parametrize("seed", range(16))
def test_families_count_one_way_sessions_as_tracing_every_pair_does(seed: int) -> None:
    flows = ClusterFlows(build(_random_one_way(seed)))
    assert flows.families.bgp
    for kind, flow in (("pod", ("tcp", 8080)), ("node", ("tcp", 10250))):
        ends = flows.pods if kind == "pod" else flows.nodes
        for steps in (None, frozenset({"bgp-route"})):
            result = flows.families.evaluate(ends, ends, lambda s, t, f=flow: f, steps=steps)
            got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
            assert got == _brute(flows.topos, ends, flow, steps), (seed, kind, flow, steps)
            if steps and kind == "pod" and flows.topo.snapshot.cluster.cni.version == "v3.30.3":
                # and the rule itself: the pairs whose opener's connection fails have no route
                judge = session_judge(flows.topos[0])
                down = sum(
                    judge(*((s.view, t.view) if opens else (t.view, s.view)), 4) is not None
                    for s in ends
                    for t in ends
                    if s.view is not t.view
                    for opens in [str(s.node_ip) > str(t.node_ip)]
                )
                assert sum(got[0].values()) == down > 0, seed
            for facts in result.facts:  # each example is a pair of the fact's own hop
                for fact in facts:
                    for ex in fact.examples:
                        assert any(
                            (h.step, h.direction, h.cause, str(h.disposition)) == fact.hop
                            for h in ex.hops
                        )


@pytest.mark.parametrize("seed", range(6))
def test_openers_count_only_the_pairs_whose_source_opens_the_session(seed: int) -> None:
    """net-sg-bgp's TCP 179 family over the openers: the pairs of a greater source string."""
    flows = ClusterFlows(build(_random_one_way(seed)))
    ends = flows.nodes
    steps = frozenset({"sg-egress", "sg-ingress"})
    result = flows.families.evaluate(ends, ends, lambda s, t: ("tcp", 179), steps=steps, openers=4)
    openers = [(s, t) for s in ends for t in ends if str(s.node_ip) > str(t.node_ip)]
    assert result.total == len(openers) == 66
    per = Counter[Any]()
    for s, t in openers:
        (r,) = trace(flows.topos[0], s.endpoint, t.endpoint, "tcp", 179, full=True)
        failing = [h for h in r.hops if not h.passes and h.step in steps]
        if failing:
            h = failing[0]
            per[(h.step, h.direction, h.cause, str(h.disposition))] += 1
    assert Counter({f.hop: f.pairs for f in result.facts[0]}) == per


@pytest.mark.parametrize("seed", range(8))
def test_every_pairs_route_follows_its_openers_connection(seed: int) -> None:
    """Per pair, against an oracle of the rule itself: the route is up exactly when the
    greater address string's connection comes up; some pairs (whose smaller address's
    connection passes) were told up before."""
    doc = _random_one_way(seed)
    doc["cluster"]["cni"]["version"] = "v3.30.3"
    flows = ClusterFlows(build(doc))
    topo, judge = flows.topos[0], session_judge(flows.topos[0])
    reverse_only = 0
    for s in flows.pods:
        for t in flows.pods:
            if s.view is None or t.view is None or s.name == t.name:
                continue
            (r,) = trace(topo, s.endpoint, t.endpoint, "tcp", 8080, full=True)
            (hop,) = [h for h in r.hops if h.step == "bgp-route"]
            a, b = (s.view, t.view) if str(s.node_ip) > str(t.node_ip) else (t.view, s.view)
            there, back = judge(a, b, 4), judge(b, a, 4)
            assert (hop.disposition == Disposition.ACCEPTED) == (there is None), hop.detail
            reverse_only += there is not None and back is None
    assert reverse_only > 0, seed


@pytest.mark.parametrize("seed", range(6))
def test_the_watch_tally_counts_one_way_sessions_as_tracing_every_class_pair(seed: int) -> None:
    """The watch's class table (engine/tally.py): a situation split by who opens the session
    is counted by its representative pairs' order."""
    assert _agree(build(_random_one_way(seed)), 1 + seed % 3) == 12
