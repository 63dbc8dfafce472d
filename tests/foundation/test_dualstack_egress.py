"""Dual stack, per family: pod egress (a Neutron router does not NAT IPv6, docs/facts.md
"IPv6 egress") and the allowed-pair scope check (a pair is compared with pod blocks of its
own family only)."""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Finding, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, add_pairs, build, seed_doc
from kostack_testkit.dualstack import (
    POD_CIDR_V6,
    dual_stack_doc,
    dual_stack_fixed,
    ipv6_egress_broken,
    node_block_v6,
    node_ip_v6,
)

Doc = dict[str, Any]
EGRESS = "net-pod-egress"
SCOPE = "neutron-allowed-pairs-scope"


def _doc(*edits: Any) -> Doc:
    doc = dual_stack_doc()
    for edit in edits:
        edit(doc)
    return doc


def _of(doc: Doc, check: str) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


def _v6_routes_back(doc: Doc, *, wrong: bool = False) -> None:
    """Router routes for each node's IPv6 pod /64 to its IPv6 address (``wrong``: to the next
    node's)."""
    nodes = doc["cluster"]["nodes"]
    routes = doc["openstack"]["routers"][0]["routes"]
    for i in range(len(nodes)):
        own = str(ipaddress.ip_network(node_block_v6(i)).supernet(new_prefix=64))
        via = node_ip_v6((i + 1) % len(nodes) if wrong else i)
        routes.append({"destination": own, "nexthop": via})


def test_ipv6_egress_without_masquerade_or_route_back_is_its_own_root_cause() -> None:
    d = diagnose(build(_doc(ipv6_egress_broken)))
    assert [rc.key for rc in d.root_causes] == ["ipv6-egress-no-nat"]
    (rc,) = d.root_causes
    (f,) = [f for f in (*rc.findings, *rc.symptoms) if f.check_id == EGRESS]
    assert f.status == Status.FAIL and len(f.nodes) == 4
    en = localize(f.message, "en")
    assert en.startswith("IPv6: Pod traffic from ") and "2606:4700:4700::1111" in en
    assert "does not NAT IPv6" in en and "natOutgoing true on the IPv6 IP pool" in en
    ko = localize(f.message, "ko")
    assert ko.startswith("IPv6: ") and "IPv6를 NAT하지 않고" in ko and "응답은 사라집니다" in ko
    # IPv4 leaves through the router's SNAT and its routes back: no IPv4 egress finding
    assert not any(
        localize(x.message, "en").startswith("IPv4") for x in _of(_doc(ipv6_egress_broken), EGRESS)
    )


def test_the_ipv6_egress_hop_is_routed_without_nat_and_lost_on_the_way_back() -> None:
    flows = ClusterFlows(build(_doc(ipv6_egress_broken)))
    v6 = flows.egress_of(6)
    assert v6.ok[0] == 0
    hops = [h for fact in v6.facts[0] for h in (fact.hop,)]
    assert hops and all(h[3] == str(Disposition.NO_ROUTE) for h in hops)
    assert flows.egress_of(4) is flows.egress and flows.egress.ok[0] == flows.egress.total == 4


def test_ipv6_pool_natoutgoing_fixes_ipv6_egress() -> None:
    (f,) = _of(_doc(dual_stack_fixed), EGRESS)
    assert f.status == Status.PASS
    assert "1.1.1.1, 2606:4700:4700::1111" in localize(f.message, "en")
    assert diagnose(build(_doc(dual_stack_fixed))).root_causes == ()


def test_a_route_back_to_unique_local_pod_addresses_is_undecided() -> None:
    (f,) = _of(_doc(ipv6_egress_broken, _v6_routes_back), EGRESS)
    assert f.status == Status.UNKNOWN
    en = localize(f.message, "en")
    assert en.startswith("IPv6: ") and "is not a global address" in en
    assert "전역 주소가 아니어서" in localize(f.message, "ko")


def test_a_route_back_to_the_wrong_node_is_a_wrong_route() -> None:
    d = diagnose(build(_doc(ipv6_egress_broken, lambda d: _v6_routes_back(d, wrong=True))))
    assert [rc.key for rc in d.root_causes] == ["router-wrong-route"]


