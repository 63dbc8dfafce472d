"""A fact names the nodes of its failing pairs, not every member of their classes.

Nodes alike but for their addresses share a class; a security group whose rules admit some
nodes' /32s splits a class's pairs by membership pattern (engine/pairs.py). A fact used to
name its classes' members whole: kube-router's "tcp 179 from nodes k8s-w-1, k8s-w-2, k8s-w-3
... is not admitted (3 node pairs)" where only k8s-w-3's sessions were (and a remedy built
from those names admitted nodes that needed nothing). Checked against tracing every pair.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.family_records import End, hop_id
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import PASSING
from kostack.analyze.flows import ClusterFlows
from kostack.model import loads_snapshot
from kostack_testkit.builders import SG_NODES, build, rule, synthetic_doc
from kostack_testkit.kuberouter import kube_router_example_doc

Doc = dict[str, Any]


def _admitting_some(nodes: int, seed: int) -> tuple[Doc, set[str]]:
    """``nodes`` nodes in one shared group whose TCP 179 and 8080 rules admit a random
    subset of the nodes' /32s (and nothing wider)."""
    rng = random.Random(seed)
    doc = synthetic_doc(nodes, groups=3, rules=11, pods_per_node=1)
    ips = {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}
    admitted = {n for n in ips if rng.random() < 0.6}
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"] = [r for r in group["rules"] if r["port_range_min"] != 179]
    for port in doc["openstack"]["ports"]:  # no default group admitting its members
        port["security_group_ids"] = [SG_NODES]
    for n in sorted(admitted):
        for port in (179, 8080):
            group["rules"].append(rule(SG_NODES, "ingress", "tcp", port, f"{ips[n]}/32", name=n))
    return doc, set(ips) - admitted


def _failing(flows: ClusterFlows, ends: list[End], flow: tuple[str, int]) -> tuple[set, set]:
    """Every pair of nodes traced: the ends of the failing ones, sources and targets."""
    srcs: set[int] = set()
    dsts: set[int] = set()
    topo = flows.topos[0]
    for s in ends:
        for t in ends:
            if s.name == t.name:
                continue
            result = trace(topo, s.endpoint, t.endpoint, *flow, full=True)[0]
            if any(h.disposition not in PASSING for h in result.hops):
                srcs.add(id(s))
                dsts.add(id(t))
    return srcs, dsts


@pytest.mark.parametrize("seed", range(6))
def test_a_facts_ends_are_those_of_its_failing_pairs(seed: int) -> None:
    doc, blocked = _admitting_some(12, seed)
    flows = ClusterFlows(build(doc))
    ends = flows.nodes
    flow = ("tcp", 179)
    result = flows.families.evaluate(ends, ends, lambda s, t: flow)
    srcs, dsts = _failing(flows, ends, flow)
    named_s = {id(e) for f in result.facts[0] for e in f.src_ends}
    named_d = {id(e) for f in result.facts[0] for e in f.dst_ends}
    assert {e.name for e in ends if id(e) in srcs} == blocked, seed
    assert named_s == srcs, seed
    assert named_d == dsts, seed
    # the classes are wider than the ends named: the old naming
    if blocked and len(blocked) < len(ends):
        whole = {id(m) for f in result.facts[0] for m in result.members("src", f.src_classes)}
        assert whole > named_s, seed


def test_kube_router_one_way_names_the_node_that_cannot_open_its_sessions() -> None:
    snap = loads_snapshot(json.dumps(kube_router_example_doc("kube-router-bgp-one-way")))
    finding = next(f for f in diagnose(snap).findings if f.check_id == "net-sg-bgp")
    (evidence,) = finding.evidence
    assert "from node k8s-w-3 to nodes k8s-cp-1, k8s-w-1, k8s-w-2 is not admitted" in evidence
    assert "(3 node pairs)" in evidence


def test_hop_ids_of_facts_match_their_examples() -> None:
    doc, _ = _admitting_some(6, 1)
    flows = ClusterFlows(build(doc))
    result = flows.families.evaluate(flows.nodes, flows.nodes, lambda s, t: ("tcp", 179))
    for f in result.facts[0]:
        assert any(hop_id(h) == f.hop for h in f.examples[0].hops)
