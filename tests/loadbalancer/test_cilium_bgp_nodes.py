"""From which nodes Cilium's BGP control plane announces an LB IPAM pool
(analyze/checks/_cilium_bgp.py): a CiliumBGPAdvertisement goes out from the nodes of each
CiliumBGPClusterConfig with a peer whose CiliumBGPPeerConfig family (of the pool's afi) selects
it by its labels; a CiliumBGPPeeringPolicy's router from the nodes the policy selects (a node
two policies select: none; a node a peering policy selects runs no cluster config). The pool
is then judged as MetalLB's BGP pools are: the announcing nodes' ports need an allowed address
pair. Before, every BGP-announced Cilium pool was UNKNOWN ("kostack does not place those
nodes")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import CILIUM_POOL, cilium_lb_ipam_doc

ADDRESS = "10.0.0.226"
WORKERS = {"match_labels": {"node-role.kubernetes.io/worker": ""}}
ADVERTISE = {"match_labels": {"advertise": "bgp"}}


def _doc(bgp: dict[str, Any] | None, announcers: list[dict[str, Any]] | None = None) -> Doc:
    doc = cilium_lb_ipam_doc()
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc["load_balancer_ingress"] = [{"ip": ADDRESS}]
    for node in doc["cluster"]["nodes"]:
        if not node["name"].startswith("k8s-cp"):
            node.setdefault("labels", {})["node-role.kubernetes.io/worker"] = ""
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_lb"] = {"bgp_control_plane": True}
    vips["cilium_announcers"] = (
        [{"kind": "bgp", "name": "lb", "labels": {"advertise": "bgp"}}]
        if announcers is None
        else announcers
    )
    vips["cilium_bgp"] = bgp
    return doc


def _v2(afi: str = "ipv4", *, ref: bool = True, selector: Any = ADVERTISE) -> dict[str, Any]:
    return {
        "cluster_configs": [
            {"name": "workers", "node_selector": WORKERS, "peer_configs": ["tor"] if ref else []}
        ],
        "peer_configs": [
            {"name": "tor", "families": [{"afi": afi, "advertisements": selector}]},
        ],
    }


def of(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "neutron-vip-pairs"]


def test_a_cluster_config_places_the_advertisement_on_its_nodes_ports() -> None:
    (fail,) = [f for f in of(_doc(_v2())) if f.status == Status.FAIL]
    assert fail.cause == "vip-antispoof"
    en, ko = localize(fail.message, "en"), localize(fail.message, "ko")
    assert "Cilium LB IPAM pool public" in en and "routed over BGP" in en
    assert "Cilium LB IPAM 풀 public" in ko and "BGP로" in ko
    assert "k8s-cp-1" not in en and "k8s-w-1" in en
    commands = [r for r in fail.remedies if r.op == "add-allowed-pair"]
    assert commands and all(CILIUM_POOL in str(r.params) for r in commands)
    assert "cp" not in " ".join(str(r.params) for r in commands)
    assert not [f for f in of(_doc(_v2())) if f.status == Status.UNKNOWN]
    doc = _doc(_v2())
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = [
            *port.get("allowed_address_pairs", []),
            {"ip_address": CILIUM_POOL},
        ]
    statuses = {f.status for f in of(doc)}
    assert Status.PASS in statuses and Status.FAIL not in statuses
    assert Status.UNKNOWN not in statuses


@pytest.mark.parametrize(
    "bgp",
    [
        _v2("ipv6"),  # the family of another afi than the pool's
        _v2(ref=False),  # the peer names no CiliumBGPPeerConfig: nothing advertised
        _v2(selector=None),  # nil advertisements: none for the family
        _v2(selector={"match_labels": {"advertise": "other"}}),
        {"cluster_configs": [], "peer_configs": []},  # BGPv2 not configured at all
    ],
)
def test_an_advertisement_no_node_sends_is_unknown_never_a_fail_or_pass(
    bgp: dict[str, Any],
) -> None:
    found = of(_doc(bgp))
    (unknown,) = [f for f in found if f.status == Status.UNKNOWN]
    en, ko = localize(unknown.message, "en"), localize(unknown.message, "ko")
    assert "no node advertises them to a peer" in en and CILIUM_POOL in en
    assert "피어에 알리는 노드가 없습니다" in ko and CILIUM_POOL in ko
    assert not [f for f in found if f.status in (Status.FAIL, Status.PASS)]


def test_placement_not_read_or_not_parsed_is_unknown_naming_why() -> None:
    (unknown,) = [f for f in of(_doc(None)) if f.status == Status.UNKNOWN]
    assert "were not read" in localize(unknown.message, "en")
    unparsed = {**_v2(), "unread": ["CiliumBGPClusterConfig workers"]}
    (unknown,) = [f for f in of(_doc(unparsed)) if f.status == Status.UNKNOWN]
    en, ko = localize(unknown.message, "en"), localize(unknown.message, "ko")
    assert "CiliumBGPClusterConfig workers does not parse" in en
    assert "CiliumBGPClusterConfig workers" in ko and "해석할 수 없음" in ko


def _peering(*policies: tuple[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    return [
        {"kind": "bgp", "name": name, "node_selector": sel, "peering": True}
        for name, sel in policies
    ]


def test_peering_policies_a_node_two_select_applies_none_and_they_win_over_cluster_configs() -> (
    None
):
    w1 = {"match_labels": {"kubernetes.io/hostname": "k8s-w-1"}}
    doc = _doc(
        {
            **_v2(),
            "peering_policies": [
                {"name": "all", "node_selector": None},
                {"name": "w1", "node_selector": w1},
            ],
        },
        _peering(("all", None)),
    )
    for node in doc["cluster"]["nodes"]:
        node.setdefault("labels", {})["kubernetes.io/hostname"] = node["name"]
    (fail,) = [f for f in of(doc) if f.status == Status.FAIL]
    en = localize(fail.message, "en")
    # k8s-w-1: selected by both policies, applies none; every other node runs "all"
    assert "k8s-w-1" not in en and "k8s-cp-1" in en and "k8s-w-2" in en
    # a node a peering policy selects runs it, not the cluster config: w-1 leaves the
    # advertisement's nodes
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_announcers"] = [{"kind": "bgp", "name": "lb", "labels": {"advertise": "bgp"}}]
    vips["cilium_bgp"]["peering_policies"] = [{"name": "w1", "node_selector": w1}]
    (fail,) = [f for f in of(doc) if f.status == Status.FAIL]
    en = localize(fail.message, "en")
    assert "k8s-w-1" not in en and "k8s-w-2" in en and "k8s-cp-1" not in en


def test_an_l2_policys_interface_regexes_reach_the_judge() -> None:
    """CiliumL2AnnouncementPolicy spec.interfaces (regular expressions) are carried like
    MetalLB's interfaces: named where several ports could answer."""
    from kostack.analyze.checks._vips_cilium import cilium_announced

    doc = _doc(None, [{"kind": "l2", "name": "l2", "interfaces": ["^eth[0-9]+"]}])
    doc["cluster"]["virtual_ips"]["cilium_lb"] = {"l2_announcements": True}
    (pool,) = cilium_announced(build(doc)).announced
    assert pool.interfaces == ("^eth[0-9]+",) and pool.l2_nodes and not pool.bgp
