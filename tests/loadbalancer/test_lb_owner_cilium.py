"""Cilium's LB IPAM owns Services of type LoadBalancer (analyze/loadbalancer/owner.py
``cilium_takes``): an enabled CiliumLoadBalancerIPPool that selects the Service (its labels and
io.kubernetes.service.namespace/name, cilium operator/pkg/lbipam), or one holding its address,
makes it Cilium's; no pool, the existing 'no controller' finding; pools not read on a Cilium
cluster, UNKNOWN. Before, a pending Service on a Cilium LB IPAM cluster was said to have no
controller."""

from __future__ import annotations

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
