"""Calico with its node-to-node mesh off and route reflectors: the route hop decided from the
BGPPeers (engine/peering.py).

Before, every BGP-routed pod route was undecided once the mesh was off ("hop.bgp-peers"):
kostack did not read BGPPeers. Now a pair's route comes from a session they share or a
reflector both reach; what kostack does not judge (a selector it cannot evaluate, routers
outside the cluster, chains of reflectors) stays undecided, never passed.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

import pytest
from test_families import _agree

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.endpoints import parse_endpoint
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Finding, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import (
    POD_CIDR,
    SG_NODES,
    _own_group,
    build,
    example_doc,
    rule,
)
from kostack_testkit.cost import python_calls
from kostack_testkit.reflectors import CLUSTER_ID, racks_doc, with_reflectors

Doc = dict[str, Any]
CP, W1, W2, W3 = "k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"
POD_NET = ipaddress.ip_network(POD_CIDR)


def _doc(open_179: bool = False, reflectors: tuple[str, ...] = (CP,)) -> Doc:
    """example bgp-blocked (unencapsulated, no TCP 179) with the mesh off and reflectors."""
    doc = with_reflectors(example_doc("bgp-blocked"), dict.fromkeys(reflectors, CLUSTER_ID))
    if open_179:
        group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
        group["rules"].append(rule(SG_NODES, "ingress", "tcp", 179, group=SG_NODES))
    return doc


def _pods(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-pod-to-pod"]


def _route(doc: Doc, src: str, dst: str) -> Any:
    """The bgp-route hop of a pod on ``src`` to a pod on ``dst``."""
    snap = build(doc)
    topo = Topology(snap)
    assert snap.cluster is not None
    pods = [p for p in snap.cluster.pods if p.ip is not None and p.ip in POD_NET]
    a, b = (next(p for p in pods if p.node == n) for n in (src, dst))
    ends = (parse_endpoint(topo, f"pod:{p.namespace}/{p.name}")[0] for p in (a, b))
    (result,) = trace(topo, *ends, "tcp", 80)
    return next(h for h in result.hops if h.step == "bgp-route")


def _ip(doc: Doc, node: str) -> str:
    return str(next(n["internal_ip"] for n in doc["cluster"]["nodes"] if n["name"] == node))


def test_route_reflector_sessions_up_pass() -> None:
    pods = _pods(_doc(open_179=True))
    assert pods and {f.status for f in pods} == {Status.PASS}
    hop = _route(_doc(open_179=True), W1, W2)
    assert hop.disposition == Disposition.ACCEPTED
    assert "through route reflector k8s-cp-1" in localize(hop.detail, "en")
    direct = _route(_doc(open_179=True), W1, CP)
    assert "have a working session" in localize(direct.detail, "en")


def test_route_reflector_blocked_is_a_decided_failure_with_the_rule() -> None:
    pods = _pods(_doc())
    assert pods and {f.status for f in pods} == {Status.FAIL}
    assert {f.cause for f in pods} == {"bgp-blocked"}
    hop = _route(_doc(), W2, W3)
    assert hop.disposition == Disposition.NO_ROUTE
    said = localize(hop.detail, "en")
    assert "drop every BGP session of node k8s-w-2 (with k8s-cp-1)" in said
    assert any(e.kind.startswith("security") or "sg" in e.kind for e in hop.evidence), hop.evidence
    assert "BGP" in localize(hop.detail, "ko")


def test_a_client_blocked_to_one_reflector_reaches_the_other() -> None:
    """Two reflectors of one cluster ID (cp-1, w-1). w-3's own group admits TCP 179 from w-1
    only, and cp-1 (shared group) admits it from the shared group only: w-3's session with
    cp-1 is dropped both ways, with w-1 it comes up (w-1 connects). So w-3 reaches w-1 only,
    and every pair still has a route: w-1 reflects its client w-3's routes to cp-1 too."""
    doc = _doc(open_179=True, reflectors=(CP, W1))
    sg = _own_group(
        doc,
        W3,
        [
            rule("x", "ingress", None, None, "10.244.0.0/16"),
            rule("x", "ingress", "tcp", 179, f"{_ip(doc, W1)}/32"),
        ],
    )
    assert sg
    assert _route(doc, W3, CP).disposition == Disposition.ACCEPTED
    assert "route reflector k8s-w-1" in localize(_route(doc, W3, W2).detail, "en")
    # the control: w-3 admits TCP 179 from nobody: no session comes up at all
    doc["openstack"]["security_groups"][-1]["rules"].pop()
    hop = _route(doc, W3, W2)
    assert hop.disposition == Disposition.NO_ROUTE
    assert "every BGP session of node k8s-w-3" in localize(hop.detail, "en")


