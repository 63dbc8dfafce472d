"""net-sg-bgp under kube-router judges a session per node pair, up when either node can open
it (GoBGP's peers are active at both ends), as the engine's route hop does.

Before, each ordered node pair was judged alone: a pair whose --bgp-port passes one way only
failed for the blocked direction although its session comes up and the pods' routes with it
(the route hop said so: the check and the engine disagreed).
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.stateless import CAUSE, EPHEMERAL
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Finding, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack_testkit.builders import (
    SG_NODES,
    build,
    example_stateless_replies,
    rule,
    seed_doc,
)
from kostack_testkit.kuberouter import as_kube_router, kube_router_example_doc

Doc = dict[str, Any]
PORT = 1790
CP, W1, W2, W3 = "k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"


def _doc(admitted_from: tuple[str, ...]) -> Doc:
    """kube-router on --bgp-port 1790, every node in `k8s-nodes`, which admits 1790 only from
    the addresses of ``admitted_from``: a node not among them opens no session itself."""
    doc = kube_router_example_doc("kube-router-fixed")
    doc["cluster"]["cni"]["kube_router"]["bgp_port"] = PORT
    ips = {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"] += [
        rule(SG_NODES, "ingress", "tcp", PORT, f"{ips[n]}/32", name=n) for n in admitted_from
    ]
    return doc


def _bgp(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-sg-bgp"]


def _route_hops(doc: Doc) -> dict[tuple[str, str], Disposition]:
    """The engine's bgp-route hop of every ordered pair of pods on different nodes."""
    flows = ClusterFlows(build(doc))
    out = {}
    for s in flows.pods:
        for t in flows.pods:
            if s.name != t.name:
                (result,) = trace(flows.topo, s.endpoint, t.endpoint, "tcp", 8080)
                hop = next(h for h in result.hops if h.step == "bgp-route")
                out[(s.name, t.name)] = hop.disposition
    return out


def test_one_way_sessions_pass_and_say_the_blocked_direction() -> None:
    """Every node admits 1790 from cp-1, w-1 and w-2, none from w-3: w-3 opens no session,
    the others open theirs to it, so every session comes up."""
    doc = _doc((CP, W1, W2))
    assert set(_route_hops(doc).values()) == {Disposition.ACCEPTED}
    (finding,) = _bgp(doc)
    assert finding.status == Status.PASS
    en = localize(finding.message, "en")
    assert "every session of the 12 node pairs can be opened from at least one end" in en
    (said,) = [localize(e, "en") for e in finding.evidence]
    assert said.startswith("tcp 1790 from ") and "k8s-w-3" in said
    assert "(3 node pairs)" in said and "the other node opens these sessions" in said
    ko = localize(finding.evidence[0], "ko")
    assert "반대쪽 노드가 세션을 열어" in ko and "노드 쌍 3개" in ko


def test_a_pair_blocked_both_ways_fails_alone_with_the_rule_that_opens_it() -> None:
    """No rule from w-1 either: w-1 and w-3 can open no session to each other (2 ordered
    pairs); w-1's sessions with cp-1 and w-2 still come up (they open them)."""
    doc = _doc((CP, W2))
    hops = _route_hops(doc)
    down = {pair for pair, d in hops.items() if d != Disposition.ACCEPTED}
    assert down == {(W1, W3), (W3, W1)}
    (finding,) = _bgp(doc)
    assert finding.status == Status.FAIL and finding.cause == "bgp-blocked"
    assert dict(finding.counts) == {"node_pairs": 2}
    en = localize(finding.message, "en")
    assert "kube-router BGP (tcp 1790)" in en and "(2 node pairs)" in en
    assert "neither node can open the session" in en
    assert "노드 쌍 2개" in localize(finding.message, "ko")
    (remedy,) = finding.remedies
    assert dict(remedy.params).get("port_range_min") == str(PORT), remedy
    # the rule fixes it: nothing but passes after
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"].append(rule(SG_NODES, "ingress", "tcp", PORT, group=SG_NODES))
    assert {f.status for f in _bgp(doc)} == {Status.PASS}


def test_dropped_replies_of_a_stateless_group_fail_with_the_replies_rule() -> None:
    """Stateless groups admit every request but no reply: no session comes up either way;
    the rule is the replies' (the clients' ephemeral ports), said as kube-router's."""
    doc = seed_doc()
    example_stateless_replies(doc)
    as_kube_router(doc)
    (finding,) = _bgp(doc)
    assert finding.status == Status.FAIL and finding.cause == CAUSE
    assert localize(finding.message, "en").startswith("kube-router BGP (tcp 179) between")
    (remedy,) = finding.remedies
    params = dict(remedy.params)
    lo, hi = EPHEMERAL
    assert (params["direction"], params["port_range_min"]) == ("ingress", str(lo))
    assert params["port_range_max"] == str(hi)
