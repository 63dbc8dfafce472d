"""Dual-stack objects as the readers see them: podIPs, clusterIPs, ipFamilies, per-family
node addresses, Neutron IPv6 subnets, and the CNIs' IPv6 keys (docs/snapshot.md)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from kostack.collect._cni_cilium import parse_cilium
from kostack.collect._cni_flannel import parse_flannel
from kostack.collect._kube_objects import Notes, parse_node, parse_pod, parse_service
from kostack.collect._neutron_records import subnet_record as _subnet


def _pod(status: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "default", "name": "web-0"},
        "spec": {"nodeName": "k8s-w-1"},
        "status": {"phase": "Running", **status},
    }


def test_pod_ips_one_per_family_primary_first() -> None:
    notes = Notes()
    pod = parse_pod(
        _pod(
            {
                "podIP": "10.244.1.5",
                "podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00:10:244:1::5"}],
            }
        ),
        notes,
    )
    assert pod is not None and not notes.skipped
    assert [str(ip) for ip in pod.addresses] == ["10.244.1.5", "fd00:10:244:1::5"]


def test_pod_ips_that_break_the_rule_are_noted_and_dropped() -> None:
    for bad in (
        [{"ip": "10.244.1.5"}, {"ip": "10.244.1.6"}],  # two of one family
        [{"ip": "fd00:10:244:1::5"}, {"ip": "10.244.1.5"}],  # primary not first
        [{"ip": "10.244.1.5"}, {"ip": "not-an-ip"}],
    ):
        notes = Notes()
        pod = parse_pod(_pod({"podIP": "10.244.1.5", "podIPs": bad}), notes)
        assert (
            pod is not None and pod.ips == () and [str(a) for a in pod.addresses] == ["10.244.1.5"]
        )
        assert "podIPs" in notes.skipped["cluster.pods"][0]


def test_single_stack_pod_has_its_one_address() -> None:
    pod = parse_pod(
        _pod({"podIP": "fd00:10:244:1::7", "podIPs": [{"ip": "fd00:10:244:1::7"}]}), Notes()
    )
    assert pod is not None and [str(a) for a in pod.addresses] == ["fd00:10:244:1::7"]


def test_dual_stack_service() -> None:
    notes = Notes()
    obj = {
        "metadata": {"namespace": "shop", "name": "web"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "fd00:10:96::a",
            "clusterIPs": ["fd00:10:96::a", "10.96.0.10"],
            "ipFamilies": ["IPv6", "IPv4"],
            "ipFamilyPolicy": "RequireDualStack",
            "ports": [{"port": 80, "protocol": "TCP"}],
        },
    }
    svc = parse_service(obj, None, notes)
    assert svc is not None and not notes.skipped
    assert [str(a) for a in svc.cluster_addresses] == ["fd00:10:96::a", "10.96.0.10"]
    assert svc.ip_families == ("IPv6", "IPv4") and svc.ip_family_policy == "RequireDualStack"


def test_headless_service_has_no_cluster_ips() -> None:
    obj = {
        "metadata": {"namespace": "db", "name": "pg"},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ipFamilyPolicy": "SingleStack"},
    }
    svc = parse_service(obj, None, Notes())
    assert svc is not None and svc.cluster_addresses == () and svc.ip_family_policy == "SingleStack"


def test_node_addresses_per_family() -> None:
    obj = {
        "metadata": {"name": "k8s-w-1", "labels": {}},
        "spec": {"podCIDRs": ["10.244.1.0/24", "fd00:10:244:1::/64"]},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": "10.0.0.11"},
                {"type": "InternalIP", "address": "fd00:0:0:1::11"},
                {"type": "Hostname", "address": "k8s-w-1"},
            ]
        },
    }
    parsed = parse_node(obj, Notes())
    assert parsed is not None
    node = parsed.node
    assert [str(ip) for ip in node.internal_ips] == ["10.0.0.11", "fd00:0:0:1::11"]
    assert [c.version for c in node.pod_cidrs] == [4, 6]


def test_neutron_ipv6_subnet() -> None:
    subnet = _subnet(
        {
            "id": "s6",
            "network_id": "n1",
            "cidr": "fd00:0:0:1::/64",
            "gateway_ip": "fd00:0:0:1::1",
            "ip_version": 6,
            "ipv6_ra_mode": "slaac",
            "ipv6_address_mode": "slaac",
            "enable_dhcp": True,
        }
    )
    assert (subnet.ip_version, subnet.ipv6_ra_mode, subnet.ipv6_address_mode) == (
        6,
        "slaac",
        "slaac",
    )
    v4 = _subnet(
        {
            "id": "s4",
            "network_id": "n1",
            "cidr": "10.0.0.0/24",
            "ip_version": 4,
            "ipv6_ra_mode": None,
            "ipv6_address_mode": None,
        }
    )
    assert v4.ip_version == 4 and v4.ipv6_ra_mode is None


def test_flannel_dual_stack() -> None:
    conf = {
        "Network": "10.244.0.0/16",
        "EnableIPv6": True,
        "IPv6Network": "fd00:10:244::/56",
        "Backend": {"Type": "vxlan"},
    }
    flannel = parse_flannel(
        {"data": {"net-conf.json": json.dumps(conf)}}, ip_masq=True, linux_only=True, notes=Notes()
    )
    assert flannel is not None and flannel.enable_ipv6 and flannel.ipv6_subnet_len == 64
    assert [str(n) for n in flannel.networks] == ["10.244.0.0/16", "fd00:10:244::/56"]
    v4_only = parse_flannel(
        {"data": {"net-conf.json": json.dumps({**conf, "EnableIPv6": False})}},
        ip_masq=True,
        linux_only=True,
        notes=Notes(),
    )
    assert v4_only is not None and [str(n) for n in v4_only.networks] == ["10.244.0.0/16"]


def test_cilium_dual_stack() -> None:
    settings = parse_cilium(
        {
            "data": {
                "enable-ipv6": "true",
                "routing-mode": "native",
                "ipv4-native-routing-cidr": "10.244.0.0/16",
                "ipv6-native-routing-cidr": "fd00:10:244::/56",
                "cluster-pool-ipv4-cidr": "10.244.0.0/16",
                "cluster-pool-ipv6-cidr": "fd00:10:244::/56",
            }
        },
        Notes(),
    )
    cilium = settings.cilium
    assert cilium.enable_ipv4 is True and cilium.enable_ipv6 is True
    assert cilium.native_routing_cidr_v6 == ipaddress.ip_network("fd00:10:244::/56")
    assert {c.version for c in cilium.cluster_pool_cidrs} == {4, 6}
    assert parse_cilium({"data": {}}, Notes()).cilium.enable_ipv6 is False


def test_cilium_underlay_protocol() -> None:
    """cilium-config underlay-protocol (Cilium 1.17+): kept as written, absent is None (the
    engine reads IPv4), anything else is skipped with a note."""
    for text, want in (("ipv6", "ipv6"), ("IPv4", "ipv4"), ("auto", "auto"), ("", None)):
        got = parse_cilium({"data": {"underlay-protocol": text}}, Notes()).cilium
        assert got.underlay_protocol == want, text
    assert parse_cilium({"data": {}}, Notes()).cilium.underlay_protocol is None
    notes = Notes()
    assert (
        parse_cilium({"data": {"underlay-protocol": "ipx"}}, notes).cilium.underlay_protocol is None
    )
    assert any("underlay-protocol 'ipx'" in s for v in notes.skipped.values() for s in v)