def test_clients_of_disjoint_reflectors_have_no_route() -> None:
    """w-2 reaches reflector cp-1 only, w-3 reflector w-1 only (same cluster ID: a reflector
    drops routes carrying its own cluster ID, so cp-1 and w-1 do not pass them on)."""
    doc = _doc(open_179=False, reflectors=(CP, W1))
    _own_group(doc, W2, [rule("a", "ingress", "tcp", 179, f"{_ip(doc, CP)}/32")])
    _own_group(doc, W3, [rule("b", "ingress", "tcp", 179, f"{_ip(doc, W1)}/32")])
    hop = _route(doc, W2, W3)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-blocked"
    said = localize(hop.detail, "en")
    assert "reach route reflectors k8s-cp-1 only" in said and "k8s-w-1 only" in said
    # reflectors of different cluster IDs pass routes on to each other: not judged
    doc["cluster"]["cni"]["calico"]["route_reflectors"][W1] = "244.0.0.2"
    hop = _route(doc, W2, W3)
    assert hop.disposition == Disposition.UNKNOWN
    assert "from reflector to reflector" in localize(hop.detail, "en")


def test_a_selector_kostack_cannot_evaluate_leaves_the_route_undecided() -> None:
    doc = _doc(open_179=True)
    doc["cluster"]["cni"]["calico"]["bgp_peers"][0]["peer_selector"] = "rack =~ 'r'"
    pods = _pods(doc)
    assert pods and {f.status for f in pods} == {Status.UNKNOWN}
    said = localize(pods[0].message, "en")
    assert "`rack =~ 'r'`" in said and "peer-with-route-reflectors" in said


def test_an_external_peer_is_undecided_when_its_session_passes_and_fails_when_dropped() -> None:
    """A global BGPPeer to a router outside the cluster (no reflector): routes may come from
    it, which kostack cannot see (UNKNOWN, not PASS); when the security groups drop the
    session both ways at the node's port, no node has a route (FAIL)."""
    peer = {"name": "tor", "peer_ip": "192.0.2.1", "as_number": 64513}
    doc = with_reflectors(example_doc("bgp-blocked"), {}, [peer])
    pods = _pods(doc)
    assert pods and {f.status for f in pods} == {Status.UNKNOWN}
    assert "peers with 192.0.2.1 outside the cluster" in localize(pods[0].message, "en")
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"] = [r for r in group["rules"] if r["direction"] != "egress"]
    hop = _route(doc, W1, W2)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-blocked"
    assert "(with 192.0.2.1)" in localize(hop.detail, "en")


def test_a_node_no_bgppeer_selects_has_no_route() -> None:
    peers = [
        {
            "name": "racks",
            "node_selector": "has(rack)",
            "peer_selector": "route-reflector == 'true'",
        }
    ]
    doc = with_reflectors(_doc(open_179=True), {CP: CLUSTER_ID}, peers)
    for node in doc["cluster"]["nodes"]:
        if node["name"] in (W1, W2):
            node["labels"]["rack"] = "r1"
    assert _route(doc, W1, W2).disposition == Disposition.ACCEPTED
    hop = _route(doc, W1, W3)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-no-peer"
    assert "no BGPPeer gives node k8s-w-3 a BGP session" in localize(hop.detail, "en")


