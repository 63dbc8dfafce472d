"""Node-to-port matching: providerID, then InternalIP, then MAC; ambiguity is reported."""

from __future__ import annotations

import ipaddress
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.collect.match import match_nodes, node_identity, server_id_from_provider_id
from kostack.model.snapshot import FixedIP, Node, NodeAddress, NodePort, Port
from kostack_testkit.builders import build, seed_doc

NET_A = "net-a"
NET_B = "net-b"


def server(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "test-server/" + name))


def port(
    port_id: str,
    ip: str | None = None,
    *,
    device: str = "",
    network: str = NET_A,
    mac: str | None = None,
    owner: str = "compute:nova",
    extra_ips: tuple[str, ...] = (),
) -> Port:
    ips = [ip, *extra_ips] if ip else list(extra_ips)
    digits = f"{abs(hash(port_id)) % 10**6:06d}"
    return Port(
        id=port_id,
        network_id=network,
        mac_address=mac or "fa:16:3e:" + ":".join(digits[i : i + 2] for i in range(0, 6, 2)),
        fixed_ips=tuple(FixedIP(ip_address=a) for a in ips),  # type: ignore[arg-type]
        device_id=device,
        device_owner=owner,
    )


def node(
    name: str,
    ip: str | None = None,
    *,
    provider_id: str | None = None,
    more_ips: tuple[str, ...] = (),
) -> Node:
    addresses = [NodeAddress(type="InternalIP", address=a) for a in ([ip] if ip else [])]
    addresses += [NodeAddress(type="InternalIP", address=a) for a in more_ips]
    addresses.append(NodeAddress(type="Hostname", address=name))
    return Node(
        name=name,
        internal_ip=ipaddress.ip_address(ip) if ip else None,
        addresses=tuple(addresses),
        provider_id=provider_id,
    )


def one(result: tuple[NodePort, ...], name: str) -> NodePort:
    return next(link for link in result if link.node == name)


# --------------------------------------------------------------------------- providerID parsing


@pytest.mark.parametrize(
    ("provider_id", "expected"),
    [
        (
            "openstack:///6238e89a-6c7d-5173-9d04-9d541ef41c3a",
            "6238e89a-6c7d-5173-9d04-9d541ef41c3a",
        ),
        ("openstack://RegionOne/abc-123", "abc-123"),
        ("openstack://region-two/abc-123", "abc-123"),
        ("  openstack:///abc  ", "abc"),
        ("openstack:///", None),
        ("openstack:///abc/def", None),
        ("openstack://abc", None),
        ("aws:///eu-west-1a/i-0123456789abcdef0", None),
        ("kind://docker/kind/kind-control-plane", None),
        ("", None),
        (None, None),
    ],
)
def test_server_id_from_provider_id(provider_id: str | None, expected: str | None) -> None:
    assert server_id_from_provider_id(provider_id) == expected


# --------------------------------------------------------------------------- the three kinds of evidence


def test_seed_nodes_match_their_ports_by_provider_id() -> None:
    snap = build(seed_doc())
    assert snap.cluster is not None and snap.openstack is not None
    result = match_nodes(snap.cluster.nodes or (), snap.openstack.ports or ())
    assert result == snap.node_ports  # the example's links are exactly what matching gives
    assert all(link.matched_by == "provider_id" and link.note == "" for link in result)


def test_provider_id_with_a_region_matches() -> None:
    ports = [port("p1", "10.0.0.11", device=server("a"))]
    result = match_nodes(
        [node("a", "10.0.0.99", provider_id=f"openstack://RegionOne/{server('a')}")], ports
    )
    assert result == (NodePort(node="a", port_id="p1", matched_by="provider_id"),)


def test_provider_id_wins_over_another_vm_with_the_same_ip_in_another_network() -> None:
    ports = [
        port("mine", "10.0.0.11", device=server("a"), network=NET_A),
        port("theirs", "10.0.0.11", device=server("other-vm"), network=NET_B),
    ]
    result = match_nodes([node("a", "10.0.0.11", provider_id=f"openstack:///{server('a')}")], ports)
    assert one(result, "a").port_id == "mine"
    assert one(result, "a").matched_by == "provider_id"


def test_no_provider_id_matches_by_internal_ip() -> None:
    ports = [port("p1", "10.0.0.11"), port("p2", "10.0.0.12")]
    result = match_nodes([node("a", "10.0.0.12")], ports)
    assert result == (NodePort(node="a", port_id="p2", matched_by="internal_ip"),)


