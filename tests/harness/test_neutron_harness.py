"""Pin the real Neutron 29 behaviours kostack relies on, and the harness itself.

Everything here runs against the real Neutron API server of the session
(`neutron_harness`); nothing is mocked. When one of these fails after a
Neutron upgrade, the checks and fix plans built on that behaviour need a look.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from openstack import exceptions as sdk_exceptions

from kostack_lab.neutron import openstack_connection
from kostack_lab.seed import node_device_id, node_mac, node_names, subnet_for
from kostack_testkit.k8s_fixtures import seed_device_id
from kostack_testkit.neutron_harness import NeutronHarness

if TYPE_CHECKING:
    from conftest_neutron import OpenstackCli, SeededNeutron, Seeder

    from kostack_testkit.faultproxy import FaultProxy

pytestmark = pytest.mark.neutron

POD_CIDR = "10.244.0.0/16"


def neutron_error(exc: sdk_exceptions.HttpException) -> tuple[int | None, str]:
    """(HTTP status, NeutronError type) of a failed SDK call."""
    assert exc.response is not None
    return exc.status_code, exc.response.json()["NeutronError"]["type"]


def response_text(exc: sdk_exceptions.HttpException) -> str:
    assert exc.response is not None
    return str(exc.response.text)


def rule_shapes(group: Any) -> set[tuple[Any, ...]]:
    return {
        (
            r["direction"],
            r["ethertype"],
            r["protocol"],
            r["port_range_min"],
            r["port_range_max"],
            r["remote_ip_prefix"],
            r["remote_group_id"],
        )
        for r in group.security_group_rules
    }


# -- the seeded topology -----------------------------------------------------


def test_seed_creates_the_incident_topology(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    ids = seeded_neutron.ids

    public = conn.network.get_network(ids.public_network_id)
    assert (public.name, public.is_router_external) == ("public", True)
    assert public.provider_network_type == "flat"
    assert conn.network.get_subnet(ids.public_subnet_id).cidr == "203.0.113.0/24"

    network = conn.network.get_network(ids.network_id)
    assert network.name == "k8s-net"
    assert (network.provider_network_type, network.mtu) == ("vxlan", 1450)
    assert network.is_port_security_enabled is True
    subnet = conn.network.get_subnet(ids.subnet_id)
    assert subnet.name == "k8s-subnet"
    assert (subnet.cidr, subnet.gateway_ip) == ("10.0.0.0/24", "10.0.0.1")

    router = conn.network.get_router(ids.router_id)
    assert router.name == "k8s-router"
    assert router.external_gateway_info["network_id"] == ids.public_network_id
    interfaces = list(conn.network.ports(device_id=ids.router_id))
    assert {p.device_owner for p in interfaces} == {
        "network:router_gateway",
        "network:router_interface",
    }
    inside = [p for p in interfaces if p.device_owner == "network:router_interface"]
    assert [ip["ip_address"] for p in inside for ip in p.fixed_ips] == ["10.0.0.1"]
    assert [p.mac_address for p in inside] == ["fa:16:3e:00:00:01"]
    assert [p.id for p in inside] == list(ids.router_interface_port_ids)

    expected = {
        "k8s-cp-1": ("10.0.0.11", "fa:16:3e:00:00:11"),
        "k8s-w-1": ("10.0.0.12", "fa:16:3e:00:00:12"),
        "k8s-w-2": ("10.0.0.13", "fa:16:3e:00:00:13"),
        "k8s-w-3": ("10.0.0.14", "fa:16:3e:00:00:14"),
    }
    assert set(ids.port_ids) == set(expected)
    for name, (ip, mac) in expected.items():
        port = conn.network.get_port(ids.port_ids[name])
        assert port.name == name
        assert [f["ip_address"] for f in port.fixed_ips] == [ip]
        assert port.mac_address == mac
        assert port.is_port_security_enabled is True
        assert set(port.security_group_ids) == {ids.default_sg_id, ids.nodes_sg_id}
        assert port.allowed_address_pairs == []
        assert port.device_owner == "compute:nova"
        assert port.device_id == ids.device_ids[name] == node_device_id(name)
        assert port.device_id == seed_device_id(name)  # the Kubernetes side's providerID
        assert ids.node(name).provider_id == f"openstack:///{port.device_id}"


def test_default_group_gets_neutrons_template_rules(seeded_neutron: SeededNeutron) -> None:
    """The four template rows of migration c33da356b165 are in place."""
    conn = openstack_connection(seeded_neutron.endpoint)
    default = conn.network.get_security_group(seeded_neutron.ids.default_sg_id)
    assert default.name == "default"
    assert rule_shapes(default) == {
        ("egress", "IPv4", None, None, None, None, None),
        ("egress", "IPv6", None, None, None, None, None),
        ("ingress", "IPv4", None, None, None, None, default.id),
        ("ingress", "IPv6", None, None, None, None, default.id),
    }


def test_new_group_gets_egress_rules_and_the_seeded_ingress(
    seeded_neutron: SeededNeutron,
) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    nodes_sg = conn.network.get_security_group(seeded_neutron.ids.nodes_sg_id)
    assert nodes_sg.name == "k8s-nodes"
    assert rule_shapes(nodes_sg) == {
        ("egress", "IPv4", None, None, None, None, None),
        ("egress", "IPv6", None, None, None, None, None),
        ("ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0", None),
        ("ingress", "IPv4", "tcp", 6443, 6443, "0.0.0.0/0", None),
        ("ingress", "IPv4", "icmp", None, None, "0.0.0.0/0", None),
    }
    brand_new = conn.network.create_security_group(name="brand-new")
    assert rule_shapes(brand_new) == {
        ("egress", "IPv4", None, None, None, None, None),
        ("egress", "IPv6", None, None, None, None, None),
    }


def test_seed_variant_with_a_second_subnet(neutron_seeder: Seeder, neutron: str) -> None:
    ids = neutron_seeder(6, second_subnet_nodes=2)
    conn = openstack_connection(neutron)
    assert ids.second_subnet_id is not None
    second = conn.network.get_subnet(ids.second_subnet_id)
    assert (second.name, second.cidr, second.network_id) == (
        "k8s-subnet-2",
        "10.1.0.0/24",
        ids.network_id,
    )
    assert [n.name for n in ids.nodes] == list(node_names(6))
    assert [n.ip_address for n in ids.nodes] == [
        "10.0.0.11",
        "10.0.0.12",
        "10.0.0.13",
        "10.0.0.14",
        "10.1.0.11",
        "10.1.0.12",
    ]
    assert ids.node("k8s-w-4").mac_address == "fa:16:3e:01:00:11"
    routers = [
        openstack_connection(neutron).network.get_port(p) for p in ids.router_interface_port_ids
    ]
    assert [(p.fixed_ips[0]["ip_address"], p.mac_address) for p in routers] == [
        ("10.0.0.1", "fa:16:3e:00:00:01"),
        ("10.1.0.1", "fa:16:3e:01:00:01"),
    ]


def test_seeder_restores_its_snapshot_with_the_same_ids(
    neutron_seeder: Seeder, neutron: str
) -> None:
    first = neutron_seeder()
    conn = openstack_connection(neutron)
    port_id = first.port_ids["k8s-w-1"]
    conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])
    conn.network.create_network(name="stray")

    again = neutron_seeder()

    assert again == first
    restored = conn.network.get_port(port_id)
    assert restored.allowed_address_pairs == []
    assert {n.name for n in conn.network.networks()} == {"public", "k8s-net"}


def test_node_naming_and_addressing_helpers() -> None:
    assert node_names(4) == ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")
    for name in ("k8s-cp-1", "k8s-w-1", "k8s-w-199"):
        assert node_device_id(name) == seed_device_id(name)
    assert node_mac(11) == "fa:16:3e:00:00:11"
    assert node_mac(210) == "fa:16:3e:00:02:10"
    assert node_mac(12, subnet_index=1) == "fa:16:3e:01:00:12"
    assert str(subnet_for(4)) == "10.0.0.0/24"
    assert str(subnet_for(200)) == "10.0.0.0/24"  # .11 .. .210
    assert str(subnet_for(244)) == "10.0.0.0/24"  # last is .254
    assert str(subnet_for(245)) == "10.0.0.0/23"
    assert str(subnet_for(1000)) == "10.0.0.0/22"
    with pytest.raises(ValueError):
        subnet_for(70_000)


# -- port security behaviours (docs/facts.md section 2) -------------------------------------


def test_allowed_pair_accepts_a_cidr(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    port = conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])
    # The pair's MAC defaults to the port's own MAC.
    assert port.allowed_address_pairs == [
        {"ip_address": POD_CIDR, "mac_address": "fa:16:3e:00:00:12"}
    ]


def test_allowed_pair_with_a_slash_33_is_rejected(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    with pytest.raises(sdk_exceptions.BadRequestException) as caught:
        conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/33"}])
    assert neutron_error(caught.value) == (400, "HTTPBadRequest")
    assert "is not a valid IP subnet" in response_text(caught.value)
    assert conn.network.get_port(port_id).allowed_address_pairs == []


def test_disabling_port_security_with_a_group_attached_is_409(
    seeded_neutron: SeededNeutron,
) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.network.update_port(port_id, port_security_enabled=False)
    assert neutron_error(caught.value) == (409, "PortSecurityPortHasSecurityGroup")
    assert conn.network.get_port(port_id).is_port_security_enabled is True


def test_disabling_port_security_with_a_pair_set_is_409(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])
    # Groups are removed in the same PUT: the pair alone is what Neutron refuses.
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.network.update_port(port_id, port_security_enabled=False, security_group_ids=[])
    assert neutron_error(caught.value) == (409, "AddressPairAndPortSecurityRequired")
    # With both a group and a pair in the way, the pair is reported.
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.network.update_port(port_id, port_security_enabled=False)
    assert neutron_error(caught.value) == (409, "AddressPairAndPortSecurityRequired")


def test_one_put_disables_and_re_enabling_restores_nothing(
    seeded_neutron: SeededNeutron,
) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-2"]
    conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])

    disabled = conn.network.update_port(
        port_id, port_security_enabled=False, security_group_ids=[], allowed_address_pairs=[]
    )
    assert disabled.is_port_security_enabled is False
    assert (disabled.security_group_ids, disabled.allowed_address_pairs) == ([], [])

    enabled = conn.network.update_port(port_id, port_security_enabled=True)
    assert enabled.is_port_security_enabled is True
    assert (enabled.security_group_ids, enabled.allowed_address_pairs) == ([], [])


def test_adding_a_group_to_a_port_without_port_security_is_400(
    seeded_neutron: SeededNeutron,
) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    ids = seeded_neutron.ids
    port_id = ids.port_ids["k8s-w-3"]
    conn.network.update_port(port_id, port_security_enabled=False, security_group_ids=[])
    with pytest.raises(sdk_exceptions.BadRequestException) as caught:
        conn.network.update_port(port_id, security_group_ids=[ids.nodes_sg_id])
    assert neutron_error(caught.value) == (400, "PortSecurityAndIPRequiredForSecurityGroups")


def test_stale_revision_is_refused_with_412(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    revision = conn.network.get_port(port_id).revision_number

    updated = conn.network.update_port(
        port_id, if_revision=revision, allowed_address_pairs=[{"ip_address": POD_CIDR}]
    )
    assert updated.revision_number == revision + 1

    with pytest.raises(sdk_exceptions.PreconditionFailedException) as caught:
        conn.network.update_port(port_id, if_revision=revision, allowed_address_pairs=[])
    assert neutron_error(caught.value) == (412, "RevisionNumberConstraintFailed")
    assert f"Constrained to {revision}, but current revision is {revision + 1}" in (
        response_text(caught.value)
    )
    after = conn.network.get_port(port_id)
    assert after.revision_number == revision + 1
    assert [p["ip_address"] for p in after.allowed_address_pairs] == [POD_CIDR]


@pytest.mark.parametrize(("first", "second"), [("ipip", "4"), ("4", "ipip")])
def test_ipip_and_4_are_the_same_rule(
    seeded_neutron: SeededNeutron, first: str, second: str
) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    sg_id = seeded_neutron.ids.nodes_sg_id
    rule = conn.network.create_security_group_rule(
        security_group_id=sg_id,
        direction="ingress",
        ether_type="IPv4",
        protocol=first,
        remote_group_id=sg_id,
    )
    assert rule.protocol == first  # stored as given
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.network.create_security_group_rule(
            security_group_id=sg_id,
            direction="ingress",
            ether_type="IPv4",
            protocol=second,
            remote_group_id=sg_id,
        )
    assert neutron_error(caught.value) == (409, "SecurityGroupRuleExists")
    assert rule.id in response_text(caught.value)


def test_filtered_port_list_is_one_get(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy
) -> None:
    conn = openstack_connection(fault_proxy.endpoint)
    ids = seeded_neutron.ids
    ports = list(
        conn.network.ports(
            network_id=ids.network_id,
            device_owner="compute:nova",
            security_group_ids=[ids.default_sg_id, ids.nodes_sg_id],
        )
    )
    assert {p.name for p in ports} == set(ids.port_ids)
    assert fault_proxy.count("GET", r"^/v2\.0/ports$") == 1
    # The only other request is openstacksdk's one-off version discovery.
    assert fault_proxy.count("*", r"^/v2\.0/") == 1
    assert len(fault_proxy.requests()) == 2


# -- the openstack CLI against the harness ---------------------------------------------


def test_cli_sets_a_cidr_allowed_address(
    seeded_neutron: SeededNeutron, openstack_cli: OpenstackCli
) -> None:
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    openstack_cli("port", "set", "--allowed-address", f"ip-address={POD_CIDR}", port_id)
    conn = openstack_connection(seeded_neutron.endpoint)
    assert conn.network.get_port(port_id).allowed_address_pairs == [
        {"ip_address": POD_CIDR, "mac_address": "fa:16:3e:00:00:12"}
    ]


def test_cli_disables_port_security_in_one_put(
    seeded_neutron: SeededNeutron, openstack_cli: OpenstackCli, fault_proxy: FaultProxy
) -> None:
    port_id = seeded_neutron.ids.port_ids["k8s-w-2"]
    conn = openstack_connection(seeded_neutron.endpoint)
    conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])

    openstack_cli(
        "port",
        "set",
        "--no-security-group",
        "--disable-port-security",
        "--no-allowed-address",
        port_id,
        endpoint=fault_proxy.endpoint,
    )
    assert fault_proxy.count("PUT", rf"^/v2\.0/ports/{port_id}$") == 1
    port = conn.network.get_port(port_id)
    assert port.is_port_security_enabled is False
    assert (port.security_group_ids, port.allowed_address_pairs) == ([], [])


def test_cli_creates_ipip_and_vxlan_rules(
    seeded_neutron: SeededNeutron, openstack_cli: OpenstackCli
) -> None:
    sg_id = seeded_neutron.ids.nodes_sg_id
    openstack_cli(
        "security", "group", "rule", "create", "--ingress", "--protocol", "4",
        "--remote-group", sg_id, sg_id,
    )  # fmt: skip
    openstack_cli(
        "security", "group", "rule", "create", "--ingress", "--protocol", "udp",
        "--dst-port", "4789", "--remote-group", sg_id, sg_id,
    )  # fmt: skip
    duplicate = openstack_cli(
        "security", "group", "rule", "create", "--ingress", "--protocol", "ipip",
        "--remote-group", sg_id, sg_id, check=False,
    )  # fmt: skip
    assert duplicate.returncode != 0
    assert "already exists" in duplicate.stderr

    conn = openstack_connection(seeded_neutron.endpoint)
    rules = rule_shapes(conn.network.get_security_group(sg_id))
    assert ("ingress", "IPv4", "4", None, None, None, sg_id) in rules
    assert ("ingress", "IPv4", "udp", 4789, 4789, None, sg_id) in rules


# -- the harness ------------------------------------------------------------------------


def test_reset_empties_the_cloud(neutron_harness: NeutronHarness, openstack_conn: Any) -> None:
    network = openstack_conn.network.create_network(name="left-over")
    default_before = next(iter(openstack_conn.network.security_groups(name="default")))

    # how fast it is: benchmarks, not here (a timed assert flakes under load)
    server_seconds = neutron_harness.reset()

    assert server_seconds > 0  # the server did the reset, and says how long it took
    assert list(openstack_conn.network.networks()) == []
    assert openstack_conn.network.find_network(network.id) is None
    # Neutron makes a new `default` group on the next request, as for a new project.
    default_after = next(iter(openstack_conn.network.security_groups(name="default")))
    assert default_after.id != default_before.id
    assert len(default_after.security_group_rules) == 4


def test_restart_keeps_the_database_and_the_endpoint(
    neutron_harness: NeutronHarness, neutron: str
) -> None:
    conn = openstack_connection(neutron)
    network = conn.network.create_network(name="survives")
    old_pid = neutron_harness.pid

    endpoint = neutron_harness.restart()

    assert endpoint == neutron
    assert neutron_harness.pid != old_pid
    assert not _alive(old_pid)
    assert openstack_connection(endpoint).network.get_network(network.id).name == "survives"


def test_killed_neutron_comes_back_with_its_data(
    neutron_harness: NeutronHarness, neutron: str, fault_proxy: FaultProxy
) -> None:
    """A crash mid-apply: the proxy answers 502 while Neutron is down."""
    conn = openstack_connection(fault_proxy.endpoint)
    network = conn.network.create_network(name="before-crash")
    old_pid = neutron_harness.pid

    neutron_harness.kill()
    assert not _alive(old_pid)
    with pytest.raises(sdk_exceptions.HttpException) as caught:
        conn.network.create_network(name="during-crash")
    assert caught.value.status_code == 502

    neutron_harness.ensure_running()
    names = {n.name for n in conn.network.networks()}
    assert names == {network.name}


def test_stop_leaves_nothing_running(neutron_harness: NeutronHarness) -> None:
    """A second, private harness: started, answering, stopped, gone."""
    harness = NeutronHarness()
    with harness:
        assert harness.last_start_seconds is not None
        pid = harness.pid
        assert harness.endpoint != neutron_harness.endpoint
        assert list(openstack_connection(harness.endpoint).network.networks()) == []
        assert harness.rss_bytes() > 50 * 2**20
        state_dir = harness.state_dir
    assert not harness.running
    assert harness.last_returncode == 0  # SIGTERM is a clean exit
    assert not _alive(pid)
    assert not state_dir.exists()  # a temporary state dir goes with the harness


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_agent_based_l3_plugin_lists_dvr_and_no_ovn_only_extension(
    seeded_neutron: SeededNeutron,
) -> None:
    """The non-admin signal engine/cases.py relies on, on a real Neutron (service plugin
    `router`, the agent-based L3RouterPlugin): `dvr` is listed, none of the aliases only the
    OVN L3 plugin loads, so the engine does not take this cloud for ML2/OVN."""
    from kostack.analyze.engine.cases import AGENT_L3_EXTENSIONS, OVN_ONLY_EXTENSIONS

    conn = openstack_connection(seeded_neutron.endpoint)
    aliases = {e["alias"] for e in conn.network.get("/extensions").json()["extensions"]}
    assert aliases >= AGENT_L3_EXTENSIONS
    assert not OVN_ONLY_EXTENSIONS & aliases
    assert {"allowed-address-pairs", "port-security", "security-group"} <= aliases
