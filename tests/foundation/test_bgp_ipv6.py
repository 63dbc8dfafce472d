"""BGP over IPv6: Calico learns the routes to IPv6 pods over BIRD6's sessions between the nodes'
IPv6 addresses (docs/facts.md, "BGP over IPv6"), so a TCP 179 rule of ethertype IPv4 leaves a
dual-stack cluster whose IPv6 pool is BGP-routed without any IPv6 pod route.

kostack judged the sessions over IPv4 only (`Query("egress", 4, 6, 179)`, the session judge on
the nodes' primary addresses): such a cluster was told "BGP 179 ok" and IPv6 pod-to-pod passed.
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
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import (
    SG_NODES,
    add_pairs,
    build,
    group,
    hetero_doc,
    rule,
    set_calico_mode,
)
from kostack_testkit.dualstack import (
    NODE_SUBNET_V6,
    POD_CIDR_V6,
    dualstack_example_doc,
    make_dual_stack,
    node_ip_v6,
)

Doc = dict[str, Any]
EPHEMERAL = (32768, 60999)
V6 = {"ethertype": "IPv6"}
IPV6_179 = rule(SG_NODES, "ingress", "tcp", 179, group=SG_NODES, ethertype="IPv6")
NETSHOOT, COREDNS = "pod:demo/netshoot", "pod:kube-system/coredns-674b8bbfcf-7xk2q"


def _blocked() -> Doc:
    return dualstack_example_doc("dualstack-ipv6-bgp-blocked")


def _bgp_hop(doc: Doc, family: int) -> Hop:
    topo = Topology(build(doc))
    src, dst = parse_endpoint(topo, NETSHOOT, family)[0], parse_endpoint(topo, COREDNS, family)[0]
    assert src.ip is not None and src.ip.version == family
    (result,) = trace(topo, src, dst, "tcp", 80)
    (hop,) = [h for h in result.hops if h.step == "bgp-route"]
    return hop


def _bgp_findings(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-sg-bgp"]


def test_the_ipv6_route_is_lost_when_179_is_admitted_over_ipv4_only() -> None:
    hop = _bgp_hop(_blocked(), 6)
    assert hop.disposition == Disposition.NO_ROUTE, hop.detail  # was ACCEPTED
    assert hop.cause == "bgp-blocked"
    en = localize(hop.detail, "en")
    # Calico's mesh: the greater address (k8s-w-1's) opens the IPv6 session
    assert (
        "node k8s-w-1 (fd00:0:0:1::12) opens TCP 179 over IPv6 to node k8s-cp-1 (fd00:0:0:1::11)"
        in en
    ), en
    assert "security groups drop that connection" in en
    assert "IPv6 TCP 179 연결을 엽니다" in localize(hop.detail, "ko")
    assert _bgp_hop(_blocked(), 4).disposition == Disposition.ACCEPTED  # IPv4 still works


def test_net_sg_bgp_names_the_ipv6_sessions_and_proposes_the_ethertype_ipv6_rule() -> None:
    d = diagnose(build(_blocked()))
    assert [rc.key for rc in d.root_causes] == ["bgp-blocked"]
    (rc,) = d.root_causes
    en = localize(rc.message, "en")
    assert en.startswith(
        "BGP over IPv4 works, IPv6 pod routes are lost: Calico learns the routes to IPv6 pods "
        "over BGP sessions between the nodes' IPv6 addresses, and the security groups admit "
        "TCP 179 over IPv4 only."
    ), en
    # Calico's mesh: only the sessions' openers (the greater addresses) need to connect
    assert "Calico BGP over IPv6 (tcp 179)" in en and "greater address open each session" in en
    assert "6 node pairs" in en and "fd00:0:0:1::14 -> fd00:0:0:1::11 tcp:179" in en
    ko = localize(rc.message, "ko")
    assert ko.startswith("IPv4 BGP는 정상이지만 IPv6 Pod 경로가 없습니다"), ko
    # the IPv6 pod-to-pod flows that depend on the sessions are reported, not healthy
    assert any(
        s.check_id == "net-pod-to-pod" and "TCP 179 over IPv6" in localize(s.message, "en")
        for s in rc.symptoms
    ), [localize(s.message, "en") for s in rc.symptoms]
    (remedy,) = rc.fix.remedies
    params = dict(remedy.params)
    nodes_group = group(_blocked(), "k8s-nodes")["id"]
    assert remedy.op == "add-sg-rule" and remedy.target_id == nodes_group
    assert params["ethertype"] == "IPv6" and params["protocol"] == "tcp"
    assert (params["port_range_min"], params["port_range_max"]) == ("179", "179")
    assert params["remote_group_id"] == nodes_group
    assert (
        "openstack security group rule create --ingress --ethertype IPv6 --protocol tcp "
        f"--dst-port 179 --remote-group {nodes_group} --description "
        f"'kostack: Calico BGP over IPv6' {nodes_group}" in rc.fix.commands
    ), rc.fix.commands
    # the IPv4 sessions are judged too, and pass
    assert [f.status for f in d.findings if f.check_id == "net-sg-bgp"] == [
        Status.PASS,
        Status.FAIL,
    ]


def test_fix_plan_plans_the_ipv6_rule_and_its_verification_is_clean() -> None:
    plan = build_plan(build(_blocked()))
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    assert [(r.ethertype, r.protocol, r.port_range_min, r.remote_group_id) for r in rules] == [
        ("IPv6", "tcp", 179, group(_blocked(), "k8s-nodes")["id"])
    ], rules
    assert plan.verification.after == ()


def test_with_the_ipv6_rule_both_families_pass() -> None:
    doc = _blocked()
    group(doc, "k8s-nodes")["rules"].append(IPV6_179)
    d = diagnose(build(doc))
    assert d.root_causes == (), [rc.key for rc in d.root_causes]
    bgp = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert [f.status for f in bgp] == [Status.PASS, Status.PASS]
    assert "Calico BGP over IPv6" in localize(bgp[1].message, "en")
    assert _bgp_hop(doc, 6).disposition == Disposition.ACCEPTED


def test_an_ipv6_vxlan_pool_needs_no_ipv6_session() -> None:
    doc = _blocked()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["vxlan_mode"] = "Always"
    doc["cluster"]["cni"]["calico"]["mtu"] = 1380  # 1450 - 70: the IPv6 VXLAN device's
    group(doc, "k8s-nodes")["rules"].append(
        rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES, ethertype="IPv6")
    )
    d = diagnose(build(doc))
    assert d.root_causes == (), [localize(rc.message, "en") for rc in d.root_causes]
    (bgp,) = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.PASS and "IPv6" not in localize(bgp.message, "en")


def test_a_node_without_an_ipv6_address_leaves_its_ipv6_routes_undecided() -> None:
    doc = _blocked()
    group(doc, "k8s-nodes")["rules"].append(IPV6_179)
    node = next(n for n in doc["cluster"]["nodes"] if n["name"] == "k8s-cp-1")
    node["addresses"] = [a for a in node["addresses"] if ":" not in a["address"]]
    hop = _bgp_hop(doc, 6)  # netshoot on k8s-w-1 -> coredns on k8s-cp-1
    assert hop.disposition == Disposition.UNKNOWN, hop.detail
    en = localize(hop.detail, "en")
    assert "node k8s-cp-1 has no IPv6 address in the snapshot" in en, en
    assert "노드 k8s-cp-1의 IPv6 주소가 없습니다" in localize(hop.detail, "ko")


def test_under_a_stateless_group_the_ipv6_sessions_need_their_ipv6_replies() -> None:
    """The IPv6 179 rule and the IPv4 reply rule present: only the IPv6 sessions' replies
    are dropped, and the fix is the reply rule of ethertype IPv6."""
    doc = _blocked()
    doc["openstack"]["backend"] = "ml2/ovn"
    for sg in doc["openstack"]["security_groups"]:
        sg["stateful"] = False
    group(doc, "k8s-nodes")["rules"] += [
        IPV6_179,
        rule(SG_NODES, "ingress", "tcp", EPHEMERAL, group=SG_NODES, name="replies"),
    ]
    hop = _bgp_hop(doc, 6)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "sg-stateless", hop.detail
    en = localize(hop.detail, "en")
    assert "opens TCP 179 over IPv6 to node" in en and "its replies are dropped" in en, en
    assert _bgp_hop(doc, 4).disposition == Disposition.ACCEPTED
    bgp = _bgp_findings(doc)
    assert [f.status for f in bgp] == [Status.PASS, Status.FAIL]
    assert localize(bgp[1].message, "en").startswith("The replies of Calico BGP sessions")
    sg = group(doc, "k8s-nodes")["id"]
    (remedy,) = bgp[1].remedies
    assert (dict(remedy.params)["ethertype"], dict(remedy.params)["remote_group_id"]) == (
        "IPv6",
        sg,
    )
    assert (dict(remedy.params)["port_range_min"], dict(remedy.params)["port_range_max"]) == (
        "32768",
        "60999",
    )


# --------------------------------------------------------------------------- aggregation


def _random_dual_stack_bgp(seed: int) -> Doc:
    """12 dual-stack nodes sharing 3 groups (so classes gather nodes and memberships tell them
    apart), the IPv6 pool BGP-routed (the IPv4 one
    randomly so); random TCP 179 rules of both ethertypes from single nodes, ranges and the
    subnets, some groups stateless with IPv6 reply rules, some nodes without an IPv6 address."""
    rng = random.Random(seed)
    doc = hetero_doc(12, pods_per_node=1)
    make_dual_stack(doc)
    set_calico_mode(doc, **rng.choice([{}, {"ipip": "Always"}, {"vxlan": "Always"}]))
    doc["cluster"]["cni"]["calico"]["bgp"] = rng.choice([True, True, None])
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["vxlan_mode"] = "Never"
    doc["openstack"]["backend"] = rng.choice(["ml2/ovn", "ml2/ovn", "ml2/ovs"])
    v6 = [f"{node_ip_v6(i)}/128" for i in range(12)]
    remotes = [*v6, "fd00:0:0:1::10/124", *[NODE_SUBNET_V6] * 4]
    add_pairs(doc, [POD_CIDR_V6])
    for grp in doc["openstack"]["security_groups"]:
        grp["stateful"] = rng.random() < 0.6
        sg = grp["id"]
        if rng.random() < 0.3:  # the common rule: TCP 179 for IPv4 only
            grp["rules"] = [r for r in grp["rules"] if r["port_range_min"] != 179]
        for _ in range(rng.randint(1, 4)):
            remote = rng.choice(remotes)
            grp["rules"].append(
                rule(sg, "ingress", "tcp", 179, remote, **V6, name=str(rng.random()))
            )
        for _ in range(rng.randint(0, 3)):
            ports = rng.choice([EPHEMERAL, EPHEMERAL, (32768, 45000), (1, 65535)])
            remote = rng.choice(remotes)
            grp["rules"].append(
                rule(sg, "ingress", "tcp", ports, remote, **V6, name=str(rng.random()))
            )
        if rng.random() < 0.5:
            grp["rules"].append(rule(sg, "ingress", None, None, POD_CIDR_V6, **V6, name="pods"))
        if rng.random() < 0.2:  # no egress rules: the server's egress drops the reply
            grp["rules"] = [r for r in grp["rules"] if r["direction"] == "ingress"]
    groups = doc["openstack"]["security_groups"] = doc["openstack"]["security_groups"][:3]
    for port in doc["openstack"]["ports"]:
        if port["security_group_ids"]:
            port["security_group_ids"] = [rng.choice(groups)["id"]]
    for node in doc["cluster"]["nodes"]:
        if rng.random() < 0.05:  # no IPv6 address collected: its IPv6 sessions undecided
            node["addresses"] = [a for a in node["addresses"] if ":" not in a["address"]]
    return doc


@pytest.mark.parametrize("seed", range(10))
def test_families_count_ipv6_bgp_sessions_as_tracing_every_pair_does(seed: int) -> None:
    flows = ClusterFlows(build(_random_dual_stack_bgp(seed)))
    assert 6 in flows.families_of(6).bgp_sets
    lost = 0  # pairs whose IPv6 route the IPv6 sessions take
    pods, nodes = flows.pods_of(6), flows.nodes_of(6)
    cases = [(pods, pods, ("tcp", 8080)), (pods, pods, ("icmp", None)), (pods, nodes, ("tcp", 80))]
    cases += [(flows.pods_of(4), flows.pods_of(4), ("tcp", 8080))]
    for sources, targets, flow in cases:
        families = flows.families_of(sources[0].ip.version)
        for steps in (None, frozenset({"bgp-route"})):
            result = families.evaluate(sources, targets, lambda s, t, f=flow: f, steps=steps)
            got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
            want = _brute(flows.topos, sources, flow, steps, targets)
            assert got == want, (seed, flow, steps)
            lost += sum(n for c in got for h, n in c.items() if h[0] == "bgp-route")
    assert lost > 0