def test_a_foreign_provider_id_is_noted_and_the_ip_used() -> None:
    ports = [port("p1", "10.0.0.11")]
    result = match_nodes([node("a", "10.0.0.11", provider_id="kind://docker/kind/a")], ports)
    link = one(result, "a")
    assert (link.port_id, link.matched_by) == ("p1", "internal_ip")
    assert "'kind://docker/kind/a' is not an OpenStack one" in link.note


def test_provider_id_of_an_unknown_server_falls_back_to_the_ip_and_says_so() -> None:
    ports = [port("p1", "10.0.0.11", device=server("rebuilt"))]
    result = match_nodes(
        [node("a", "10.0.0.11", provider_id=f"openstack:///{server('gone')}")], ports
    )
    link = one(result, "a")
    assert (link.port_id, link.matched_by) == ("p1", "internal_ip")
    assert f"no port has device_id {server('gone')}" in link.note


def test_dual_stack_node_matches_by_its_ipv6_internal_ip() -> None:
    ports = [port("p6", "fd00::11")]
    result = match_nodes([node("a", "10.9.9.9", more_ips=("fd00::11",))], ports)
    assert one(result, "a").port_id == "p6"


def test_mac_is_the_last_resort() -> None:
    ports = [port("p1", "10.0.0.11", mac="fa:16:3e:aa:bb:cc")]
    result = match_nodes([node("a")], ports, macs={"a": ["FA-16-3E-AA-BB-CC"]})
    assert result == (NodePort(node="a", port_id="p1", matched_by="mac"),)


def test_router_and_dhcp_ports_are_never_a_node_nic() -> None:
    ports = [
        port("router-if", "10.0.0.1", owner="network:router_interface"),
        port("dhcp", "10.0.0.2", owner="network:dhcp"),
    ]
    result = match_nodes([node("a", "10.0.0.1"), node("b", "10.0.0.2")], ports)
    assert all(link.port_id is None and link.matched_by is None for link in result)
    assert "no Neutron port has fixed IP 10.0.0.1" in one(result, "a").note


# --------------------------------------------------------------------------- several NICs


def test_server_with_two_nics_uses_the_one_holding_the_internal_ip() -> None:
    ports = [
        port("storage-nic", "192.168.50.11", device=server("a"), network=NET_B),
        port("cluster-nic", "10.0.0.11", device=server("a"), network=NET_A),
    ]
    result = match_nodes([node("a", "10.0.0.11", provider_id=f"openstack:///{server('a')}")], ports)
    link = one(result, "a")
    assert (link.port_id, link.matched_by) == ("cluster-nic", "provider_id")
    assert "has 2 ports" in link.note and "cluster-nic" in link.note


def test_two_ports_of_the_server_on_the_node_network_without_the_ip_are_ambiguous() -> None:
    ports = [
        port("nic-1", "10.0.0.21", device=server("a")),
        port("nic-2", "10.0.0.22", device=server("a")),
    ]
    result = match_nodes([node("a", "10.0.0.11", provider_id=f"openstack:///{server('a')}")], ports)
    link = one(result, "a")
    assert link.port_id is None and link.matched_by is None
    assert "nic-1" in link.note and "nic-2" in link.note
    assert "none holds InternalIP 10.0.0.11" in link.note
    assert "cannot tell which is the node's NIC" in link.note


def test_two_ports_of_the_server_and_no_internal_ip_are_ambiguous() -> None:
    ports = [
        port("nic-1", "10.0.0.21", device=server("a")),
        port("nic-2", "10.0.1.21", device=server("a")),
    ]
    result = match_nodes([node("a", provider_id=f"openstack:///{server('a')}")], ports)
    link = one(result, "a")
    assert link.port_id is None
    assert "the node has no InternalIP to tell them apart" in link.note


def test_two_ports_of_the_server_told_apart_by_mac() -> None:
    ports = [
        port("nic-1", "10.0.0.21", device=server("a"), mac="fa:16:3e:00:00:21"),
        port("nic-2", "10.0.0.22", device=server("a"), mac="fa:16:3e:00:00:22"),
    ]
    result = match_nodes(
        [node("a", provider_id=f"openstack:///{server('a')}")],
        ports,
        macs={"a": ["fa:16:3e:00:00:22"]},
    )
    assert (one(result, "a").port_id, one(result, "a").matched_by) == ("nic-2", "provider_id")


