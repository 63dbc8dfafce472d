"""The pod MTU per CNI, auto-detection included, and what net-mtu decides from it.

The seed project's tenant network has MTU 1450 and its nodes share one subnet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.topology import Topology
from kostack_testkit.builders import add_pairs, build, seed_doc

Doc = dict[str, Any]


def doc_with(cni: Doc, *, pairs: bool = True) -> Doc:
    doc = seed_doc()
    doc["cluster"]["cni"] = cni
    if pairs:
        add_pairs(doc, ["10.244.0.0/16"])
    return doc


def calico(mtu: int | None, auto: bool | None, ipip: str, vxlan: str, **extra: Any) -> Doc:
    pool = {"name": "p", "cidr": "10.244.0.0/16", "ipip_mode": ipip, "vxlan_mode": vxlan}
    return {
        "type": "calico",
        "calico": {
            "install_method": "manifest",
            "ip_pools": [pool],
            "blocks": [],
            "mtu": mtu,
            "mtu_source": "ConfigMap kube-system/calico-config veth_mtu" if mtu else None,
            "mtu_auto": auto,
            "wireguard": extra.pop("wireguard", False),
            **extra,
        },
    }


def flannel(backend: str, mtu: int | None, auto: bool | None) -> Doc:
    return {
        "type": "flannel",
        "flannel": {
            "network": "10.244.0.0/16",
            "backend_type": backend,
            "mtu": mtu,
            "mtu_auto": auto,
            "kube_subnet_mgr": True,
        },
    }


def cilium(mode: str, mtu: int | None, auto: bool | None, **extra: Any) -> Doc:
    return {
        "type": "cilium",
        "cilium": {
            "routing_mode": mode,
            "tunnel_protocol": "vxlan" if mode == "tunnel" else None,
            "mtu": mtu,
            "mtu_auto": auto,
            "wireguard": extra.pop("wireguard", False),
            "ipam_mode": "kubernetes",
            **extra,
        },
    }


def mtu_findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-mtu"]


CASES: dict[str, tuple[Callable[[], Doc], int | None, Status]] = {
    # Calico: a configured value IS the pod MTU; "0"/unset: host MTU - the largest overhead.
    "calico-auto-ipip": (lambda: calico(None, True, "Always", "Never"), 1430, Status.PASS),
    "calico-auto-vxlan": (lambda: calico(None, True, "Never", "Always"), 1400, Status.PASS),
    "calico-auto-none": (lambda: calico(None, True, "Never", "Never"), 1450, Status.PASS),
    "calico-auto-wireguard": (
        lambda: calico(None, True, "Never", "CrossSubnet", wireguard=True),
        1390,
        Status.PASS,
    ),
    "calico-1500-vxlan": (lambda: calico(1500, False, "Never", "Always"), 1500, Status.FAIL),
    "calico-1450-ipip": (lambda: calico(1450, False, "Always", "Never"), 1450, Status.FAIL),
    "calico-1430-ipip": (lambda: calico(1430, False, "Always", "Never"), 1430, Status.PASS),
    # Felix's own MTU for one encapsulation, the other detected: the smaller one wins.
    "calico-felix-partial": (lambda: calico(1300, True, "Always", "Never"), 1300, Status.PASS),
    "calico-unread": (lambda: calico(None, None, "Always", "Never"), None, Status.UNKNOWN),
    # Flannel: Backend.MTU replaces the interface MTU; pods get it minus the backend overhead.
    "flannel-auto-vxlan": (lambda: flannel("vxlan", None, True), 1400, Status.PASS),
    "flannel-auto-host-gw": (lambda: flannel("host-gw", None, True), 1450, Status.PASS),
    "flannel-auto-wireguard": (lambda: flannel("wireguard", None, True), 1370, Status.PASS),
    "flannel-mtu-1500": (lambda: flannel("vxlan", 1500, False), 1450, Status.FAIL),
    "flannel-mtu-1400": (lambda: flannel("vxlan", 1400, False), 1350, Status.PASS),
    "flannel-unread": (lambda: flannel("vxlan", None, None), None, Status.UNKNOWN),
    # Cilium: `mtu` is the underlying network's; pods' routes get it minus the overhead.
    "cilium-auto-tunnel": (lambda: cilium("tunnel", None, True), 1400, Status.PASS),
    "cilium-auto-native": (lambda: cilium("native", None, True), 1450, Status.PASS),
    "cilium-auto-wireguard": (
        lambda: cilium("tunnel", None, True, wireguard=True),
        1320,
        Status.PASS,
    ),
    "cilium-mtu-9000-native": (lambda: cilium("native", 9000, False), 9000, Status.FAIL),
    "cilium-mtu-1500-tunnel": (lambda: cilium("tunnel", 1500, False), 1450, Status.FAIL),
    "cilium-ipsec": (lambda: cilium("tunnel", None, True, ipsec=True), None, Status.UNKNOWN),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pod_mtu_and_verdict(name: str) -> None:
    make, expected_mtu, expected_status = CASES[name]
    doc = doc_with(make())
    snapshot = build(doc)
    topo = Topology(snapshot)
    got = {effective_mtu(topo, view).pod_mtu for view in topo.node_views.values()}
    assert got == {expected_mtu}
    findings = mtu_findings(doc)
    assert [f.status for f in findings] == [expected_status], [str(f.message) for f in findings]
    if expected_status == Status.UNKNOWN:
        # Said in both languages, naming what is missing.
        assert localize(findings[0].message, "ko") != str(findings[0].message)
    if expected_status == Status.FAIL:
        assert findings[0].cause == "mtu" and findings[0].remedies


def test_network_mtu_missing_is_unknown_not_pass() -> None:
    doc = doc_with(calico(None, True, "Always", "Never"))
    doc["openstack"]["networks"][0]["mtu"] = None
    assert [f.status for f in mtu_findings(doc)] == [Status.UNKNOWN]


def test_auto_detection_follows_each_node_network() -> None:
    """Two tenant networks (1450 and 1500): auto-detected pod MTUs differ per node group."""
    doc = doc_with(flannel("vxlan", None, True))
    second = dict(doc["openstack"]["networks"][0], id="net-2", name="k8s-net-jumbo", mtu=1500)
    doc["openstack"]["networks"].append(second)
    subnet = dict(doc["openstack"]["subnets"][0], id="sub-2", network_id="net-2")
    subnet["cidr"] = "10.0.1.0/24"
    subnet["gateway_ip"] = "10.0.1.1"
    doc["openstack"]["subnets"].append(subnet)
    ports = doc["openstack"]["ports"]
    ports[3]["network_id"] = "net-2"
    ports[3]["fixed_ips"] = [{"subnet_id": "sub-2", "ip_address": "10.0.1.14"}]
    doc["cluster"]["nodes"][3]["internal_ip"] = "10.0.1.14"
    doc["cluster"]["nodes"][3]["addresses"][0]["address"] = "10.0.1.14"
    snapshot = build(doc)
    topo = Topology(snapshot)
    by_node = {v.name: effective_mtu(topo, v).pod_mtu for v in topo.node_views.values()}
    assert by_node == {"k8s-cp-1": 1400, "k8s-w-1": 1400, "k8s-w-2": 1400, "k8s-w-3": 1450}
    findings = mtu_findings(doc)
    assert sorted(f.status for f in findings) == [Status.PASS, Status.PASS]
