"""The OpenStack collector against the real Neutron harness (and a Keystone double)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collect_keystone import Credentials, KeystoneDouble
from conftest_neutron import SeededNeutron
from openstack.exceptions import BadRequestException

from kostack.collect import _neutron_listing
from kostack.collect.openstack import (
    collect_openstack,
    current_project,
    detect_backend,
    open_connection,
    redact,
)
from kostack.errors import AuthError, CollectError, ConfigError, ExitCode
from kostack.model.snapshot import Network
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.ports import refused_port

pytestmark = pytest.mark.neutron

Connect = Callable[..., Any]


def write_clouds(path: Path, clouds: dict[str, dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"clouds": clouds}))  # YAML is a superset of JSON
    return path


@pytest.fixture
def connect(tmp_path: Path, fault_proxy: FaultProxy) -> Connect:
    """Connect through the fault proxy with a clouds.yaml (auth_type none) in tmp_path."""

    def make(*, timeout_s: float = 10.0, endpoint: str | None = None) -> Any:
        clouds = write_clouds(
            tmp_path / "clouds.yaml",
            {
                "lab": {
                    "auth_type": "none",
                    "network_endpoint_override": endpoint or fault_proxy.endpoint,
                    "region_name": "RegionOne",
                }
            },
        )
        return open_connection(
            None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=timeout_s
        )

    return make


# --------------------------------------------------------------------------- reading the seed


def test_reads_the_seed_topology(seeded_neutron: SeededNeutron, connect: Connect) -> None:
    ids = seeded_neutron.ids
    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    assert (record.cloud, record.region) == ("lab", "RegionOne")
    assert record.extensions is not None
    assert {"allowed-address-pairs", "port-security", "security-group", "router"} <= set(
        record.extensions
    )

    networks = {n.name: n for n in record.networks or ()}
    k8s_net = networks["k8s-net"]
    assert (k8s_net.id, k8s_net.mtu, k8s_net.port_security_enabled) == (ids.network_id, 1450, True)
    assert k8s_net.network_type == "vxlan" and not k8s_net.router_external
    assert networks["public"].router_external and networks["public"].network_type == "flat"

    subnets = {s.id: s for s in record.subnets or ()}
    assert str(subnets[ids.subnet_id].cidr) == "10.0.0.0/24"
    assert str(subnets[ids.subnet_id].gateway_ip) == "10.0.0.1"
    seed_subnet = subnets[ids.subnet_id]
    assert (seed_subnet.ip_version, seed_subnet.ipv6_ra_mode, seed_subnet.ipv6_address_mode) == (
        4,
        None,
        None,
    )

    (router,) = record.routers or ()
    assert router.id == ids.router_id and router.name == "k8s-router"
    assert router.external_network_id == ids.public_network_id
    assert router.enable_snat is True
    assert router.interface_subnet_ids == (ids.subnet_id,)
    assert router.routes == ()

    ports = {p.id: p for p in record.ports or ()}
    for seed_node in ids.nodes:
        port = ports[seed_node.port_id]
        assert port.name == seed_node.name
        assert port.device_id == seed_node.device_id and port.device_owner == "compute:nova"
        assert port.mac_address == seed_node.mac_address
        assert [str(f.ip_address) for f in port.fixed_ips] == [seed_node.ip_address]
        assert port.fixed_ips[0].subnet_id == ids.subnet_id
        assert port.port_security_enabled is True and port.allowed_address_pairs == ()
        assert set(port.security_group_ids) == {ids.default_sg_id, ids.nodes_sg_id}
        assert port.revision_number is not None
    assert ids.router_interface_port_ids[0] in ports  # router interfaces are ports too

    groups = {g.id: g for g in record.security_groups or ()}
    default = groups[ids.default_sg_id]
    assert default.name == "default"
    self_rules = [r for r in default.rules if r.remote_group_id == ids.default_sg_id]
    assert {(r.direction, r.ethertype) for r in self_rules} == {
        ("ingress", "IPv4"),
        ("ingress", "IPv6"),
    }
    nodes_rules = {r.id: r for r in groups[ids.nodes_sg_id].rules}
    ssh = nodes_rules[ids.nodes_sg_rule_ids["ssh"]]
    assert (ssh.direction, ssh.protocol, ssh.port_range_min, ssh.port_range_max) == (
        "ingress",
        "tcp",
        22,
        22,
    )
    assert str(ssh.remote_ip_prefix) == "0.0.0.0/0"
    assert nodes_rules[ids.nodes_sg_rule_ids["icmp"]].protocol == "icmp"

    # No agents and VXLAN: the API does not reveal the backend.
    assert (record.backend, record.backend_source) == (None, None)


def test_backend_hint_is_used_when_the_api_says_nothing(
    seeded_neutron: SeededNeutron, connect: Connect
) -> None:
    record, _ = collect_openstack(connect(), project_scope=None, backend_hint="ml2/ovn")
    assert (record.backend, record.backend_source) == ("ml2/ovn", "--neutron-backend")


def test_pairs_disabled_port_security_routes_and_odd_rules_are_read(
    seeded_neutron: SeededNeutron, connect: Connect
) -> None:
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    w1, w2 = ids.port_ids["k8s-w-1"], ids.port_ids["k8s-w-2"]
    admin.network.update_port(w1, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    admin.network.update_port(
        w2, port_security_enabled=False, security_groups=[], allowed_address_pairs=[]
    )
    admin.network.update_router(
        ids.router_id, routes=[{"destination": "10.244.1.0/24", "nexthop": "10.0.0.12"}]
    )
    # Neutron keeps a prefix with host bits as given; the snapshot wants the network.
    ipip = admin.network.create_security_group_rule(
        security_group_id=ids.nodes_sg_id,
        direction="ingress",
        protocol="4",
        remote_ip_prefix="10.244.1.7/16",
        ether_type="IPv4",
    )

    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    ports = {p.id: p for p in record.ports or ()}
    (pair,) = ports[w1].allowed_address_pairs
    assert str(pair.ip_address) == "10.244.0.0/16" and pair.mac_address == "fa:16:3e:00:00:12"
    assert ports[w2].port_security_enabled is False and ports[w2].security_group_ids == ()
    (router,) = record.routers or ()
    assert [(str(r.destination), str(r.nexthop)) for r in router.routes] == [
        ("10.244.1.0/24", "10.0.0.12")
    ]
    rules = {r.id: r for g in record.security_groups or () for r in g.rules}
    assert rules[ipip.id].protocol == "4"
    assert rules[ipip.id].remote_ip_prefix == ipaddress.ip_network("10.244.0.0/16")


def test_admin_state_up_is_read_from_the_real_neutron(
    seeded_neutron: SeededNeutron, connect: Connect
) -> None:
    """A port set administratively down through the API reads back false; the others true,
    and the local Neutron (no agents) leaves every port's status DOWN (docs/facts.md)."""
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    w1 = ids.port_ids["k8s-w-1"]
    admin.network.update_port(w1, is_admin_state_up=False)
    assert admin.network.get_port(w1).is_admin_state_up is False

    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    ports = {p.id: p for p in record.ports or ()}
    node_ports = set(ids.port_ids.values())
    assert {p: ports[p].admin_state_up for p in node_ports} == {p: p != w1 for p in node_ports}
    assert {ports[p].status for p in node_ports} == {"DOWN"}