def test_a_port_holding_two_fixed_ips_matches_either() -> None:
    ports = [port("p1", "10.0.0.11", extra_ips=("10.0.0.50",))]
    assert one(match_nodes([node("a", "10.0.0.50")], ports), "a").port_id == "p1"


# --------------------------------------------------------------------------- the same IP in two networks


def test_same_ip_in_two_networks_without_other_evidence_is_ambiguous() -> None:
    ports = [port("pa", "10.0.0.11", network=NET_A), port("pb", "10.0.0.11", network=NET_B)]
    link = one(match_nodes([node("a", "10.0.0.11")], ports), "a")
    assert link.port_id is None and link.matched_by is None
    assert "is a fixed IP of 2 ports (pa, pb) in different networks" in link.note


def test_same_ip_in_two_networks_resolved_by_the_network_holding_every_node() -> None:
    # Two clusters in one project: ours on NET_A (3 nodes), a smaller one on NET_B
    # that reuses 10.0.0.11 only.
    ports = [
        port("a1", "10.0.0.11", network=NET_A),
        port("a2", "10.0.0.12", network=NET_A),
        port("a3", "10.0.0.13", network=NET_A),
        port("b1", "10.0.0.11", network=NET_B),
    ]
    nodes = [node("n1", "10.0.0.11"), node("n2", "10.0.0.12"), node("n3", "10.0.0.13")]
    result = match_nodes(nodes, ports)
    assert [link.port_id for link in result] == ["a1", "a2", "a3"]
    assert all(link.matched_by == "internal_ip" for link in result)
    assert "chose the port on network net-a" in one(result, "n1").note


def test_twin_clusters_with_identical_addressing_stay_ambiguous() -> None:
    ports = [
        port("a1", "10.0.0.11", network=NET_A),
        port("a2", "10.0.0.12", network=NET_A),
        port("b1", "10.0.0.11", network=NET_B),
        port("b2", "10.0.0.12", network=NET_B),
    ]
    result = match_nodes([node("n1", "10.0.0.11"), node("n2", "10.0.0.12")], ports)
    assert all(link.port_id is None and link.matched_by is None for link in result)


def test_same_ip_in_two_networks_told_apart_by_system_uuid() -> None:
    ports = [
        port("pa", "10.0.0.11", network=NET_A, device=server("a")),
        port("pb", "10.0.0.11", network=NET_B, device=server("other")),
    ]
    result = match_nodes([node("a", "10.0.0.11")], ports, system_uuids={"a": server("a").upper()})
    link = one(result, "a")
    assert (link.port_id, link.matched_by) == ("pa", "internal_ip")
    assert "system UUID" in link.note


def test_mac_ambiguity_is_reported() -> None:
    mac = "fa:16:3e:00:00:99"
    ports = [
        port("pa", "10.0.0.11", network=NET_A, mac=mac),
        port("pb", "10.1.0.11", network=NET_B, mac=mac),
    ]
    link = one(match_nodes([node("a")], ports, macs={"a": [mac]}), "a")
    assert link.port_id is None
    assert "belongs to 2 ports" in link.note


# --------------------------------------------------------------------------- missing and conflicting


def test_nothing_matches_and_the_note_says_what_was_looked_for() -> None:
    ports = [port("p1", "10.0.0.11", device=server("x"))]
    link = one(
        match_nodes(
            [node("a", "10.0.0.77", provider_id=f"openstack:///{server('a')}")],
            ports,
            macs={"a": ["fa:16:3e:12:34:56"]},
        ),
        "a",
    )
    assert (link.port_id, link.matched_by) == (None, None)
    assert link.note_key is not None  # the note keeps the message it was said with
    assert f"device_id {server('a')}" in link.note
    assert "fixed IP 10.0.0.77" in link.note
    assert "MAC fa:16:3e:12:34:56" in link.note


def test_a_node_with_no_identity_at_all() -> None:
    link = one(match_nodes([node("bare")], [port("p1", "10.0.0.11")]), "bare")
    assert link.port_id is None
    assert "no providerID, InternalIP or known MAC" in link.note


def test_no_ports_at_all() -> None:
    result = match_nodes([node("a", "10.0.0.11")], [])
    assert one(result, "a").port_id is None


