"""A selector Cilium refuses is not "every" (docs/facts.md "Cilium selectors that do not
parse"): an L2 announcement policy whose selector or interface regex does not parse announces
nothing (Cilium sets io.cilium/bad-*-selector on it), a BGP advertisement with no selector
advertises no Service, one whose selector does not parse leaves what its BGP instances'
nodes advertise not known (UNKNOWN naming it); and an advertisement announces only through a
CiliumBGPPeerConfig family that selects it on some node (lb-pending-service). Before, a
selector that did not parse, and a nil advertisement selector, read as every Service: a
Service nothing announced passed."""

from __future__ import annotations

from typing import Any

import pytest

import kostack.analyze.checks._vips_cilium as vips_cilium
from kostack.analyze.diagnose import diagnose, run_checks
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.collect._cilium_announce import bgp_advertisements, bgp_peering, l2_policy
from kostack.collect._cilium_bgp import peer_config
from kostack.collect._label_selector import selector_error
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import cilium_lb_ipam_doc

ADDRESS = "10.0.0.226"
WORKERS = {"match_labels": {"node-role.kubernetes.io/worker": ""}}
HOSTILE = [
    {"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]},
    {"matchExpressions": [{"key": "app", "operator": "In"}]},
    {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["web"]}]},
    {"matchExpressions": [{"key": "bad key!", "operator": "Exists"}]},
    {"matchExpressions": "app=web"},
    {"matchExpressions": ["app=web"]},
    {"matchLabels": {"app": "has spaces"}},
    {"matchLabels": "app=web"},
    "app=web",
]


def _doc(announcers: list[dict[str, Any]], bgp: dict[str, Any] | None = None) -> Doc:
    doc = cilium_lb_ipam_doc()
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc["load_balancer_ingress"] = [{"ip": ADDRESS}]
    for node in doc["cluster"]["nodes"]:
        if not node["name"].startswith("k8s-cp"):
            node.setdefault("labels", {})["node-role.kubernetes.io/worker"] = ""
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_lb"] = {"l2_announcements": True, "bgp_control_plane": bgp is not None}
    vips["cilium_announcers"] = announcers
    vips["cilium_bgp"] = bgp
    return doc


def _of(doc: Doc, check: str) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


def _bgp(selector: dict[str, Any] | None = None) -> dict[str, Any]:
    """Workers peer through "tor", whose ipv4 family advertises what ``selector`` selects."""
    return {
        "cluster_configs": [{"name": "workers", "node_selector": WORKERS, "peer_configs": ["tor"]}],
        "peer_configs": [
            {"name": "tor", "families": [{"afi": "ipv4", "advertisements": selector}]}
        ],
    }


@pytest.mark.parametrize("selector", HOSTILE)
def test_kubernetes_refuses_what_cilium_refuses(selector: object) -> None:
    assert selector_error(selector) is not None
    for fine in ({}, {"matchLabels": {"example.com/app": "web", "tier": ""}}):
        assert selector_error(fine) is None
    ok = {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["never-used"]}]}
    assert selector_error(ok) is None


@pytest.mark.parametrize("field", ["serviceSelector", "nodeSelector"])
@pytest.mark.parametrize("selector", HOSTILE[:5])
def test_an_l2_policy_cilium_refuses_announces_nothing(field: str, selector: object) -> None:
    obj = {"metadata": {"name": "l2"}, "spec": {"loadBalancerIPs": True, field: selector}}
    policy = l2_policy(obj)
    assert policy is not None and policy.refused and policy.refused[0].startswith(f"spec.{field}")
    doc = _doc([policy.model_dump(mode="json")])
    (fail,) = [f for f in _of(doc, "lb-pending-service") if f.status == Status.FAIL]
    assert fail.cause == "cilium-lb-unannounced"
    assert any(e.startswith(f"CiliumL2AnnouncementPolicy l2 spec.{field}") for e in fail.evidence)
    assert not [f for f in _of(doc, "neutron-vip-pairs") if f.status == Status.PASS]


