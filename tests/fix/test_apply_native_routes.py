"""Unencapsulated pod traffic across subnets against the real Neutron (example
`calico-bgp-two-subnets-no-routes`): the seed cloud with a second subnet 10.0.1.0/24 on
`k8s-router`, k8s-w-2 and k8s-w-3 moved onto it, the pod range as pairs, no extra route. The
plan adds a route per node block via the node on `k8s-router`; Neutron takes them (each next
hop on a subnet of the router); apply, re-collect, re-diagnose clean; roll back to exactly
the state before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, example_doc, seed_device_id

pytestmark = pytest.mark.neutron
EXAMPLE = "calico-bgp-two-subnets-no-routes"
MOVED = {"k8s-w-2": "10.0.1.13", "k8s-w-3": "10.0.1.14"}
ROUTES = [
    ("10.244.0.0/26", "10.0.0.11"),
    ("10.244.1.0/26", "10.0.0.12"),
    ("10.244.2.0/26", "10.0.1.13"),
    ("10.244.3.0/26", "10.0.1.14"),
]


def _two_subnet_cloud(endpoint: str) -> str:
    """A second subnet on the router, two workers moved onto it, the pod range as pairs on
    every node port; the router's id."""
    conn = openstack_connection(endpoint)
    network = next(
        n for n in conn.network.get("/networks").json()["networks"] if n["name"] == "k8s-net"
    )
    body = {
        "subnet": {
            "name": "k8s-subnet-2",
            "network_id": network["id"],
            "ip_version": 4,
            "cidr": "10.0.1.0/24",
            "gateway_ip": "10.0.1.1",
        }
    }
    resp = conn.network.post("/subnets", json=body)
    assert resp.status_code == 201, resp.text
    subnet = resp.json()["subnet"]["id"]
    router = next(
        r for r in conn.network.get("/routers").json()["routers"] if r["name"] == "k8s-router"
    )
    resp = conn.network.put(
        f"/routers/{router['id']}/add_router_interface", json={"subnet_id": subnet}
    )
    assert resp.status_code == 200, resp.text
    ports = conn.network.get("/ports").json()["ports"]
    for node in example_doc(EXAMPLE)["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        body = {"allowed_address_pairs": [{"ip_address": POD_CIDR}]}
        if node["name"] in MOVED:
            body["fixed_ips"] = [{"subnet_id": subnet, "ip_address": MOVED[node["name"]]}]
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return str(router["id"])


def test_the_plan_routes_each_nodes_pods_on_the_joining_router_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    router_id = _two_subnet_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    assert original["routers"][router_id]["routes"] == []
    snapshot = live_snapshot(seed_cloud.endpoint, example_doc(EXAMPLE))
    assert [rc.key for rc in diagnose(snapshot).root_causes] == ["native-cross-subnet"]
    plan = build_plan(snapshot)
    (action,) = plan.automatic
    assert action.operation == Operation.ADD_ROUTER_ROUTES and action.target.id == router_id
    assert [(r.destination, r.nexthop) for r in action.routes] == ROUTES
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.routers is not None
    (router,) = [r for r in after.openstack.routers if r.id == router_id]
    assert sorted((str(r.destination), str(r.nexthop)) for r in router.routes) == ROUTES
    assert diff_states(original, seed_cloud.state()) == []