def test_two_nodes_claiming_one_port_by_ip_get_neither() -> None:
    ports = [port("p1", "10.0.0.11")]
    result = match_nodes([node("a", "10.0.0.11"), node("b", "10.0.0.11")], ports)
    assert all(link.port_id is None for link in result)
    assert "also claimed by node b" in one(result, "a").note


def test_provider_id_claim_beats_an_ip_claim_on_the_same_port() -> None:
    ports = [port("p1", "10.0.0.11", device=server("a"))]
    result = match_nodes(
        [node("a", "10.0.0.50", provider_id=f"openstack:///{server('a')}"), node("b", "10.0.0.11")],
        ports,
    )
    assert (one(result, "a").port_id, one(result, "a").matched_by) == ("p1", "provider_id")
    assert one(result, "b").port_id is None
    assert "by providerID, which wins" in one(result, "b").note


def test_node_identity_collects_every_internal_ip_once() -> None:
    ident = node_identity(node("a", "10.0.0.11", more_ips=("10.0.0.11", "fd00::1", "not-an-ip")))
    assert [str(ip) for ip in ident.internal_ips] == ["10.0.0.11", "fd00::1"]


# --------------------------------------------------------------------------- what depends on a missing match


def test_an_unmatched_node_makes_its_checks_unknown_not_pass() -> None:
    snap = build(seed_doc())
    assert snap.cluster is not None and snap.openstack is not None and snap.cluster.nodes
    nodes = list(snap.cluster.nodes)
    # k8s-w-3 lost its providerID and reports an IP no port has.
    nodes[3] = nodes[3].model_copy(
        update={
            "provider_id": None,
            "internal_ip": ipaddress.ip_address("10.0.0.99"),
            "addresses": (),
        }
    )
    cluster = snap.cluster.model_copy(update={"nodes": tuple(nodes)})
    links = match_nodes(cluster.nodes or (), snap.openstack.ports or ())
    assert one(links, "k8s-w-3").port_id is None
    changed = snap.model_copy(update={"cluster": cluster, "node_ports": links})
    result = diagnose(changed)
    match_findings = [f for f in result.findings if f.check_id == "inv-node-port-match"]
    assert [f.status for f in match_findings] == [Status.FAIL]
    assert "k8s-w-3" in match_findings[0].message
    assert "no Neutron port has fixed IP 10.0.0.99" in match_findings[0].message
    unknown = [
        f
        for f in result.findings
        if f.check_id == "net-pod-src-antispoof" and f.status == Status.UNKNOWN
    ]
    assert any("k8s-w-3" in f.message for f in unknown)
    passed_for_w3 = [
        f
        for f in result.findings
        if f.check_id == "net-pod-src-antispoof"
        and f.status == Status.PASS
        and "k8s-w-3" in f.message
    ]
    assert passed_for_w3 == []


# --------------------------------------------------------------------------- properties


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[Node], list[Port]]:
    n_nodes = draw(st.integers(1, 5))
    n_ports = draw(st.integers(0, 7))
    ips = [f"10.0.0.{i}" for i in range(11, 16)]
    servers = [server(f"s{i}") for i in range(5)]
    ports = [
        port(
            f"p{i}",
            draw(st.sampled_from(ips)),
            device=draw(st.sampled_from([*servers, ""])),
            network=draw(st.sampled_from([NET_A, NET_B])),
        )
        for i in range(n_ports)
    ]
    nodes = [
        node(
            f"n{i}",
            draw(st.one_of(st.none(), st.sampled_from(ips))),
            provider_id=draw(
                st.one_of(st.none(), st.sampled_from([f"openstack:///{s}" for s in servers]))
            ),
        )
        for i in range(n_nodes)
    ]
    return nodes, ports


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_matching_never_gives_one_port_to_two_nodes_and_always_explains(
    case: tuple[list[Node], list[Port]],
) -> None:
    nodes, ports = case
    result = match_nodes(nodes, ports)
    assert [link.node for link in result] == [n.name for n in nodes]
    matched = [link.port_id for link in result if link.port_id is not None]
    assert len(matched) == len(set(matched))
    by_id = {p.id: p for p in ports}
    for link, n in zip(result, nodes, strict=True):
        if link.port_id is None:
            assert link.matched_by is None and link.note
            continue
        p = by_id[link.port_id]
        if link.matched_by == "provider_id":
            assert server_id_from_provider_id(n.provider_id) == p.device_id
        else:
            assert link.matched_by == "internal_ip"
            assert any(f.ip_address == n.internal_ip for f in p.fixed_ips)
