"""neutron-vip-pairs for MetalLB in BGP mode: the nodes that hold a session with a BGPPeer
reply from the pool's addresses, through whichever of their ports their routes choose.

Before BGPPeers were read a pool announced over BGP only was UNKNOWN ("announced only over
BGP") and a snapshot with ``peers`` did not parse: these tests fail there.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import Doc, build, fake_id, ports_of
from kostack_testkit.calico_address import second_nic, storage_ip
from kostack_testkit.dualstack import dual_stack_fixed, make_dual_stack
from kostack_testkit.metallb import BGP_POOL, FIXED, ROUTER, metallb_bgp_doc, metallb_example_doc

ID = "neutron-vip-pairs"
ZONE = "topology.kubernetes.io/zone"
NS = "metallb-system"


def vip_findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def only(doc: Doc, status: Status) -> Finding:
    found = vip_findings(doc)
    picked = [f for f in found if f.status == status]
    assert len(picked) == 1, [(str(f.status), str(f.message)) for f in found]
    assert status == Status.PASS or not [f for f in found if f.status == Status.PASS]
    return picked[0]


def port_of(doc: Doc, node: str) -> dict[str, Any]:
    return next(p for p in ports_of(doc) if p["name"] == f"{node}-port")


def peer(name: str, address: str, zone: str | None = None) -> dict[str, Any]:
    selectors = [{"match_labels": {ZONE: zone}}] if zone else []
    return {"name": name, "namespace": NS, "address": address, "my_asn": 64500} | {
        "peer_asn": 64501,
        "node_selectors": selectors,
    }


def zoned(doc: Doc) -> Doc:
    """k8s-cp-1 and k8s-w-1 in zone a, k8s-w-2 in b, k8s-w-3 in c."""
    for node, zone in zip(["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"], "aabc", strict=True):
        n = next(x for x in doc["cluster"]["nodes"] if x["name"] == node)
        n["labels"] = {**n.get("labels", {}), ZONE: zone}
    return doc


def test_the_example_fails_on_every_peering_node_with_one_pair_per_port() -> None:
    doc = metallb_example_doc("metallb-bgp-no-pairs")
    d = diagnose(build(doc))
    f = next(f for f in d.findings if f.check_id == ID)
    assert f.status == Status.FAIL and f.cause == "vip-antispoof"
    text = str(f.message)
    assert "MetalLB pool bgp (198.51.100.0/28; 1 in use by Services: 198.51.100.5)" in text
    assert "is routed over BGP to nodes k8s-cp-1, k8s-w-1, k8s-w-2, k8s-w-3 (4 ports)" in text
    assert "ARP" not in text
    assert sorted(r.target_id for r in f.remedies) == sorted(p["id"] for p in ports_of(doc))
    assert {r.param("ip_address") for r in f.remedies} == {BGP_POOL}
    assert [rc.key for rc in d.root_causes] == ["vip-antispoof"]
    ko = localize(f.message, "ko")
    assert "BGP로 노드 k8s-cp-1, k8s-w-1, k8s-w-2, k8s-w-3(포트 4개)에 라우팅되는데" in ko
    assert "198.51.100.5)가 BGP로" in ko  # the particle agrees with the word before ")"
    # the plan adds exactly these pairs, and the fixed example passes
    plan = build_plan(build(doc))
    adds = [a for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert {p.ip_address for a in adds for p in a.pairs} == {BGP_POOL} and len(adds) == 4
    FIXED["metallb-bgp-no-pairs"](doc)
    assert "1 virtual IP ranges" in str(only(doc, Status.PASS).message)


def test_only_nodes_that_an_advertisement_and_one_of_its_peers_select_announce() -> None:
    """Peer a holds sessions in zone a, peer b in zone b; the advertisement selects every
    node but k8s-cp-1 and goes to peer a only: k8s-w-1 alone announces. k8s-w-3 (zone c)
    holds no session at all."""
    not_cp = {"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}
    ads = [
        {"name": "to-a", "kind": "bgp", "namespace": NS, "peers": ["a"]}
        | {"node_selectors": [{"match_expressions": [not_cp]}]}
    ]
    doc = zoned(
        metallb_bgp_doc(ads=ads, peers=[peer("a", ROUTER, "a"), peer("b", "10.0.0.251", "b")])
    )
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-w-1",)
    assert [r.target_id for r in f.remedies] == [port_of(doc, "k8s-w-1")["id"]]
    # without ``peers`` it goes to both: zones a and b less the control plane
    del ads[0]["peers"]
    doc = zoned(
        metallb_bgp_doc(ads=ads, peers=[peer("a", ROUTER, "a"), peer("b", "10.0.0.251", "b")])
    )
    assert only(doc, Status.FAIL).nodes == ("k8s-w-1", "k8s-w-2")


def test_pairs_on_some_nodes_only_fail_for_the_others() -> None:
    doc = metallb_bgp_doc()
    for node in ("k8s-w-1", "k8s-w-3"):
        port_of(doc, node)["allowed_address_pairs"].append({"ip_address": BGP_POOL})
    port_of(doc, "k8s-w-2")["port_security_enabled"] = False
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-cp-1",) and len(f.remedies) == 1
    assert "(1 port), whose port keeps anti-spoofing on" in str(f.message)


def test_a_node_with_two_ports_fails_on_both_or_is_unknown_when_they_disagree() -> None:
    """The replies leave by the node's routes, through either port: both lacking the pair,
    both get one; one with it and one without, which carries the replies is not known."""
    doc = metallb_bgp_doc()
    second_nic(doc, "k8s-w-1", storage_ip(doc, "k8s-w-1"))
    f = only(doc, Status.FAIL)
    storage = next(p for p in ports_of(doc) if p["name"] == "k8s-w-1-storage")
    targets = {r.target_id for r in f.remedies}
    assert storage["id"] in targets and port_of(doc, "k8s-w-1")["id"] in targets
    assert len(f.remedies) == 5 and "(5 ports)" in str(f.message)
    assert any("second NIC k8s-w-1-storage" in e for e in f.evidence)
    # the node port has the pair, the storage port does not: undecided for k8s-w-1 only
    port_of(doc, "k8s-w-1")["allowed_address_pairs"].append({"ip_address": BGP_POOL})
    found = vip_findings(doc)
    (unknown,) = [x for x in found if x.status == Status.UNKNOWN]
    assert unknown.nodes == ("k8s-w-1",) and storage["id"] in str(unknown.message)
    assert "the node's routes to the client choose" in str(unknown.message)
    assert "클라이언트로 가는 노드의 라우트가 고르는 포트" in localize(unknown.message, "ko")
    (fail,) = [x for x in found if x.status == Status.FAIL]
    assert "k8s-w-1" not in fail.nodes and len(fail.remedies) == 3
    # both covered: k8s-w-1 passes; the others still fail
    storage["allowed_address_pairs"].append({"ip_address": BGP_POOL})
    assert only(doc, Status.FAIL).nodes == ("k8s-cp-1", "k8s-w-2", "k8s-w-3")


def test_a_dual_stack_pool_needs_each_familys_pair() -> None:
    v6 = "2001:db8:100::/124"
    pools = [{"name": "bgp", "namespace": NS, "cidrs": [BGP_POOL, v6], "addresses": [BGP_POOL, v6]}]
    doc = metallb_bgp_doc(pools=pools)
    make_dual_stack(doc)
    dual_stack_fixed(doc)
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": BGP_POOL})
    f = only(doc, Status.FAIL)
    assert {r.param("ip_address") for r in f.remedies} == {v6} and len(f.remedies) == 4
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": v6})
    assert only(doc, Status.PASS)


def test_peers_unread_none_defined_or_selecting_no_node() -> None:
    unread = metallb_bgp_doc(peers=None)
    f = only(unread, Status.UNKNOWN)
    assert "MetalLB pool bgp is announced over BGP, but MetalLB's BGPPeers were not read" in str(
        f.message
    )
    assert "MetalLB 풀 1개(bgp)를 BGP로 알리지만" in localize(f.message, "ko")
    none = only(metallb_bgp_doc(peers=[]), Status.UNKNOWN)
    assert "no BGPPeer holds a session on a node they select (no BGPPeer defined)" in str(
        none.message
    )
    assert "정의된 BGPPeer 없음" in localize(none.message, "ko")
    elsewhere = zoned(metallb_bgp_doc(peers=[peer("tor", ROUTER, "z")]))
    f = only(elsewhere, Status.UNKNOWN)
    assert "(BGPPeers: tor)" in str(f.message) and not f.remedies
    # the same pool announced in L2 too is judged there: no "nowhere" finding
    both = metallb_bgp_doc(
        peers=[],
        pools=[{"name": "web", "namespace": NS, "cidrs": ["10.0.0.200/29"], "addresses": []}],
        ads=[{"name": "bgp", "kind": "bgp"}, {"name": "l2", "kind": "l2"}],
    )
    assert "answered for by ARP/NDP" in str(only(both, Status.FAIL).message)
    assert not [x for x in vip_findings(both) if x.status == Status.UNKNOWN]


def test_a_pool_in_the_node_subnet_routed_over_bgp_warns_of_the_allocation_pool() -> None:
    pool = "10.0.0.192/28"
    pools = [{"name": "bgp", "namespace": NS, "cidrs": [pool], "addresses": [pool]}]
    doc = metallb_bgp_doc(pools=pools)
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    found = vip_findings(doc)
    assert sorted(f.cause for f in found) == ["vip-allocation-pool", "vip-antispoof"]
    assert not [f for f in found if f.status == Status.UNKNOWN]


def test_an_unfiltered_or_unmatched_port_is_unknown_not_pass() -> None:
    doc = metallb_bgp_doc()
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": BGP_POOL})
    doc["node_ports"] = [x for x in doc["node_ports"] if x["node"] != "k8s-w-3"]
    f = only(doc, Status.UNKNOWN)
    assert f.nodes == ("k8s-w-3",) and "no node_ports entry" in str(f.message)


def test_cost_is_one_pass_per_node_and_range() -> None:
    """A second port that repeats a fixed IP of another subnet does not duplicate pairs."""
    doc = metallb_bgp_doc()
    extra = {**port_of(doc, "k8s-w-2"), "id": fake_id("port", "k8s-w-2-twin"), "name": "twin"}
    extra["fixed_ips"] = [{**extra["fixed_ips"][0], "ip_address": "10.0.0.98"}]
    extra["mac_address"] = "fa:16:3e:00:02:97"
    ports_of(doc).append(extra)
    f = only(doc, Status.FAIL)
    pairs = [(r.target_id, r.param("ip_address")) for r in f.remedies]
    assert len(pairs) == len(set(pairs)) == 5