def test_vnic_and_vif_type_are_read_from_the_real_neutron(
    seeded_neutron: SeededNeutron, connect: Connect
) -> None:
    """binding:vnic_type as the port's owner sees it: set through the API (ML2 stores it on an
    unbound port whatever its mechanism drivers), read back per port; normal by default.
    vDPA is "vdpa": Neutron refuses "vhost-vdpa", which engine/vnic.py once listed."""
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    w1, w2, w3 = (ids.port_ids[n] for n in ("k8s-w-1", "k8s-w-2", "k8s-w-3"))
    admin.network.update_port(w1, binding_vnic_type="direct")
    admin.network.update_port(w2, binding_vnic_type="baremetal")
    admin.network.update_port(w3, binding_vnic_type="vdpa")
    with pytest.raises(BadRequestException):
        admin.network.update_port(w3, binding_vnic_type="vhost-vdpa")
    assert admin.network.get_port(w1).binding_vnic_type == "direct"

    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    ports = {p.id: p for p in record.ports or ()}
    kinds = {w1: "direct", w2: "baremetal", w3: "vdpa"}
    assert {p: ports[p].vnic_type for p in ids.port_ids.values()} == {
        p: kinds.get(p, "normal") for p in ids.port_ids.values()
    }
    # binding:vif_type, admin-only, is read too: no agent binds these ports, so "unbound",
    # which says nothing about filtering (engine/vnic.py goes by the vnic type then)
    assert {ports[p].vif_type for p in ids.port_ids.values()} == {"unbound"}