def _cilium(doc: Doc, **masq: bool) -> Doc:
    doc["cluster"]["cni"] = {
        "type": "cilium",
        "cilium": {
            "routing_mode": "tunnel",
            "enable_ipv6": True,
            "ipam_mode": "kubernetes",
            **masq,
        },
    }
    return doc


def test_cilium_masquerades_ipv6_by_enable_ipv6_masquerade_not_the_ipv4_key() -> None:
    outside = ipaddress.ip_address("2606:4700:4700::1111")
    pod = ipaddress.ip_address("fd00:10:244:1::5")
    for v4, v6 in ((True, False), (False, True)):
        topo = Topology(build(_cilium(_doc(), masquerade=v4, masquerade_v6=v6)))
        found = masquerade(topo, pod, outside)
        assert found is not None and found[1] is v6
        assert [(e.field, e.value) for e in found[0].evidence] == [
            ("enable-ipv6-masquerade", str(v6).lower())
        ]
    # IPv6 masquerade off and no route back: the IPv6-only egress root cause, for Cilium too
    doc = _cilium(_doc(ipv6_egress_broken), masquerade_v6=False)
    egress = [f for f in _of(doc, EGRESS) if f.status == Status.FAIL]
    assert [f.cause for f in egress] == ["ipv6-egress-no-nat"]


def test_single_stack_egress_is_judged_as_before() -> None:
    flows = ClusterFlows(build(seed_doc()))
    assert flows.versions == (4,) and flows.egress_of(4) is flows.egress


# ------------------------------------------------------------------ allowed-pair scope


def test_an_ipv6_only_pair_is_not_judged_against_the_ipv4_blocks() -> None:
    doc = _doc(lambda d: add_pairs(d, [POD_CIDR_V6]))
    (f,) = _of(doc, SCOPE)
    assert f.status == Status.PASS, localize(f.message, "en")


def test_an_ipv6_pair_too_narrow_is_flagged_for_ipv6_only() -> None:
    narrow = str(ipaddress.ip_network(node_block_v6(0)).supernet(new_prefix=64))
    doc = _doc(lambda d: add_pairs(d, [POD_CIDR, SERVICE_CIDR, narrow]))
    (f,) = _of(doc, SCOPE)
    assert f.status == Status.FAIL and f.cause == "antispoof"
    assert len(f.nodes) == 3 and "k8s-cp-1" not in f.nodes  # node 0's /64 is covered
    en = localize(f.message, "en")
    blocks = en.rsplit("], blocks ", 1)[1]  # the broken family's blocks only
    assert blocks.startswith("fd00:10:244:1::/122)") and "10.244.1.0" not in blocks
    assert {dict(r.params)["ip_address"] for r in f.remedies} == {POD_CIDR_V6}


def test_an_ipv4_pair_too_narrow_is_still_flagged_next_to_a_good_ipv6_pair() -> None:
    doc = _doc(lambda d: add_pairs(d, ["10.244.0.0/24", POD_CIDR_V6]))
    (f,) = _of(doc, SCOPE)
    assert f.status == Status.FAIL and "k8s-cp-1" not in f.nodes
    assert {dict(r.params)["ip_address"] for r in f.remedies} == {POD_CIDR}


def test_route_back_remedies_use_a_next_hop_of_the_destinations_family() -> None:
    """A router route's next hop is of its destination's family: the IPv6 pod blocks go back
    via the nodes' IPv6 addresses, never via their IPv4 ones (the real Neutron takes a mixed
    route without complaint, and the diagnosis then calls it router-wrong-route)."""
    from kostack.plan.build import build_plan
    from kostack.plan.model import Operation
    from kostack_testkit.dualstack import dual_stack_doc, ipv6_egress_broken

    doc = dual_stack_doc()
    ipv6_egress_broken(doc)  # pairs for both families, no natOutgoing on either pool
    doc["openstack"]["routers"][0]["routes"] = []  # and no route back for any pod block
    plan = build_plan(build(doc))
    routes = [
        r for a in plan.automatic if a.operation == Operation.ADD_ROUTER_ROUTES for r in a.routes
    ]
    assert routes, plan.automatic
    for route in routes:
        dest = ipaddress.ip_network(route.destination)
        assert ipaddress.ip_address(route.nexthop).version == dest.version, route
