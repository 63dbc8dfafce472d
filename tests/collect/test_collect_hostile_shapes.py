"""Neutron answers with fields in the wrong shape, read before any item is converted.

The real Neutron harness answers; its answer is bent on the way in (as a
broken extension or a proxy would): the fields the collector reads from the
raw listings to plan further requests (a port's security groups and network,
a router's gateway, a router interface's fixed IPs). Each costs what it
must, named, never the run: `kostack collect` and every `kostack watch`
cycle used to end with an internal error (TypeError, AttributeError).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest_neutron import SeededNeutron

from kostack.collect import _neutron_listing
from kostack.collect.openstack import collect_openstack, open_connection

pytestmark = pytest.mark.neutron

Body = dict[str, Any]


def _connection(tmp_path: Path, endpoint: str) -> Any:
    clouds = tmp_path / "clouds.yaml"
    lab = {"auth_type": "none", "network_endpoint_override": endpoint, "region_name": "RegionOne"}
    clouds.write_text(json.dumps({"clouds": {"lab": lab}}))
    return open_connection(None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=10.0)


def _bend_node_port_groups(body: Body) -> str:
    port = next(p for p in body["ports"] if p["device_owner"] == "compute:nova")
    port["security_groups"] = 5
    return str(port["id"])


def _bend_interface_ips(body: Body) -> str:
    port = next(p for p in body["ports"] if p["device_owner"] == "network:router_interface")
    port["fixed_ips"] = ["10.0.0.1"]
    return str(port["id"])


def _bend_gateway(body: Body) -> str:
    body["routers"][0]["external_gateway_info"] = "public"
    return str(body["routers"][0]["id"])


# what is bent: (the listing, how, the source of the gap naming the item left out)
BENDS: dict[str, tuple[str, Callable[[Body], str], str]] = {
    "security_groups: 5": ("/ports", _bend_node_port_groups, "openstack.ports"),
    "router interface fixed_ips of strings": ("/ports", _bend_interface_ips, "openstack.ports"),
    "external_gateway_info a string": ("/routers", _bend_gateway, "openstack.routers"),
}


@pytest.mark.parametrize("bend", sorted(BENDS))
@pytest.mark.parametrize("scope", [None, "project"])
def test_a_field_of_the_wrong_shape_never_ends_the_collection(
    seeded_neutron: SeededNeutron,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bend: str,
    scope: str | None,
) -> None:
    path, edit, source = BENDS[bend]
    real_get = _neutron_listing.NeutronReader._get
    bent: list[str] = []

    def get(self: Any, asked: str, query: Mapping[str, Any]) -> Body:
        body = real_get(self, asked, query)
        if asked == path and not bent:
            bent.append(edit(body))
        return body

    monkeypatch.setattr(_neutron_listing.NeutronReader, "_get", get)
    conn = _connection(tmp_path, seeded_neutron.endpoint)
    project = None
    if scope:  # the ports' project, as the token's would be
        project = str(conn.network.get("/ports").json()["ports"][0]["project_id"])
    record, gaps = collect_openstack(conn, project_scope=project)
    (gap,) = gaps  # the bent item, left out and named; nothing else lost
    assert gap.source == source and f"{bent[0]} left out: " in gap.error
    nodes = [p for p in record.ports or () if p.device_owner == "compute:nova"]
    assert len(nodes) >= 3 and record.security_groups and record.networks
