"""A node whose Calico addresses are on different ports of its own server (its IPv4 address
the InternalIP on the node's port, its IPv6 one on a second NIC): the engine judges a node's
Calico traffic on one port, so it stays undecided, and both net-calico-node-address and the
undecided hops say exactly that, naming each address with its port (before: "whose port that
is cannot be told (the ports or the node's port were not collected)", though they were). And
the summary line names the network Calico runs on when it is not the InternalIP's."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import build, example_doc, fake_id
from kostack_testkit.calico_address import (
    calico_address_example_doc,
    internal_ip,
    second_nic,
    with_calico_addresses,
)

Doc = dict[str, Any]
W3 = "k8s-w-3"
V6 = "fd00:100::14"
ID = "net-calico-node-address"


def _split() -> Doc:
    """The fixed seed; k8s-w-3's calico-node on its InternalIP for IPv4 and on a second NIC
    (the storage network's IPv6 subnet) for IPv6."""
    doc = example_doc("seed-fixed")
    with_calico_addresses(doc, {W3: [internal_ip(doc, W3), V6]})
    second_nic(doc, W3, "192.168.100.14")
    os_ = doc["openstack"]
    v4 = next(s for s in os_["subnets"] if s["name"] == "storage-subnet")
    v6 = {**v4, "id": fake_id("subnet", "storage-v6"), "name": "storage-v6"}
    v6["cidr"] = "fd00:100::/64"
    os_["subnets"].append(v6)
    port = next(p for p in os_["ports"] if p["name"] == f"{W3}-storage")
    port["fixed_ips"] = [{"subnet_id": v6["id"], "ip_address": V6}]
    return doc


def _ports(doc: Doc) -> tuple[str, str]:
    ports = doc["openstack"]["ports"]
    node = next(link["port_id"] for link in doc["node_ports"] if link["node"] == W3)
    return node, next(p["id"] for p in ports if p["name"] == f"{W3}-storage")


def test_addresses_on_two_ports_are_undecided_and_the_check_says_so_naming_each() -> None:
    doc = _split()
    node_port, storage = _ports(doc)
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == ID]
    assert f.status == Status.UNKNOWN and f.cause == "calico-address-split"
    assert f.nodes == (W3,)
    en = localize(f.message, "en")
    assert "whose port that is cannot be told" not in en
    assert "calico-node's addresses are on different ports of the node's own server (" in en
    assert f"10.0.0.14 on port {node_port} ({W3}-port, network k8s-net)" in en
    assert f"{V6} on port {storage} ({W3}-storage, network storage-net)" in en
    assert "nodeAddressAutodetectionV6" in en  # the way back pins the IPv6 address
    ko = localize(f.message, "ko")
    assert "calico-node의 주소가 노드 자신의 서버의 서로 다른 포트에 있고" in ko
    assert f"{V6}: 네트워크 storage-net의 포트 {storage}({W3}-storage)" in ko
    # never passed: the flows of that node are undecided at a hop that says why
    assert d.verdict.kind != "healthy"
    text = " ".join(render_diagnosis(d, "en").split())
    assert f"calico-node on {W3} uses addresses on different ports of the node's server" in text
    assert f"({W3}-port); {V6} on port {storage} ({W3}-storage))" in text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_summary_line_names_the_network_calico_runs_on(lang: str) -> None:
    said = {
        "en": "network k8s-net MTU 1450, network storage-net MTU 1450 (Calico's BGP and tunnels)",
        "ko": "네트워크 k8s-net MTU 1450, 네트워크 storage-net MTU 1450(Calico BGP와 터널)",
    }[lang]
    second = diagnose(build(calico_address_example_doc("calico-second-nic")))
    assert said in " ".join(render_diagnosis(second, lang).split())
    assert said in " ".join(render_diagnosis(diagnose(build(_split())), lang).split())
    # on the InternalIP's network only: that one alone
    seed = " ".join(render_diagnosis(diagnose(build(example_doc("seed-fixed"))), lang).split())
    assert "storage-net" not in seed
