"""Calico with its node-to-node mesh off (BGPConfiguration nodeToNodeMeshEnabled: false): pod
routes come over BGPPeers (route reflectors, routers); here they were not collected (a snapshot
without `bgp_peers`: the route reflectors' cases are in test_bgp_route_reflectors.py).

kostack treated such a pool as not BGP-routed: pod-to-pod passed ("Also checked, ok") even
with every TCP 179 session dropped by the security groups. Now the route is undecided, and
says how to look at the sessions; the families count it as tracing every pair does.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_families import _agree

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import SG_NODES, build, example_doc, hetero_doc, rule, set_calico_mode

Doc = dict[str, Any]


def _mesh(doc: Doc, on: bool) -> Doc:
    doc["cluster"]["cni"]["calico"]["node_to_node_mesh"] = on
    return doc


def _statuses(doc: Doc, check: str) -> set[Status]:
    return {f.status for f in diagnose(build(doc)).findings if f.check_id == check}


@pytest.mark.parametrize("open_179", [False, True])
def test_with_the_mesh_off_pod_routes_over_bgp_are_undecided_not_passed(open_179: bool) -> None:
    doc = _mesh(example_doc("bgp-blocked"), False)
    if open_179:
        group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
        group["rules"].append(rule(SG_NODES, "ingress", "tcp", 179, group=SG_NODES))
    d = diagnose(build(doc))
    pods = [f for f in d.findings if f.check_id == "net-pod-to-pod"]
    assert pods and {f.status for f in pods} == {Status.UNKNOWN}
    said = localize(pods[0].message, "en")
    assert "node-to-node mesh is off" in said and "`calicoctl node status`" in said
    assert "calicoctl node status" in localize(pods[0].message, "ko")


def test_with_the_mesh_on_the_sessions_decide() -> None:
    """The control: the same cloud with the mesh on is decided both ways."""
    blocked = _mesh(example_doc("bgp-blocked"), True)
    assert _statuses(blocked, "net-pod-to-pod") == {Status.FAIL}
    group = next(g for g in blocked["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"].append(rule(SG_NODES, "ingress", "tcp", 179, group=SG_NODES))
    assert _statuses(blocked, "net-pod-to-pod") == {Status.PASS}


def test_a_vxlan_pool_needs_no_bgp_route_with_the_mesh_off() -> None:
    """Felix programs VXLAN routes: the mesh being off changes nothing there."""
    doc = _mesh(hetero_doc(4, pods_per_node=1), False)
    set_calico_mode(doc, vxlan="Always")
    assert Status.UNKNOWN not in _statuses(doc, "net-pod-to-pod")


@pytest.mark.parametrize("ipip", ["Never", "CrossSubnet"])
def test_families_agree_with_tracing_every_pair_with_the_mesh_off(ipip: str) -> None:
    doc = _mesh(hetero_doc(8, pods_per_node=1), False)
    set_calico_mode(doc, ipip=ipip)
    assert Status.UNKNOWN in _statuses(doc, "net-pod-to-pod")
    assert _agree(doc) > 0
