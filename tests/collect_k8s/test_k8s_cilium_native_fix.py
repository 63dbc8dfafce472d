"""Cilium with native routing and cluster-pool IPAM on OpenStack, without allowed pairs:
the fix covers the ranges Cilium really allocates, and applying it clears the root cause.

The cluster half is collected from the published chart install through the API
double; the OpenStack half is the seed project with the node subnet moved to
192.168.10.0/24 (Cilium's 10.0.0.0/8 pool would collide with a 10.0.0.0/24 one).
"""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.remedy import apply_remedies
from kostack.model import Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import PlanOptions
from kostack_testkit import k8s_fixture_published_cilium as cilium_fx

NODE_SUBNET = "192.168.10.0/24"


def native_cluster_snapshot(serve: ServeFn) -> Snapshot:
    collection = serve(cilium_fx.cilium_chart_published("native-kpr")).collect()
    assert collection.gaps == ()
    return joined_snapshot(collection, NODE_SUBNET)


def test_fix_covers_the_cluster_pool_and_clears_the_root_cause(serve: ServeFn) -> None:
    snapshot = native_cluster_snapshot(serve)
    before = diagnose(snapshot)
    antispoof = [rc for rc in before.root_causes if rc.key == "antispoof"]
    assert antispoof, [rc.key for rc in before.root_causes]
    remedies = antispoof[0].fix.remedies
    pairs = {r.param("ip_address") for r in remedies if r.op == "add-allowed-pair"}
    # The pool Cilium allocates from, not kubeadm's podSubnet (10.244.0.0/16).
    assert pairs == {"10.0.0.0/8"}
    assert {r.target_name for r in remedies} == {"k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"}
    # The finding names a real pod address of the pool (10.0.x.y) as the dropped source.
    message = str(antispoof[0].findings[0].message)
    source = ipaddress.ip_address(message.split("(source ")[1].split(")")[0])
    assert source in ipaddress.ip_network("10.0.0.0/8"), message
    after = diagnose(apply_remedies(snapshot, remedies))
    assert "antispoof" not in {rc.key for rc in after.root_causes}
    assert not any(
        f.check_id == "net-pod-src-antispoof" and f.status.value == "fail" for f in after.findings
    )


def test_tight_plan_uses_each_cilium_node_range(serve: ServeFn) -> None:
    snapshot = native_cluster_snapshot(serve)
    plan = build_plan(snapshot, PlanOptions(tight=True, service_cidr=False))
    pairs = {a.target.name: [p.ip_address for p in a.pairs] for a in plan.actions if a.pairs}
    # CiliumNode spec.ipam.podCIDRs, one /24 per node in allocation order.
    assert pairs == {
        "k8s-cp-1": ["10.0.0.0/24"],
        "k8s-w-1": ["10.0.1.0/24"],
        "k8s-w-2": ["10.0.2.0/24"],
        "k8s-w-3": ["10.0.3.0/24"],
    }
    assert "antispoof" not in {r.key for r in plan.verification.after}
    whole = build_plan(snapshot, PlanOptions(service_cidr=False))
    assert {p.ip_address for a in whole.actions for p in a.pairs} == {"10.0.0.0/8"}
    assert whole.verification.after == () or "antispoof" not in {
        r.key for r in whole.verification.after
    }
