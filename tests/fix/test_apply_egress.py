"""Antrea Egress against the real Neutron: the example `antrea-egress-no-pairs` (Antrea's
defaults, Geneve and the agents' memberlist admitted between the nodes, an ExternalIPPool 10.0.0.212/30 for every node
and an Egress using it, no pair). The node ports are put in the example's group (UDP 6081
from the nodes, nothing from the pods) without pairs, so the pool's pair is the only thing
missing. The plan adds the pool's CIDR to every node port: apply, re-collect, re-diagnose
clean (neutron-egress-ip-pairs PASS; the lone egress pair is no pod pair the encap cluster
would miss); roll back to exactly before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import NODES_RULES, _group, live_snapshot
from test_apply_dualstack import pairs_added_then_rolled_back

from kostack.analyze.diagnose import diagnose
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.egress import POOL, egress_example_doc

pytestmark = pytest.mark.neutron

ID = "neutron-egress-ip-pairs"


def _geneve_admitted_cloud(endpoint: str) -> None:
    """The example's group (the seed's node rules less Typha and the pods' range, plus UDP
    6081 and Antrea's memberlist, TCP and UDP 10351, between the nodes) alone on every node
    port, without pairs."""
    conn = openstack_connection(endpoint)
    rules = [r for r in NODES_RULES if r[1] != 5473 and r[2] != POD_CIDR]
    memberlist = [("tcp", 10351, "nodes"), ("udp", 10351, "nodes")]  # Antrea's agents
    nodes = _group(conn, "k8s-nodes", [*rules, ("udp", 6081, "nodes"), *memberlist])
    ports = conn.network.get("/ports").json()["ports"]
    for node in egress_example_doc("antrea-egress-no-pairs")["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        body = {"security_groups": [nodes], "allowed_address_pairs": []}
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text


def test_the_plan_adds_the_pool_pair_to_every_node_port_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _geneve_admitted_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, egress_example_doc("antrea-egress-no-pairs"))
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes] == ["egress-antispoof"], found.root_causes
    # Neutron's own allocation pool covers the ExternalIPPool: said as a warning, never fixed
    assert [w.cause for w in found.warnings if w.check_id == ID] == ["vip-allocation-pool"]
    after = pairs_added_then_rolled_back(seed_cloud.endpoint, snapshot, tmp_path, POOL, [])
    checked = [f for f in diagnose(after).findings if f.check_id == ID]
    # the pairs are there: only the allocation-pool warning is left
    assert [f.cause for f in checked] == ["vip-allocation-pool"], checked
    assert diff_states(original, seed_cloud.state()) == []