def test_an_l2_policy_with_an_interface_regex_go_refuses_announces_nothing() -> None:
    spec = {"loadBalancerIPs": True, "interfaces": ["^eth[0-9]+", "(?!lo)"]}
    policy = l2_policy({"metadata": {"name": "l2"}, "spec": spec})
    assert policy is not None and policy.refused[0].startswith("spec.interfaces[1]")
    doc = _doc([policy.model_dump(mode="json")])
    assert [f.cause for f in _of(doc, "lb-pending-service") if f.status == Status.FAIL] == [
        "cilium-lb-unannounced"
    ]
    fine = l2_policy({"metadata": {"name": "l2"}, "spec": {**spec, "interfaces": ["^eth"]}})
    assert fine is not None and fine.refused == ()


def _advert(selector: object) -> dict[str, Any]:
    ad: dict[str, Any] = {
        "advertisementType": "Service",
        "service": {"addresses": ["LoadBalancerIP"]},
    }
    if selector is not None:
        ad["selector"] = selector
    return {
        "metadata": {"name": "lb", "labels": {"advertise": "bgp"}},
        "spec": {"advertisements": [ad]},
    }


def test_a_bgp_advertisement_without_a_selector_advertises_no_service() -> None:
    assert bgp_advertisements(_advert(None)) == []
    doc = _doc([], _bgp({"match_labels": {"advertise": "bgp"}}))
    (fail,) = [f for f in _of(doc, "lb-pending-service") if f.status == Status.FAIL]
    assert fail.cause == "cilium-lb-unannounced"


def test_a_bgp_advertisement_cilium_refuses_is_unknown_naming_it() -> None:
    (ad,) = bgp_advertisements(_advert(HOSTILE[1]))
    assert ad.refused and ad.service_selector is None
    doc = _doc([ad.model_dump(mode="json")], _bgp({"match_labels": {"advertise": "bgp"}}))
    found = _of(doc, "lb-pending-service")
    assert not [f for f in found if f.status in (Status.FAIL, Status.PASS)]
    (unknown,) = [f for f in found if f.status == Status.UNKNOWN]
    en, ko = localize(unknown.message, "en"), localize(unknown.message, "ko")
    named = "CiliumBGPAdvertisement lb spec.advertisements[0].selector"
    assert named in en and named in ko and "shop/web" in en and en != ko
    assert "whether the address is reachable from outside the cluster is not known" in en
    vip = [f for f in _of(doc, "neutron-vip-pairs") if f.status != Status.PASS]
    assert vip and {f.status for f in vip} == {Status.UNKNOWN}
    assert named in localize(vip[0].message, "en")
    # no family selects it: Cilium never converts it, nothing fails, nothing announces
    doc = _doc([ad.model_dump(mode="json")], _bgp({"match_labels": {"advertise": "other"}}))
    assert [f.cause for f in _of(doc, "lb-pending-service") if f.status == Status.FAIL] == [
        "cilium-lb-unannounced"
    ]