@pytest.mark.parametrize("nodes", [12, 31])
def test_families_agree_with_tracing_every_pair(nodes: int) -> None:
    doc, racks = racks_doc(nodes)
    assert racks["a"] and racks["b"]
    assert _agree(doc) > 0


def _counts(nodes: int) -> tuple[int, Counter[Any], int, int]:
    doc, racks = racks_doc(nodes)
    flows = ClusterFlows(build(doc))
    result = flows.families.evaluate(flows.pods, flows.pods, lambda s, t: ("tcp", 8080))
    (facts,) = result.facts
    fails = Counter({f.hop: f.pairs for f in facts})
    return result.total, fails, 2 * len(racks["a"]) * len(racks["b"]), len(result.sources)


def test_two_thousand_nodes_three_reflectors_per_node_groups() -> None:
    """Rack a reaches reflector 0 only, rack b reflector 1 only: their pairs (both ways) have
    no route, counted exactly; every other pair has one. A handful of classes, not one per
    node: the sessions' outcomes are a per-node state (which reflectors it reaches)."""
    total, fails, expected, classes = _counts(2000)
    assert total == 2000 * 1999
    assert list(fails.values()) == [expected] and expected > 800_000
    ((step, _, cause, _),) = fails
    assert (step, cause) == ("bgp-route", "bgp-blocked")
    assert classes < 20


def _calls(nodes: int) -> int:
    doc, _ = racks_doc(nodes)
    flows = ClusterFlows(build(doc))
    calls, _ = python_calls(
        lambda: flows.families.evaluate(flows.pods, flows.pods, lambda s, t: ("tcp", 8080))
    )
    return calls


def test_the_sessions_cost_linear_in_the_nodes() -> None:
    """Twice the nodes (four times the pairs): about twice the work (Python function calls,
    a deterministic count), the sessions judged per node and reflector, never per pair."""
    small, big = _calls(300), _calls(600)
    assert big <= 2.3 * small, (small, big, big / small)


# ---------------------------------------------------------------------------- net-sg-bgp


