"""Fixtures for the live LoadBalancer tests (real Neutron + real Octavia + API double + OCCM)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_neutron import SeededNeutron
from lb_live_support import LBWorld, write_clouds

from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.occm import Occm
from kostack_testkit.octavia_harness import OctaviaHarness


def _world(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness, tmp_path: Path, provider: str
) -> Iterator[LBWorld]:
    import openstack

    with (
        FaultProxy(seeded_neutron.endpoint) as neutron_proxy,
        FaultProxy(octavia.endpoint) as octavia_proxy,
        KubeApiDouble(seed_cluster()) as api,
    ):
        conn = openstack.connection.Connection(
            auth_type="none",
            auth={"endpoint": seeded_neutron.endpoint},
            network_endpoint_override=seeded_neutron.endpoint,
            load_balancer_endpoint_override=octavia.endpoint,
        )
        ids = seeded_neutron.ids
        # The seed's pod network fixed the recommended way, so only the way in is in question.
        for port_id in ids.port_ids.values():
            conn.network.update_port(
                port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}]
            )
        routes = []
        for node in api.list_objects("v1", "Node"):
            ip = next(
                a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
            )
            routes.append({"destination": node["spec"]["podCIDR"], "nexthop": ip})
        conn.network.update_router(ids.router_id, routes=routes)
        occm = Occm(conn, api, octavia, ids.subnet_id, ids.public_network_id, provider=provider)
        home = tmp_path / "home"
        home.mkdir()
        yield LBWorld(
            neutron=seeded_neutron,
            octavia=octavia,
            neutron_proxy=neutron_proxy,
            octavia_proxy=octavia_proxy,
            api=api,
            occm=occm,
            conn=conn,
            clouds=write_clouds(
                tmp_path / "clouds.yaml", neutron_proxy.endpoint, octavia_proxy.endpoint
            ),
            kubeconfig=api.write_kubeconfig(tmp_path / "kubeconfig"),
            home=home,
            # the amphora provider's usual cloud: ML2/OVS (the OVN world leaves it open)
            backend="ml2/ovs" if provider == "amphora" else None,
        )
        conn.close()


@pytest.fixture
def lb_world(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness, tmp_path: Path
) -> Iterator[LBWorld]:
    """The seed cloud and cluster, an amphora OCCM, nothing balanced yet."""
    yield from _world(seeded_neutron, octavia, tmp_path, "amphora")


@pytest.fixture
def ovn_world(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness, tmp_path: Path
) -> Iterator[LBWorld]:
    """The same, with OCCM configured for the OVN provider (lb-method SOURCE_IP_PORT)."""
    for world in _world(seeded_neutron, octavia, tmp_path, "ovn"):
        world.occm.lb_method = "SOURCE_IP_PORT"
        yield world
