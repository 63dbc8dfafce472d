"""The node subnet attached to another project's router (a provider setup: an admin-owned
router with the tenant's subnet on it), collected in the tenant's project scope.

Real Neutron (noauth: every call is admin, the project scope comes from the token of the
Keystone double). Neutron gives the interface port the router's project
(neutron/db/l3_db.py `_add_interface_by_subnet`), so a port listing filtered by the tenant's
project misses it and the router listing does not return the router: before, kostack said
"no router with an external gateway serves subnet" and its page said `openstack router add
subnet`. Now the collector finds the interface with one filtered GET and the verdict is
UNKNOWN, naming the router (docs/facts.md "Routers of another project").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from collect_keystone import Credentials, KeystoneDouble
from collect_live_support import LiveSeed

from kostack.collect.openstack import collect_openstack, current_project, open_connection
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy

pytestmark = pytest.mark.neutron

POD_CIDR = "10.244.0.0/16"


@pytest.fixture
def foreign_router(live_seed: LiveSeed) -> str:
    """Move the node subnet from the seed's router to a router of "other-project" (with the
    same external gateway); give the node ports the pod pair, so pod egress reaches the
    router. Returns the foreign router's id."""
    ids = live_seed.neutron.ids
    admin = openstack_connection(live_seed.neutron.endpoint)
    admin.network.remove_interface_from_router(ids.router_id, subnet=ids.subnet_id)
    router = admin.network.create_router(
        name="provider-router",
        project_id="other-project",
        external_gateway_info={"network_id": ids.public_network_id},
    )
    admin.network.add_interface_to_router(router, subnet=ids.subnet_id)
    for node in ids.nodes:
        admin.network.update_port(node.port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])
    live_seed.proxy.reset_counts()
    return str(router.id)


@pytest.fixture
def scoped_clouds(live_seed: LiveSeed, tmp_path: Path) -> Iterator[Path]:
    """A clouds.yaml whose token (Keystone double) is scoped to the seed's project."""
    creds = Credentials()
    with KeystoneDouble(live_seed.proxy.endpoint, creds) as keystone:
        auth = {"auth_url": f"{keystone.url}/v3", "token": creds.token}
        auth["project_id"] = creds.project_id
        clouds = {"seed": {"auth_type": "token", "auth": auth, "region_name": "RegionOne"}}
        path = tmp_path / "scoped-clouds.yaml"
        path.write_text(json.dumps({"clouds": clouds}))
        yield path


def _interface_gets(proxy: FaultProxy) -> list[str]:
    return [
        r.query
        for r in proxy.requests()
        if r.method == "GET" and r.path == "/v2.0/ports" and "device_owner=" in r.query
    ]


def test_the_project_scope_collect_keeps_the_foreign_routers_attachment(
    live_seed: LiveSeed, foreign_router: str, scoped_clouds: Path
) -> None:
    conn: Any = open_connection(
        None, environ={"OS_CLIENT_CONFIG_FILE": str(scoped_clouds)}, timeout_s=10
    )
    project = current_project(conn)
    record, gaps = collect_openstack(conn, project_scope=project)
    ids = live_seed.neutron.ids
    assert project == "fake_project_id" and gaps == ()
    assert foreign_router not in {r.id for r in record.routers or ()}
    assert ids.router_id in {r.id for r in record.routers or ()}
    assert record.unlisted_routers == {ids.subnet_id: (foreign_router,)}
    # One more GET, on the node network only, for the three interface owners.
    (query,) = _interface_gets(live_seed.proxy)
    assert f"network_id={ids.network_id}" in query and query.count("network_id=") == 1
    assert query.count("device_owner=") == 3
    # The interface port itself stays out of the project's ports.
    assert all(p.device_id != foreign_router for p in record.ports or ())


def test_no_extra_get_when_a_listed_router_serves_every_subnet(
    live_seed: LiveSeed, scoped_clouds: Path
) -> None:
    conn: Any = open_connection(
        None, environ={"OS_CLIENT_CONFIG_FILE": str(scoped_clouds)}, timeout_s=10
    )
    live_seed.proxy.reset_counts()
    record, gaps = collect_openstack(conn, project_scope=current_project(conn))
    assert gaps == () and record.unlisted_routers == {}
    assert _interface_gets(live_seed.proxy) == []


def test_diagnose_and_trace_name_the_foreign_router_not_no_router(
    live_seed: LiveSeed, foreign_router: str, scoped_clouds: Path
) -> None:
    environ = {**live_seed.environ, "OS_CLIENT_CONFIG_FILE": str(scoped_clouds)}
    result = live_seed.run("diagnose", "-o", "json", environ=environ)
    assert result.stderr == "", result.stderr
    findings = json.loads(result.stdout)["findings"]
    (egress,) = [f for f in findings if f["check_id"] == "net-pod-egress"]
    assert egress["status"] == "unknown" and egress["cause"] == "gap", egress
    assert (
        f"is attached to router {foreign_router}, which this account cannot read"
        in (egress["message"])
    )
    assert f"openstack router show {foreign_router}" in egress["message"]
    assert "no router" not in result.stdout and "router add subnet" not in result.stdout

    trace = live_seed.run("trace", "pod:demo/netshoot", "ip:8.8.8.8:443/tcp", environ=environ)
    assert trace.code == 4, trace.stdout + trace.stderr
    assert f"openstack router show {foreign_router}" in trace.stdout
    assert "no router" not in trace.stdout
    ko = live_seed.run(
        "trace", "--lang", "ko", "pod:demo/netshoot", "ip:8.8.8.8:443/tcp", environ=environ
    )
    assert f"이 계정이 읽을 수 없는 라우터 {foreign_router}에 연결되어" in ko.stdout, ko.stdout


def test_a_failed_interface_lookup_is_a_gap_and_the_verdict_undecided(
    live_seed: LiveSeed, foreign_router: str, scoped_clouds: Path
) -> None:
    live_seed.proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/ports$", nth=2, status=403)
    environ = {**live_seed.environ, "OS_CLIENT_CONFIG_FILE": str(scoped_clouds)}
    result = live_seed.run("diagnose", "-o", "json", environ=environ)
    doc = json.loads(result.stdout)
    (gap,) = doc["gaps"]
    assert gap["source"] == "openstack.router_interfaces", gap
    assert "whether another project's router serves a subnet" in gap["hint"]
    (egress,) = [f for f in doc["findings"] if f["check_id"] == "net-pod-egress"]
    assert egress["status"] == "unknown" and egress["cause"] == "gap", egress
    assert "whether a router of another project serves it could not be read" in egress["message"]
    assert "no router" not in result.stdout
