"""Cilium's LB IPAM owns Services of type LoadBalancer (analyze/loadbalancer/owner.py
``cilium_takes``): an enabled CiliumLoadBalancerIPPool that selects the Service (its labels and
io.kubernetes.service.namespace/name, cilium operator/pkg/lbipam), or one holding its address,
makes it Cilium's; no pool, the existing 'no controller' finding; pools not read on a Cilium
cluster, UNKNOWN. Before, a pending Service on a Cilium LB IPAM cluster was said to have no
controller."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest
from test_lb_owner import owner, pending

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import build
from kostack_testkit.metallb import CILIUM_POOL, cilium_lb_ipam_doc

RUNS = {"found": True, "namespace": "kube-system", "pod": "occm-x", "service_controller": True}


def web(doc: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in doc["cluster"]["services"] if s["name"] == "web")


def test_a_pool_that_selects_the_service_owns_it_and_none_is_no_controller() -> None:
    doc = cilium_lb_ipam_doc()
    assert owner(doc) == "other"
    assert not [f for f in pending(doc) if f.status != Status.PASS and f.resource.name == "web"]
    assert [rc.key for rc in diagnose(build(doc)).root_causes] == []
    # no pool at all: nobody gives it an address, as before
    doc = cilium_lb_ipam_doc([])
    assert [rc.key for rc in diagnose(build(doc)).root_causes] == ["lb-no-controller"]


@pytest.mark.parametrize(
    ("pool", "labels", "owned"),
    [
        ({"service_selector": {"match_labels": {"color": "blue"}}}, {"color": "blue"}, "other"),
        ({"service_selector": {"match_labels": {"color": "blue"}}}, {"color": "red"}, "occm"),
        (
            {"service_selector": {"match_labels": {"io.kubernetes.service.namespace": "shop"}}},
            {},
            "other",
        ),
        ({"disabled": True}, {}, "occm"),
    ],
)
def test_the_pools_selector_and_disabled_decide(
    pool: dict[str, Any], labels: dict[str, str], owned: str
) -> None:
    doc = cilium_lb_ipam_doc([{"name": "p", "cidrs": [CILIUM_POOL], **pool}])
    web(doc)["labels"] = labels
    assert owner(doc) == owned


def test_pools_not_read_are_unknown_and_an_address_in_a_pool_is_ciliums() -> None:
    doc = cilium_lb_ipam_doc(read=False)
    assert owner(doc) == "unknown"
    (found,) = [f for f in pending(doc) if f.resource.name == "web"]
    assert found.status == Status.UNKNOWN
    en, ko = localize(found.message, "en"), localize(found.message, "ko")
    assert "CiliumLoadBalancerIPPool" in en and "CiliumLoadBalancerIPPool" in ko and en != ko
    # its address is in a pool: Cilium's even beside a running OCCM (not judged as Octavia's)
    doc = cilium_lb_ipam_doc([{"name": "p", "cidrs": [CILIUM_POOL], "disabled": True}])
    doc["cluster"]["virtual_ips"]["occm"] = RUNS
    web(doc)["load_balancer_ingress"] = [{"ip": "10.0.0.226"}]
    assert owner(doc) == "other"
    # not a Cilium cluster: the pools say nothing
    doc = cilium_lb_ipam_doc()
    doc["cluster"]["cni"] = {"type": "calico"}
    assert owner(doc) != "other"


# ------------------------------------------------ a pool that does not parse (collect: a gap)

BROKEN = {
    "name": "broken",
    "cidrs": ["10.0.0.240/30"],
    "service_selector": {"match_labels": {"color": "blue"}},
    "unread": "spec.blocks[1]",
}
RED = {
    "name": "red",
    "cidrs": [CILIUM_POOL],
    "service_selector": {"match_labels": {"color": "red"}},
}


@pytest.mark.parametrize(
    ("color", "owned"), [("red", "other"), ("blue", "unknown"), ("green", "occm")]
)
def test_a_pool_that_did_not_parse_leaves_undecided_only_the_services_it_could_serve(
    color: str, owned: str
) -> None:
    """One pool that did not parse made every pool 'not read' (all Services UNKNOWN): now a
    Service another pool serves is Cilium's, one only the broken pool selects is UNKNOWN naming
    it and its field (en, ko), and one no pool selects has no controller."""
    doc = cilium_lb_ipam_doc([RED, BROKEN])
    web(doc)["labels"] = {"color": color}
    assert owner(doc) == owned
    if owned != "unknown":
        return
    (found,) = [f for f in pending(doc) if f.resource.name == "web"]
    assert found.status == Status.UNKNOWN
    en, ko = localize(found.message, "en"), localize(found.message, "ko")
    for text in (en, ko):
        assert "broken" in text and "spec.blocks[1]" in text and "shop/web" in text
    assert en != ko
    assert "CiliumLoadBalancerIPPool broken: spec.blocks[1] did not parse" in found.evidence


def test_a_selector_that_did_not_parse_may_select_any_service_and_disabled_serves_none() -> None:
    unparsed = {"name": "broken", "cidrs": [CILIUM_POOL], "unread": "spec.serviceSelector"}
    doc = cilium_lb_ipam_doc([unparsed])
    web(doc)["labels"] = {"color": "green"}
    assert owner(doc) == "unknown"
    doc = cilium_lb_ipam_doc([dict(unparsed, disabled=True)])
    assert owner(doc) == "occm"  # no pool serves it: OCCM's, as without Cilium


def test_many_selecting_pools_are_met_through_the_index_not_all_pairs() -> None:
    """A pool keyed by a label pair its selector requires is looked at only by the Services that
    carry that pair (lbipam.py ``_Selecting``): an In expression keys each of its values."""
    from kostack.analyze.loadbalancer.lbipam import CiliumIndex
    from kostack.model.snapshot import CiliumLBPool, LabelSelector

    pools = (
        *tuple(
            CiliumLBPool(
                name=f"p{i}",
                cidrs=(ip_network(f"10.{i // 250}.{i % 250}.0/24"),),
                service_selector=LabelSelector(match_labels={"team": f"t{i}"}),
            )
            for i in range(500)
        ),
        CiliumLBPool(
            name="in",
            cidrs=(ip_network("10.99.0.0/24"),),
            service_selector=LabelSelector.model_validate(
                {"match_expressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}
            ),
        ),
    )
    index = CiliumIndex(pools, None)
    assert len(index._good.keyed) == 502 and not index._good.scan and not index._good.every
    snapshot = build(cilium_lb_ipam_doc())
    svc = next(s for s in snapshot.cluster.services or () if s.name == "web")  # type: ignore[union-attr]
    assert index.takes(svc.model_copy(update={"labels": {"team": "t499"}})).how == "pool"
    assert index.takes(svc.model_copy(update={"labels": {"tier": "b"}})).how == "pool"
    assert index.takes(svc.model_copy(update={"labels": {"team": "t500"}})).how is False


# ------------------------------------------------ default-lb-service-ipam (cilium-config)


@pytest.mark.parametrize(
    ("config", "pools", "owned"),
    [
        ({"default_ipam": "lbipam"}, None, "other"),
        ({"default_ipam": "lbipam", "lb_ipam": False}, None, "occm"),
        ({"default_ipam": "nodeipam", "node_ipam": True}, [], "other"),
        ({"default_ipam": "nodeipam", "node_ipam": False}, None, "occm"),
        ({"default_ipam": "none"}, None, "occm"),
        ({"default_ipam": None}, None, "unknown"),
        ({"default_ipam": "none"}, "unread", "occm"),
    ],
)
def test_default_lb_service_ipam_decides_who_takes_a_service_without_a_class(
    config: dict[str, Any], pools: Any, owned: str
) -> None:
    """Cilium gives Services without a class to LB IPAM (lbipam, the default), to node IPAM
    (nodeipam, with enable-node-ipam) or to nobody (none): a pool that selects every Service
    does not make a Service Cilium's under none or nodeipam (it is then OCCM's, as without
    Cilium, and no OCCM runs here: no controller, cilium-config's key in the evidence), node
    IPAM takes it with no pool, and pools not read do not matter under none."""
    doc = cilium_lb_ipam_doc(pools if isinstance(pools, list) else None, read=pools != "unread")
    doc["cluster"]["virtual_ips"]["cilium_lb"] = config
    assert owner(doc) == owned
    (found,) = [f for f in pending(doc) if f.resource.name == "web"] or [None]
    if owned == "other":
        assert found is None or found.status == Status.PASS
        return
    assert found is not None
    if owned == "occm":  # not Cilium's, and no OCCM runs: nobody gives it an address
        assert found.status == Status.FAIL and found.cause == "lb-no-controller"
        assert any(e.startswith("cilium-config default-lb-service-ipam: ") for e in found.evidence)
    else:
        assert found.status == Status.UNKNOWN
        en, ko = localize(found.message, "en"), localize(found.message, "ko")
        assert "default-lb-service-ipam" in en and "default-lb-service-ipam" in ko and en != ko
