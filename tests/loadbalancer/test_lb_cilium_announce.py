"""What announces Cilium LB IPAM's addresses (analyze/checks/_vips_cilium.py): an L2-announced
pool is judged by neutron-vip-pairs exactly as MetalLB's L2 pools are (the same judge: the
announcing nodes' ports need an allowed address pair covering the pool, and the plan adds it);
an address nothing announces fails lb-pending-service (cilium-lb-unannounced: allocated but
unreachable from outside the cluster); BGP-announced, or the announcers not read: UNKNOWN.
Before, none of this was looked at: a Cilium LB IPAM address was never judged."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import CILIUM_POOL, cilium_lb_ipam_doc

ADDRESS = "10.0.0.226"  # in CILIUM_POOL, inside the nodes' subnet


def announced(announcers: list[dict[str, Any]] | None, config: dict[str, Any], **web: Any) -> Doc:
    doc = cilium_lb_ipam_doc()
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc.update({"load_balancer_ingress": [{"ip": ADDRESS}], **web})
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_lb"] = config
    vips["cilium_announcers"] = announcers
    return doc


def of(doc: Doc, check: str) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


def test_an_l2_announced_pool_needs_the_pair_on_the_announcing_nodes_ports() -> None:
    """The L2 policy's nodeSelector picks the nodes that answer: only their ports need the
    pair, one `openstack port set --allowed-address` each (the MetalLB L2 judge, reused)."""
    workers = {"match_labels": {"node-role.kubernetes.io/worker": ""}}
    doc = announced(
        [{"kind": "l2", "name": "l2", "node_selector": workers}], {"l2_announcements": True}
    )
    for node in doc["cluster"]["nodes"]:
        if not node["name"].startswith("k8s-cp"):
            node.setdefault("labels", {})["node-role.kubernetes.io/worker"] = ""
    (fail,) = [f for f in of(doc, "neutron-vip-pairs") if f.status == Status.FAIL]
    assert fail.cause == "vip-antispoof"
    en, ko = localize(fail.message, "en"), localize(fail.message, "ko")
    assert "Cilium LB IPAM pool public" in en and "Cilium LB IPAM 풀 public" in ko
    assert "k8s-cp-1" not in en and "k8s-w-1" in en
    commands = [r for r in fail.remedies if r.op == "add-allowed-pair"]
    assert len(commands) == 3 and all(CILIUM_POOL in str(r.params) for r in commands)
    assert [rc.key for rc in diagnose(build(doc)).root_causes] == ["vip-antispoof"]
    # the pair already there: nothing to fix
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = [
            *port.get("allowed_address_pairs", []),
            {"ip_address": CILIUM_POOL},
        ]
    assert not [f for f in of(doc, "neutron-vip-pairs") if f.status == Status.FAIL]


@pytest.mark.parametrize(
    ("announcers", "config", "web"),
    [
        ([], {}, {}),
        # a policy that selects other Services, or another class than the L2 announcer's
        (
            [{"kind": "l2", "name": "l2", "service_selector": {"match_labels": {"a": "b"}}}],
            {"l2_announcements": True},
            {},
        ),
        (
            [{"kind": "l2", "name": "l2"}],
            {"l2_announcements": True},
            {"load_balancer_class": "io.cilium/bgp-control-plane"},
        ),
    ],
)
def test_an_address_nothing_announces_is_allocated_but_unreachable(
    announcers: list[dict[str, Any]], config: dict[str, Any], web: dict[str, Any]
) -> None:
    doc = announced(announcers, config, **web)
    (fail,) = [f for f in of(doc, "lb-pending-service") if f.status == Status.FAIL]
    assert fail.cause == "cilium-lb-unannounced"
    en, ko = localize(fail.message, "en"), localize(fail.message, "ko")
    assert "unreachable from outside the cluster" in en and "클러스터 밖에서는 닿지 않습니다" in ko
    assert "shop/web" in en and "shop/web" in ko and "{" not in en + ko
    assert (
        f"service shop/web status.loadBalancer.ingress={ADDRESS} (CiliumLoadBalancerIPPool public)"
        in fail.evidence
    )
    assert "cilium-lb-unannounced" in [rc.key for rc in diagnose(build(doc)).root_causes]
    assert not [f for f in of(doc, "neutron-vip-pairs") if f.status == Status.FAIL]


def test_bgp_announced_or_announcers_unread_is_unknown_never_a_pass() -> None:
    doc = announced([{"kind": "bgp", "name": "lb"}], {"bgp_control_plane": True})
    (unknown,) = [f for f in of(doc, "neutron-vip-pairs") if f.status == Status.UNKNOWN]
    en, ko = localize(unknown.message, "en"), localize(unknown.message, "ko")
    assert "BGP" in en and CILIUM_POOL in en and CILIUM_POOL in ko and en != ko
    assert not [f for f in of(doc, "lb-pending-service") if f.status == Status.FAIL]
    doc = announced(None, {"l2_announcements": True})
    statuses = {f.status for f in of(doc, "neutron-vip-pairs")}
    assert Status.UNKNOWN in statuses and Status.PASS not in statuses
    assert not [f for f in of(doc, "lb-pending-service") if f.status == Status.FAIL]
