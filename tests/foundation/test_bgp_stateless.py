"""A BGP session under stateless security groups needs its replies admitted too (engine/path.py
`session_judge`, docs/facts.md "Stateless security groups").

kostack judged a TCP 179 session by its first packet only, so a cluster whose stateless node
group admits TCP 179 but not the replies to the client's ephemeral ports was told "route
learned over BGP" while no session ever comes up and every pod route is missing.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from test_stateless import _brute

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.endpoints import parse_endpoint
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.stateless import CAUSE
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.topology import Topology
from kostack.catalog import localize
from kostack_testkit.builders import (
    SG_NODES,
    build,
    example_stateless_replies,
    fake_id,
    group,
    hetero_doc,
    rule,
    seed_doc,
    set_calico_mode,
)

Doc = dict[str, Any]
EPHEMERAL = (32768, 60999)
NODE_REPLIES = rule(SG_NODES, "ingress", "tcp", EPHEMERAL, group=SG_NODES, name="replies")
NETSHOOT, COREDNS = "pod:demo/netshoot", "pod:kube-system/coredns-674b8bbfcf-7xk2q"


def bgp_doc(*extra: Doc, backend: str | None = "ml2/ovn") -> Doc:
    """Calico unencapsulated (BGP routes), ML2/OVN, node ports in the stateless `k8s-nodes`:
    every request admitted (TCP 179 from the group too), replies from pods admitted (a
    pod-CIDR rule), none from the nodes unless ``extra`` adds it."""
    doc = seed_doc()
    example_stateless_replies(doc)
    set_calico_mode(doc)
    doc["openstack"]["backend"] = backend
    group(doc, "k8s-nodes")["rules"].extend(extra)
    return doc


def bgp_hop(doc: Doc, src: str = NETSHOOT, dst: str = COREDNS) -> Hop:
    topo = Topology(build(doc))
    (result,) = trace(topo, parse_endpoint(topo, src)[0], parse_endpoint(topo, dst)[0], "tcp", 80)
    (hop,) = [h for h in result.hops if h.step == "bgp-route"]
    return hop


def test_a_session_whose_replies_are_dropped_gives_no_route() -> None:
    hop = bgp_hop(bgp_doc())
    assert hop.disposition == Disposition.NO_ROUTE, hop.detail  # was ACCEPTED: "learned over BGP"
    assert hop.cause == "sg-stateless"
    # Calico's mesh: k8s-w-1 (10.0.0.12, the greater address) opens the session
    assert "opens TCP 179 to node k8s-cp-1" in hop.detail
    assert "its replies are dropped" in hop.detail
    assert "ephemeral ports 32768-60999" in hop.detail and "k8s-nodes" in hop.detail
    ko = localize(hop.detail, "ko")
    assert "그 응답이 차단되어 경로가 없습니다" in ko and "임시 포트 32768-60999로" in ko

    d = diagnose(build(bgp_doc()))
    (rc,) = d.root_causes
    assert rc.key == "sg-stateless"
    assert any(
        "pod -> pod" in str(s.message) or s.check_id == "net-pod-to-pod" for s in rc.symptoms
    )
    (bgp,) = [f for f in rc.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.FAIL and "replies of Calico BGP sessions" in bgp.message
    commands = "\n".join(rc.fix.commands)
    sg = group(bgp_doc(), "k8s-nodes")["id"]
    assert (
        "openstack security group rule create --ingress --ethertype IPv4 --protocol tcp "
        f"--dst-port 32768:60999 --remote-group {sg} --description "
        f"'kostack: tcp replies (stateless group)' {sg}" in commands
    ), commands


def test_the_reply_rule_brings_the_route_back() -> None:
    hop = bgp_hop(bgp_doc(NODE_REPLIES))
    assert hop.disposition == Disposition.ACCEPTED and "learned over BGP" in hop.detail
    d = diagnose(build(bgp_doc(NODE_REPLIES)))
    (bgp,) = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.PASS, bgp.message


def test_only_the_openers_sessions_need_their_replies() -> None:
    """Replies admitted from k8s-w-1 (10.0.0.12) only. Calico's mesh (v3.30 here) is opened by
    the greater address: k8s-w-2 (.13) opens to k8s-w-1 and gets its replies, so they peer;
    k8s-w-1 opens to k8s-cp-1 (.11), whose replies are dropped, so they do not (kostack said
    they peer: "either side may open it", the session k8s-cp-1 -> k8s-w-1 passing)."""
    doc = bgp_doc(rule(SG_NODES, "ingress", "tcp", EPHEMERAL, "10.0.0.12/32"))
    assert bgp_hop(doc, "pod:demo/dns-test", NETSHOOT).disposition == Disposition.ACCEPTED
    hop = bgp_hop(doc)  # k8s-w-1 -> k8s-cp-1
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == CAUSE, hop.detail
    assert "node k8s-w-1 (10.0.0.12) opens TCP 179 to node k8s-cp-1 (10.0.0.11)" in hop.detail
    assert "10.0.0.11 -> 10.0.0.12 tcp" in hop.detail


def test_stateful_groups_are_unchanged() -> None:
    doc = bgp_doc()
    for sg in doc["openstack"]["security_groups"]:
        sg["stateful"] = True
    assert bgp_hop(doc).disposition == Disposition.ACCEPTED


def test_under_ovs_the_route_is_undecided_naming_the_firewall_driver() -> None:
    hop = bgp_hop(bgp_doc(backend="ml2/ovs"))
    assert hop.disposition == Disposition.UNKNOWN and hop.cause == "sg-stateless"
    assert "openvswitch firewall driver" in hop.detail and "cannot be decided" in hop.detail


def test_part_of_the_range_is_undecided() -> None:
    part = rule(SG_NODES, "ingress", "tcp", (32768, 40000), group=SG_NODES)
    hop = bgp_hop(bgp_doc(part))
    assert hop.disposition == Disposition.UNKNOWN and "32768-40000 only" in hop.detail
    d = diagnose(build(bgp_doc(part)))
    (bgp,) = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.UNKNOWN and "Cannot decide whether the replies" in bgp.message


def test_a_forward_drop_is_still_said_as_blocked_bgp() -> None:
    doc = bgp_doc(NODE_REPLIES)
    sg = group(doc, "k8s-nodes")
    sg["rules"] = [r for r in sg["rules"] if r["port_range_min"] != 179]
    hop = bgp_hop(doc)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-blocked"


# --------------------------------------------------------------------------- aggregation


def _random_bgp(seed: int) -> Doc:
    """12 nodes (10.0.1.0-11), each in its own group, BGP-routed; some groups stateless, with
    TCP reply rules from random remotes (single nodes too, so each node's replies differ), some
    without egress rules or TCP 179."""
    rng = random.Random(seed)
    doc = hetero_doc(12, pods_per_node=1)
    set_calico_mode(doc, **rng.choice([{}, {"ipip": "Always"}, {"ipip": "CrossSubnet"}]))
    doc["cluster"]["cni"]["calico"]["bgp"] = rng.choice([True, True, None])
    doc["openstack"]["backend"] = rng.choice(["ml2/ovn", "ml2/ovn", "ml2/ovs"])
    nodes = [f"10.0.1.{i}/32" for i in range(12)]
    for grp in doc["openstack"]["security_groups"]:
        grp["stateful"] = rng.random() < 0.3
        sg = grp["id"]
        for _ in range(rng.randint(0, 3)):
            ports = rng.choice([EPHEMERAL, (32768, 45000), (45001, 65535), (1, 65535)])
            remote = rng.choice([*nodes, "10.0.1.0/29", "10.0.0.0/16", "10.128.0.0/10"])
            grp["rules"].append(rule(sg, "ingress", "tcp", ports, remote, name=str(rng.random())))
        if rng.random() < 0.2:  # no egress rules: the server's egress drops the reply
            grp["rules"] = [r for r in grp["rules"] if r["direction"] == "ingress"]
        if rng.random() < 0.2:
            grp["rules"] = [r for r in grp["rules"] if r["port_range_min"] != 179]
    for port in doc["openstack"]["ports"]:
        if rng.random() < 0.1:  # a group not in the snapshot: undecided
            port["security_group_ids"] = [*port["security_group_ids"], fake_id("sg", "missing")]
    return doc


@pytest.mark.parametrize("seed", range(12))
def test_families_count_bgp_sessions_replies_as_tracing_every_pair_does(seed: int) -> None:
    flows = ClusterFlows(build(_random_bgp(seed)))
    assert flows.families.bgp
    lost = 0  # pairs whose route a stateless group's drop of the sessions' replies takes
    for kind, flow in (("pod", ("tcp", 8080)), ("pod", ("icmp", None)), ("node", ("tcp", 10250))):
        ends = flows.pods if kind == "pod" else flows.nodes
        for steps in (None, frozenset({"bgp-route"})):
            result = flows.families.evaluate(ends, ends, lambda s, t, f=flow: f, steps=steps)
            got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
            assert got == _brute(flows.topos, ends, flow, steps), (seed, kind, flow, steps)
            lost += sum(n for c in got for h, n in c.items() if h[:3:2] == ("bgp-route", CAUSE))
    assert lost > 0
