"""Neutron's paged listings against the real harness: a marker that vanishes, a page that repeats."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest_neutron import SeededNeutron

from kostack.collect import _neutron_listing
from kostack.collect.openstack import collect_openstack, open_connection
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultProxy

pytestmark = pytest.mark.neutron


def _connection(tmp_path: Path, endpoint: str) -> Any:
    clouds = tmp_path / "clouds.yaml"
    lab = {"auth_type": "none", "network_endpoint_override": endpoint, "region_name": "RegionOne"}
    clouds.write_text(json.dumps({"clouds": {"lab": lab}}))
    return open_connection(None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=10.0)


def test_a_marker_port_deleted_between_pages_restarts_the_listing(
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Neutron answers 404 to a page whose marker was deleted: the port listing starts over."""
    monkeypatch.setattr(_neutron_listing, "PAGE_SIZE", 2)
    admin = openstack_connection(seeded_neutron.endpoint)
    deleted: list[str] = []
    real_get = _neutron_listing.NeutronReader._get

    def get(self: Any, path: str, query: Mapping[str, Any]) -> dict[str, Any]:
        marker = query.get("marker")
        if path == "/ports" and marker and not deleted:
            port = admin.network.get_port(marker)
            if port.device_owner == "compute:nova":  # a node's port: deletable directly
                admin.network.delete_port(marker)
                deleted.append(marker)
        return real_get(self, path, query)

    monkeypatch.setattr(_neutron_listing.NeutronReader, "_get", get)
    record, gaps = collect_openstack(
        _connection(tmp_path, fault_proxy.endpoint), project_scope=None
    )
    assert deleted, "no page's marker was a node port"
    assert gaps == ()
    ids = [p.id for p in record.ports or ()]
    assert len(ids) == len(set(ids)) == 5  # 6 ports, one deleted; none twice
    assert deleted[0] not in ids
    assert any("marker=" in r.query and r.status == 404 for r in fault_proxy.requests())


def test_a_next_link_that_does_not_move_ends_the_listing_as_a_gap(
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server (or a proxy) that ignores the marker would page forever: one gap instead."""
    monkeypatch.setattr(_neutron_listing, "PAGE_SIZE", 2)
    first: list[str] = []
    real_next = _neutron_listing._next_marker

    def stuck(links: object) -> str | None:  # the ports' first next link, again and again
        marker = real_next(links)
        if marker is None or "/ports?" not in str(links):
            return marker
        first.append(marker)
        return first[0]

    monkeypatch.setattr(_neutron_listing, "_next_marker", stuck)
    record, gaps = collect_openstack(
        _connection(tmp_path, fault_proxy.endpoint), project_scope=None
    )
    assert record.ports is None
    by_source = {g.source: g for g in gaps}
    assert "same page again" in by_source["openstack.ports"].error
    assert fault_proxy.count("GET", r"^/v2\.0/ports$") == 2


def test_a_port_of_the_wrong_shape_is_left_out_and_named(
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Neutron (or a proxy) answering a field in the wrong shape loses that item, not the run."""
    real_get = _neutron_listing.NeutronReader._get
    bent: list[str] = []

    def get(self: Any, path: str, query: Mapping[str, Any]) -> dict[str, Any]:
        body = real_get(self, path, query)
        if path == "/ports" and not bent:
            port = next(p for p in body["ports"] if p["device_owner"] == "compute:nova")
            port["fixed_ips"] = ["10.0.0.11"]  # addresses where objects belong
            bent.append(port["id"])
        return body

    monkeypatch.setattr(_neutron_listing.NeutronReader, "_get", get)
    record, gaps = collect_openstack(
        _connection(tmp_path, fault_proxy.endpoint), project_scope=None
    )
    ids = {p.id for p in record.ports or ()}
    assert bent and bent[0] not in ids and len(ids) == 5
    (gap,) = [g for g in gaps if g.source == "openstack.ports"]
    assert f"port {bent[0]} left out: AttributeError" in gap.error