def test_a_failed_binding_is_read_from_the_real_neutron(
    seeded_neutron: SeededNeutron, connect: Connect
) -> None:
    """A port given a host that no mechanism driver can bind on (this Neutron loads none) is
    `binding_failed`, and kostack reads it so: the state engine/antispoof.py `port_down` and
    neutron-port-admin-down act on (docs/facts.md "Port admin state")."""
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    w1 = ids.port_ids["k8s-w-1"]
    admin.network.update_port(w1, binding_host_id="compute-9")
    assert admin.network.get_port(w1).binding_vif_type == "binding_failed"

    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    ports = {p.id: p for p in record.ports or ()}
    assert {p: ports[p].vif_type for p in ids.port_ids.values()} == {
        p: "binding_failed" if p == w1 else "unbound" for p in ids.port_ids.values()
    }


# --------------------------------------------------------------------------- request budget


def test_request_count_does_not_grow_with_the_node_count(
    neutron_seeder: Any, connect: Connect, fault_proxy: FaultProxy
) -> None:
    counts = {}
    for nodes in (4, 12):
        neutron_seeder(nodes)
        fault_proxy.reset_counts()
        record, gaps = collect_openstack(connect(), project_scope="fake_project_id")
        assert gaps == ()
        assert len([p for p in record.ports or () if p.device_owner == "compute:nova"]) == nodes
        counts[nodes] = fault_proxy.count()
        # One GET per listing: never one per node or per router.
        assert fault_proxy.count("GET", r"^/v2\.0/ports$") == 1
        assert fault_proxy.count("GET", r"^/v2\.0/ports/") == 0
        assert fault_proxy.count("GET", r"^/v2\.0/routers/") == 0
    assert counts[4] == counts[12] <= 10


def test_pages_are_followed_by_marker(
    seeded_neutron: SeededNeutron,
    connect: Connect,
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_neutron_listing, "PAGE_SIZE", 2)
    record, gaps = collect_openstack(connect(), project_scope=None)
    assert gaps == ()
    # 4 node ports + router interface + router gateway = 6 ports: 3 full pages and an empty one.
    assert len(record.ports or ()) == 6
    assert len({p.id for p in record.ports or ()}) == 6
    queries = [r.query for r in fault_proxy.requests() if r.path == "/v2.0/ports"]
    assert len(queries) == 4
    assert all("limit=2" in q for q in queries) and all("marker=" in q for q in queries[1:])


