"""MetalLB in BGP mode against the real Neutron: the example `metallb-bgp-no-pairs` (pool
198.51.100.0/28 outside every subnet, routed over BGP to every node, no pair for it). The
node ports get the pod and service pairs first, so the pool's is the only one missing. The
plan adds the pool's CIDR to every node port (Neutron accepts a pair outside the port's
subnets), merged with the pairs it has: apply, re-collect, re-diagnose clean; roll back to
exactly before. The pool is in no subnet, so no allocation-pool warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import live_snapshot
from test_apply_dualstack import pairs_added_then_rolled_back

from kostack.analyze.diagnose import diagnose
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, seed_device_id
from kostack_testkit.metallb import BGP_POOL, metallb_example_doc

pytestmark = pytest.mark.neutron
NAME = "metallb-bgp-no-pairs"


def _pod_pairs_only(endpoint: str) -> None:
    conn = openstack_connection(endpoint)
    ports = conn.network.get("/ports").json()["ports"]
    for node in metallb_example_doc(NAME)["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        pairs = [{"ip_address": POD_CIDR}, {"ip_address": SERVICE_CIDR}]
        resp = conn.network.put(
            f"/ports/{port['id']}", json={"port": {"allowed_address_pairs": pairs}}
        )
        assert resp.status_code == 200, resp.text


def test_the_plan_adds_the_bgp_pool_pair_to_every_node_port_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _pod_pairs_only(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, metallb_example_doc(NAME))
    found = diagnose(snapshot)
    keys = [rc.key for rc in found.root_causes]
    assert keys == ["vip-antispoof", "router-no-route-back"], keys
    assert not [w for w in found.warnings if w.check_id == "neutron-vip-pairs"]
    pairs_added_then_rolled_back(
        seed_cloud.endpoint, snapshot, tmp_path, BGP_POOL, [POD_CIDR, SERVICE_CIDR]
    )
    assert diff_states(original, seed_cloud.state()) == []