def test_an_advertisement_no_peer_config_selects_announces_nothing() -> None:
    """BGPv2: an advertisement is used only through a CiliumBGPPeerConfig family's
    ``advertisements`` selector on a node of a CiliumBGPClusterConfig."""
    every = {"matchExpressions": [{"key": "x", "operator": "NotIn", "values": ["y"]}]}
    (ad,) = bgp_advertisements(_advert(every))
    announcer = ad.model_dump(mode="json")
    for bgp in (
        _bgp(None),  # nil: the family advertises nothing
        _bgp({"match_labels": {"advertise": "other"}}),
        {"cluster_configs": [], "peer_configs": []},
        {**_bgp({"match_labels": {"advertise": "bgp"}}), "cluster_configs": []},
    ):
        (fail,) = [
            f for f in _of(_doc([announcer], bgp), "lb-pending-service") if f.status == Status.FAIL
        ]
        assert fail.cause == "cilium-lb-unannounced"
    found = _of(
        _doc([announcer], _bgp({"match_labels": {"advertise": "bgp"}})), "lb-pending-service"
    )
    assert not [f for f in found if f.status in (Status.FAIL, Status.UNKNOWN)]
    # the placement not read: UNKNOWN, never "announced"
    doc = _doc([announcer], _bgp())
    doc["cluster"]["virtual_ips"]["cilium_bgp"] = None
    doc["cluster"]["virtual_ips"]["cilium_lb"]["bgp_control_plane"] = True
    found = _of(doc, "lb-pending-service")
    assert [f.status for f in found if f.status in (Status.FAIL, Status.UNKNOWN)] == [
        Status.UNKNOWN
    ]


def test_a_refused_peer_config_family_selector_names_its_field() -> None:
    unread: list[str] = []
    obj = {
        "metadata": {"name": "tor"},
        "spec": {"families": [{"afi": "ipv4", "advertisements": HOSTILE[2]}]},
    }
    config = peer_config(obj, unread)
    assert config.families[0].advertisements is None
    assert unread and unread[0].startswith(
        "CiliumBGPPeerConfig tor spec.families[0].advertisements ("
    )


def test_the_announcements_are_computed_once_per_world(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = vips_cilium.cilium_announced

    def counted(snapshot: Any) -> Any:
        calls.append(snapshot)
        return real(snapshot)

    monkeypatch.setattr(vips_cilium, "cilium_announced", counted)
    doc = _doc([{"kind": "l2", "name": "l2"}])
    findings, flows = run_checks(build(doc))
    assert len(calls) == len(flows.topos) >= 1
    assert {f.check_id for f in findings} >= {"neutron-vip-pairs", "lb-pending-service"}


def test_a_service_nothing_selects_fails_even_when_the_placement_does_not_parse() -> None:
    """A cluster config's selector not parsing leaves the nodes not known, not the Services:
    one no advertisement selects is still unannounced; one an advertisement selects is
    UNKNOWN naming the object."""
    other = {"matchLabels": {"app": "other"}}
    (ad,) = bgp_advertisements(_advert(other))
    bgp = {**_bgp({"match_labels": {"advertise": "bgp"}}), "unread": ["CiliumBGPClusterConfig x"]}
    found = _of(_doc([ad.model_dump(mode="json")], bgp), "lb-pending-service")
    assert [f.cause for f in found if f.status in (Status.FAIL, Status.UNKNOWN)] == [
        "cilium-lb-unannounced"
    ]
    (ad,) = bgp_advertisements(_advert({"matchLabels": {}}))
    found = _of(_doc([ad.model_dump(mode="json")], bgp), "lb-pending-service")
    (unknown,) = [f for f in found if f.status in (Status.FAIL, Status.UNKNOWN)]
    assert unknown.status == Status.UNKNOWN
    assert "CiliumBGPClusterConfig x" in localize(unknown.message, "en")


def test_a_peering_policy_router_cilium_refuses_is_unknown_naming_it() -> None:
    for spec in (
        {"virtualRouters": [{"serviceSelector": HOSTILE[0]}]},
        {"nodeSelector": HOSTILE[3], "virtualRouters": [{"serviceSelector": {}}]},
    ):
        (router,) = bgp_peering({"metadata": {"name": "rack"}, "spec": spec})
        assert router.refused and router.peering
        bgp = {**_bgp(None), "peering_policies": [{"name": "rack"}]}
        found = _of(_doc([router.model_dump(mode="json")], bgp), "lb-pending-service")
        (unknown,) = [f for f in found if f.status in (Status.FAIL, Status.UNKNOWN)]
        assert unknown.status == Status.UNKNOWN
        assert "CiliumBGPPeeringPolicy rack spec." in localize(unknown.message, "en")