def test_project_scope_fetches_shared_networks_and_foreign_groups_in_one_get_each(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    shared = admin.network.create_network(
        name="shared-net", project_id="other-project", is_shared=True
    )
    admin.network.create_subnet(
        name="shared-subnet",
        network_id=shared.id,
        ip_version=4,
        cidr="192.168.77.0/24",
        project_id="other-project",
    )
    foreign_sg = admin.network.create_security_group(name="other-sg", project_id="other-project")
    storage = admin.network.create_port(
        name="k8s-cp-1-storage",
        network_id=shared.id,
        project_id="fake_project_id",
        security_groups=[foreign_sg.id],
        device_id=ids.nodes[0].device_id,
        device_owner="compute:nova",
    )
    fault_proxy.reset_counts()
    record, gaps = collect_openstack(connect(), project_scope="fake_project_id")
    assert gaps == ()
    assert "shared-net" in {n.name for n in record.networks or ()}
    assert "shared-subnet" in {s.name for s in record.subnets or ()}
    assert foreign_sg.id in {g.id for g in record.security_groups or ()}
    assert storage.id in {p.id for p in record.ports or ()}
    assert ids.router_gateway_port_id not in {p.id for p in record.ports or ()}  # no project
    assert record.project_id == "fake_project_id"
    assert fault_proxy.count("GET", r"^/v2\.0/networks$") == 2
    assert fault_proxy.count("GET", r"^/v2\.0/security-groups$") == 2
    # shared-subnet has no listed router: its network's router interfaces are asked for once
    # (another project's router may serve it; test_collect_unlisted_router.py)
    assert fault_proxy.count("GET", r"^/v2\.0/ports$") == 2
    assert record.unlisted_routers == {}
    assert fault_proxy.count() <= 12  # 9 listings + the 3 referenced-object GETs


# --------------------------------------------------------------------------- gaps


def test_security_groups_403_is_a_gap_and_the_rest_is_read(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    fault_proxy.inject(
        FaultKind.HTTP_STATUS,
        "GET",
        r"^/v2\.0/security-groups$",
        status=403,
        message="rule:get_security_groups is disallowed by policy",
    )
    record, gaps = collect_openstack(connect(), project_scope=None)
    assert record.security_groups is None
    assert record.ports is not None and record.networks is not None and record.routers is not None
    (gap,) = gaps
    assert gap.source == "openstack.security_groups"
    assert gap.error.startswith("HTTP 403 Forbidden on GET /v2.0/security-groups: ")
    assert "rule:get_security_groups is disallowed by policy" in gap.error
    assert "(request req-" in gap.error
    assert "security-group check" in gap.hint and "read access" in gap.hint


def test_agents_403_is_normal_and_recorded_nowhere(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    fault = fault_proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/agents$", status=403)
    record, gaps = collect_openstack(connect(), project_scope=None)
    assert fault.fired.is_set()
    assert gaps == () and record.backend is None


def test_a_listing_timeout_is_a_gap_and_what_depends_on_it_is_unknown(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    fault_proxy.inject(FaultKind.TIMEOUT, "GET", r"^/v2\.0/ports$", hold_s=10)
    record, gaps = collect_openstack(connect(timeout_s=1.0), project_scope=None)
    assert record.ports is None
    assert record.routers is None  # interfaces come from the port listing
    assert record.networks is not None and record.security_groups is not None
    by_source = {g.source: g for g in gaps}
    assert set(by_source) == {"openstack.ports", "openstack.routers"}
    assert "GET /v2.0/ports timed out" in by_source["openstack.ports"].error
    assert "--timeout" in by_source["openstack.ports"].hint
    assert "port listing, which failed" in by_source["openstack.routers"].error


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (FaultKind.HTTP_500, None, "HTTP 500"),
        (FaultKind.HTTP_STATUS, 503, "HTTP 503"),
        (FaultKind.RESET, None, "ConnectFailure"),
    ],
)
def test_other_listing_failures_are_gaps(
    seeded_neutron: SeededNeutron,
    connect: Connect,
    fault_proxy: FaultProxy,
    kind: FaultKind,
    status: int | None,
    expected: str,
) -> None:
    fault_proxy.inject(kind, "GET", r"^/v2\.0/subnets$", status=status)
    record, gaps = collect_openstack(connect(), project_scope=None)
    assert record.subnets is None and record.ports is not None
    (gap,) = gaps
    assert gap.source == "openstack.subnets" and expected in gap.error


def test_401_is_an_auth_error(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    fault_proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/ports$", status=401)
    with pytest.raises(AuthError) as caught:
        collect_openstack(connect(), project_scope=None)
    assert caught.value.exit_code == ExitCode.UNREACHABLE
    assert "401 Unauthorized" in caught.value.message and caught.value.hint


def test_403_on_every_listing_is_an_auth_error(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    for path in ("networks", "subnets", "routers", "ports", "security-groups"):
        fault_proxy.inject(FaultKind.HTTP_STATUS, "GET", rf"^/v2\.0/{path}$", status=403)
    with pytest.raises(AuthError) as caught:
        collect_openstack(connect(), project_scope=None)
    assert "refuses every networking listing" in caught.value.message


def test_unreachable_endpoint_is_a_collect_error(neutron: str, connect: Connect) -> None:
    # A port held bound but not listening: refused, and no other test can take it meanwhile.
    with refused_port() as port, pytest.raises(CollectError) as caught:
        collect_openstack(
            connect(endpoint=f"http://127.0.0.1:{port}/", timeout_s=2.0), project_scope=None
        )
    assert caught.value.exit_code == ExitCode.UNREACHABLE
    assert "Neutron" in caught.value.message
    assert "network path" in caught.value.hint


def test_a_timeout_on_first_contact_is_unreachable(
    seeded_neutron: SeededNeutron, connect: Connect, fault_proxy: FaultProxy
) -> None:
    fault_proxy.inject(FaultKind.TIMEOUT, "GET", r"^/$", hold_s=10)
    with pytest.raises(CollectError) as caught:
        collect_openstack(connect(timeout_s=1.0), project_scope=None)
    # keystoneauth reports the held discovery GET as a failed version discovery.
    assert "cannot reach Neutron" in caught.value.message


# --------------------------------------------------------------------------- configuration sources


def test_os_environment_variables_make_a_cloud(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    environ = {
        "OS_AUTH_TYPE": "none",
        "OS_NETWORK_ENDPOINT_OVERRIDE": fault_proxy.endpoint,
        "OS_REGION_NAME": "RegionTwo",
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "absent.yaml"),
    }
    conn = open_connection(None, environ=environ, timeout_s=10, config_files=[])
    record, gaps = collect_openstack(conn, project_scope=None)
    assert gaps == () and record.region == "RegionTwo" and record.cloud == "env"
    assert len(record.ports or ()) == 6


def test_os_cloud_and_the_flag_choose_among_clouds(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    clouds = write_clouds(
        tmp_path / "clouds.yaml",
        {
            "good": {"auth_type": "none", "network_endpoint_override": fault_proxy.endpoint},
            "dead": {"auth_type": "none", "network_endpoint_override": "http://127.0.0.1:9/"},
        },
    )
    base = {"OS_CLIENT_CONFIG_FILE": str(clouds)}
    by_env = open_connection(None, environ={**base, "OS_CLOUD": "good"}, timeout_s=5)
    assert collect_openstack(by_env, project_scope=None)[0].cloud == "good"
    by_flag = open_connection("good", environ={**base, "OS_CLOUD": "dead"}, timeout_s=5)
    assert collect_openstack(by_flag, project_scope=None)[0].cloud == "good"
    with pytest.raises(ConfigError) as caught:
        open_connection("nope", environ=base, timeout_s=5)
    assert "cloud 'nope'" in caught.value.message and "--os-cloud" in caught.value.hint


def test_no_configuration_at_all_is_an_auth_error(tmp_path: Path) -> None:
    environ = {"OS_CLIENT_CONFIG_FILE": str(tmp_path / "absent.yaml")}
    with pytest.raises(AuthError) as caught:
        open_connection(None, environ=environ, timeout_s=5, config_files=[])
    assert "no OpenStack credentials found" in caught.value.message
    # the collector names what every command accepts; the CLI adds the running command's way
    # without OpenStack (tests/foundation/test_credential_hints.py)
    assert "--os-cloud NAME" in caught.value.hint and "--no-openstack" not in caught.value.hint
    with pytest.raises(ConfigError) as named:
        open_connection(None, environ={**environ, "OS_CLOUD": "prod"}, timeout_s=5, config_files=[])
    assert named.value.message == "cloud 'prod' (from OS_CLOUD) is not in any clouds.yaml"


@pytest.mark.parametrize("auth_type", ["password", "v3applicationcredential", "token"])
def test_keystone_authentication_scopes_to_the_token_project(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path, auth_type: str
) -> None:
    creds = Credentials()
    with KeystoneDouble(fault_proxy.endpoint, creds) as keystone:
        auth: dict[str, str] = {"auth_url": f"{keystone.url}/v3"}
        if auth_type == "password":
            auth |= {
                "username": creds.username,
                "password": creds.password,
                "project_name": "k8s",
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            }
        elif auth_type == "v3applicationcredential":
            auth |= {
                "application_credential_id": creds.application_credential_id,
                "application_credential_secret": creds.application_credential_secret,
            }
        else:
            auth |= {"token": creds.token, "project_id": creds.project_id}
        clouds = write_clouds(
            tmp_path / "clouds.yaml",
            {"prod": {"auth_type": auth_type, "auth": auth, "region_name": "RegionOne"}},
        )
        conn = open_connection(None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=10)
        project = current_project(conn)
        record, gaps = collect_openstack(conn, project_scope=project)
    assert project == "fake_project_id" and gaps == ()
    assert (record.project_id, record.project_name, record.cloud) == (
        "fake_project_id",
        "k8s",
        "prod",
    )
    assert len([p for p in record.ports or () if p.device_owner == "compute:nova"]) == 4
    assert all(
        "project_id=fake_project_id" in r.query
        for r in fault_proxy.requests()
        if r.path == "/v2.0/ports"
    )


def test_rejected_password_is_an_auth_error_without_the_password(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    with KeystoneDouble(fault_proxy.endpoint) as keystone:
        clouds = write_clouds(
            tmp_path / "clouds.yaml",
            {
                "prod": {
                    "auth_type": "password",
                    "auth": {
                        "auth_url": f"{keystone.url}/v3",
                        "username": "kostack-user",
                        "password": "WRONG-canary-7f3a9",
                        "project_name": "k8s",
                        "user_domain_name": "Default",
                        "project_domain_name": "Default",
                    },
                }
            },
        )
        conn = open_connection(None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=10)
        with pytest.raises(AuthError) as caught:
            current_project(conn)
    text = caught.value.message + caught.value.hint
    assert "rejected the credentials" in text and "WRONG-canary-7f3a9" not in text


def test_unreachable_keystone_is_a_collect_error(tmp_path: Path, neutron: str) -> None:
    with FaultProxy(neutron) as doomed:
        dead = doomed.endpoint
    clouds = write_clouds(
        tmp_path / "clouds.yaml",
        {
            "prod": {
                "auth_type": "password",
                "auth": {
                    "auth_url": f"{dead}v3",
                    "username": "u",
                    "password": "p4ssw0rd-canary",
                    "project_name": "k8s",
                    "user_domain_name": "Default",
                    "project_domain_name": "Default",
                },
            }
        },
    )
    conn = open_connection(None, environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}, timeout_s=3)
    with pytest.raises(CollectError) as caught:
        current_project(conn)
    assert "Keystone" in caught.value.message
    assert "p4ssw0rd-canary" not in caught.value.message


# --------------------------------------------------------------------------- pure helpers


def net(network_type: str | None) -> Network:
    return Network(id="n1", name="k8s-net", network_type=network_type)


@pytest.mark.parametrize(
    ("agents", "networks", "hint", "expected"),
    [
        (
            ["OVN Controller agent", "OVN Metadata agent"],
            [],
            None,
            ("ml2/ovn", "agents list: OVN Controller agent"),
        ),
        (
            ["Open vSwitch agent", "DHCP agent", "L3 agent"],
            [],
            None,
            ("ml2/ovs", "agents list: Open vSwitch agent"),
        ),
        (
            None,
            [net("geneve")],
            None,
            ("ml2/ovn", "network k8s-net is geneve (provider:network_type)"),
        ),
        (None, [net("vxlan")], None, (None, None)),
        ([], None, None, (None, None)),
        # A migration in progress shows both: undecided.
        (["Open vSwitch agent", "OVN Controller agent"], [net("vxlan")], None, (None, None)),
        (None, None, "ml2/ovs", ("ml2/ovs", "--neutron-backend")),
        (
            ["OVN Controller agent"],
            [],
            "ml2/ovs",
            (
                "ml2/ovs",
                "--neutron-backend (the API suggests ml2/ovn: agents list: OVN Controller agent)",
            ),
        ),
    ],
)
def test_detect_backend(
    agents: list[str] | None,
    networks: list[Network] | None,
    hint: Any,
    expected: tuple[str | None, str | None],
) -> None:
    assert detect_backend(agents, networks, hint) == expected


def test_redact_removes_url_credentials_and_known_secrets() -> None:
    text = "cannot reach https://admin:s3cret@keystone.example:5000/v3 with token tok-abcdef"
    out = redact(text, {"tok-abcdef"})
    assert out == "cannot reach https://<redacted>@keystone.example:5000/v3 with token <redacted>"


def test_fault_proxy_status_needs_a_status() -> None:
    proxy = FaultProxy("http://127.0.0.1:9/")
    with pytest.raises(ValueError, match="status="):
        proxy.inject(FaultKind.HTTP_STATUS, "GET", "/")
    with pytest.raises(ValueError, match="400-599"):
        proxy.inject(FaultKind.HTTP_STATUS, "GET", "/", status=200)
    with pytest.raises(ValueError, match="status="):
        proxy.inject(FaultKind.HTTP_500, "GET", "/", status=500)