def _bgp(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-sg-bgp"]


def test_net_sg_bgp_checks_the_sessions_with_the_reflectors_not_every_pair() -> None:
    (ok,) = _bgp(_doc(open_179=True))
    assert ok.status == Status.PASS
    assert "3 sessions with k8s-cp-1 checked" in localize(ok.message, "en")
    (fail,) = _bgp(_doc())
    assert (fail.status, fail.cause, fail.severity.value) == (
        Status.FAIL,
        "bgp-blocked",
        "critical",
    )
    said = localize(fail.message, "en")
    assert "of nodes k8s-w-1, k8s-w-2, k8s-w-3 with route reflector k8s-cp-1 (3 sessions)" in said
    assert "No working BGP session is left to nodes k8s-w-1, k8s-w-2, k8s-w-3" in said
    assert "라우트 리플렉터 k8s-cp-1" in localize(fail.message, "ko")


def test_a_lost_reflector_is_high_and_its_fix_is_on_the_reflectors_group() -> None:
    """w-2 and w-3 in groups of their own that admit TCP 179 from w-1 (a reflector) only;
    cp-1 (the other reflector, shared group) admits it from its own group: both lose cp-1,
    keep w-1. The fix is an ingress rule on cp-1's group, from their groups."""
    doc = _doc(open_179=True, reflectors=(CP, W1))
    own = {
        n: _own_group(doc, n, [rule(n, "ingress", "tcp", 179, f"{_ip(doc, W1)}/32")])
        for n in (W2, W3)
    }
    (fail,) = _bgp(doc)
    assert (fail.status, fail.severity.value, fail.nodes) == (Status.FAIL, "high", (W2, W3))
    assert "with route reflector k8s-cp-1 (2 sessions)" in localize(fail.message, "en")
    assert "no working" not in localize(fail.message, "en")
    assert len(fail.remedies) == 2  # one rule per client group
    plan = build_plan(build(doc))
    added = [
        a
        for a in plan.automatic
        if a.operation == Operation.ADD_SG_RULE and a.rule and a.rule.port_range_min == 179
    ]
    got = {(a.target.id, a.rule.protocol, a.rule.port_range_min) for a in added if a.rule}
    assert got == {(SG_NODES, "tcp", 179)}, added
    assert {a.rule.remote_group_id for a in added if a.rule} == set(own.values()), added
    assert plan.verification.after == ()


@pytest.mark.parametrize("global_peer", [False, True])
def test_who_connects_node_specific_either_side_global_the_greater_address(
    global_peer: bool,
) -> None:
    """The workers admit TCP 179 from the reflector cp-1 (10.0.0.11, the smallest address);
    cp-1 admits it from nobody. A node-specific BGPPeer (nodeSelector all()): either side
    connects, cp-1 does: the route passes. A global BGPPeer (no nodeSelector): from Calico
    v3.23 the greater address (each worker) connects and is dropped; whether cp-1 may
    connect too depends on the version: undecided, never passed."""
    doc = _doc()
    if global_peer:
        del doc["cluster"]["cni"]["calico"]["bgp_peers"][0]["node_selector"]
    for n in (W1, W2, W3):
        _own_group(doc, n, [rule(n, "ingress", "tcp", 179, f"{_ip(doc, CP)}/32")])
    hop = _route(doc, W1, W2)
    if not global_peer:
        assert hop.disposition == Disposition.ACCEPTED
        return
    assert hop.disposition == Disposition.UNKNOWN
    said = localize(hop.detail, "en")
    assert "global BGPPeer" in said and "the node with the greater address" in said
    # net-sg-bgp: the sessions undecided, and the fix a plan would make: cp-1 admits them
    doc["cluster"]["cni"]["calico"]["bgp_peers"][0]["node_selector"] = "all()"
    assert _route(doc, W1, W2).disposition == Disposition.ACCEPTED


def _outside(doc: Doc) -> None:
    """Every fourth node also peers with a router outside the cluster."""
    peer = {"name": "tor", "peer_ip": "192.0.2.1", "node_selector": "rack == 'x'"}
    doc["cluster"]["cni"]["calico"]["bgp_peers"].append(peer)
    for i, n in enumerate(doc["cluster"]["nodes"]):
        n["labels"] = {**(n.get("labels") or {}), **({"rack": "x"} if i % 4 == 0 else {})}


def _plain_mesh(doc: Doc) -> None:
    """The clients also peer with each other (a mesh written as a BGPPeer)."""
    mesh = {"name": "m", "node_selector": "!has(route-reflector)"}
    doc["cluster"]["cni"]["calico"]["bgp_peers"].append(
        {**mesh, "peer_selector": "!has(route-reflector)"}
    )


def _chain(doc: Doc) -> None:
    """Reflector 1 in a cluster ID of its own: reflectors pass routes on to each other."""
    doc["cluster"]["cni"]["calico"]["route_reflectors"]["node-00001"] = "244.0.0.9"


def _half_selected(doc: Doc) -> None:
    """The BGPPeer selects every second node only: the others have no session."""
    doc["cluster"]["cni"]["calico"]["bgp_peers"][0]["node_selector"] = "has(rack)"
    for i, n in enumerate(doc["cluster"]["nodes"]):
        n["labels"] = {**(n.get("labels") or {}), **({"rack": "x"} if i % 2 == 0 else {})}


def _open(doc: Doc) -> None:
    """The backend and whether Calico runs BGP not known: judged in every case."""
    doc["openstack"]["backend"] = doc["openstack"]["backend_source"] = None
    doc["cluster"]["cni"]["calico"]["bgp"] = None


@pytest.mark.parametrize("edit", [_outside, _plain_mesh, _chain, _half_selected, _open])
def test_families_agree_with_tracing_every_pair_in_every_case(edit: Any) -> None:
    doc, _ = racks_doc(14)
    edit(doc)
    assert _agree(doc) > 0
