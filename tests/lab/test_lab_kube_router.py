"""kube-router's verdicts against the lab's real packets.

The lab does not run kube-router (its pods are wired Calico's way, and nothing speaks BGP but
the tests' own listener); what it reproduces is what kube-router puts on the Neutron network
between two nodes of one subnet: the pod's own source address, unencapsulated (engine/encap.py
`_kube_router`), and TCP 179 sessions that either node may open (GoBGP peers are all active).
The lab's snapshot, with kube-router as its CNI, must say what the packets do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from lab_testing import apply_port_description, module_lab
from test_lab_bgp6 import TIMEOUT
from test_lab_bgp_one_way import connect, one_way_179

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.bgp_routes import bgp_route
from kostack.analyze.engine.path import session_judge
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.topology import Topology
from kostack.model import Snapshot, dump_snapshot, parse_snapshot
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot
from kostack_testkit.kuberouter import k0s_kube_router

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from module_lab("seed", tmp_path_factory.mktemp("kr") / "state")


def _as_kube_router(snapshot: Snapshot) -> Snapshot:
    doc = json.loads(dump_snapshot(snapshot))
    doc["cluster"]["cni"] = k0s_kube_router()
    return parse_snapshot(doc)


def _pod_to_pod(snapshot: Snapshot) -> set[Status]:
    found = diagnose(snapshot).findings
    return {f.status for f in found if f.check_id == "net-pod-to-pod"}


def test_native_pod_traffic_drops_without_pairs_and_passes_with_them(lab: Lab) -> None:
    probes = lab.probe_round(timeout=TIMEOUT)
    assert not probes["pod_to_pod"].ok
    assert lab.counters()["k8s-w-1"].antispoof_drops > 0
    before = _as_kube_router(lab_snapshot(lab))
    assert _pod_to_pod(before) == {Status.FAIL}
    causes = [rc.key for rc in diagnose(before).root_causes]
    assert causes[0] == "antispoof", causes
    ports, groups = lab.port_description()
    for port in ports:
        if port.get("device_owner", "").startswith("compute"):
            port["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/16"}]
            port["revision_number"] += 1
    assert apply_port_description(lab, ports, groups).changed
    assert lab.probe_round(timeout=TIMEOUT)["pod_to_pod"].ok
    after = _as_kube_router(lab_snapshot(lab))
    assert _pod_to_pod(after) == {Status.PASS}


def test_either_node_opens_the_session_so_kube_router_keeps_the_route(lab: Lab) -> None:
    """The greater address's group admits TCP 179 from the smaller only: the smaller node's
    connection opens, the greater's is dropped. Calico's one-way mesh (the greater connects)
    loses the route; kube-router's, opened from both ends, keeps it."""
    greater, smaller = one_way_179(lab, "kr")

    assert connect(lab, smaller, greater) == "open"
    assert connect(lab, greater, smaller) == "TimeoutError"
    snapshot = lab_snapshot(lab)
    pod = ip_network(str(smaller.pod_cidr))[11]
    for snap, kept in ((_as_kube_router(snapshot), True), (_calico_bgp(snapshot), False)):
        topo = Topology(snap)
        g, s = topo.node_views[greater.name], topo.node_views[smaller.name]
        hop = bgp_route(topo, g, s, pod, session_judge(topo))
        assert hop is not None
        assert (hop.disposition == Disposition.ACCEPTED) is kept, hop
    # net-sg-bgp agrees with the route hop: it fails the node pairs without a session only
    # (the lab's third node has none with one of them), not the one-way pair's direction
    kr = _as_kube_router(snapshot)
    topo = Topology(kr)
    views = list(topo.node_views.values())
    judge = session_judge(topo)
    lost = sum(
        bgp_route(topo, a, b, b.blocks[0][11], judge).disposition != Disposition.ACCEPTED  # type: ignore[union-attr]
        for a in views
        for b in views
        if a is not b
    )
    found = [f for f in diagnose(kr).findings if f.check_id == "net-sg-bgp"]
    failed = [f for f in found if f.status == Status.FAIL]
    assert sum(dict(f.counts)["node_pairs"] for f in failed) == lost < len(views) * (len(views) - 1)


def _calico_bgp(snapshot: Snapshot) -> Snapshot:
    """The lab's Calico unencapsulated on BGP (v3.30: its mesh is one-way)."""
    doc = json.loads(dump_snapshot(snapshot))
    cni = doc["cluster"]["cni"]
    cni["version"] = "v3.30.7"
    cni["calico"]["bgp"] = True
    for pool in cni["calico"]["ip_pools"]:
        pool["ipip_mode"] = pool["vxlan_mode"] = "Never"
    return parse_snapshot(doc)
