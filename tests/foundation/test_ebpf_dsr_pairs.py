"""Calico eBPF DSR's pairs against Neutron's default of 10 pairs a port (max_allowed_address_pair):
a port's CIDR pairs count for every node address they hold, a port that would pass the cap gets
none and the text offers one spanning pair or Tunnel, and the cost is linear in the nodes
(analyze/checks/_ebpf_dsr.py; docs/facts.md "Calico's eBPF data plane")."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

import kostack.analyze.checks._ebpf_dsr as dsr
from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.analyze.topology import NodeView, Topology
from kostack.model.cluster import Node
from kostack.model.neutron import AllowedAddressPair, FixedIP, Port, Subnet
from kostack_testkit.builders import build
from kostack_testkit.calico_ebpf import ebpf_doc

Doc = dict[str, Any]
PATCH = """`kubectl patch felixconfiguration default --type merge -p '{"spec":{"bpfExternalServiceMode":"Tunnel"}}'`"""


def _dsr_down(down: tuple[str, ...] = ("k8s-cp-1", "k8s-w-3")) -> Doc:
    """DSR; the monitor fails on these members without an endpoint: the endpoints' nodes
    k8s-w-1 and k8s-w-2 answer from the others' addresses (10.0.0.11-14)."""
    doc = ebpf_doc(mode="DSR")
    for lb in doc["openstack"]["load_balancers"]:
        for member in lb["pools"][0]["members"]:
            if member["name"] in down:
                member["operating_status"] = "ERROR"
    return doc


def _port(doc: Doc, name: str) -> dict[str, Any]:
    return next(p for p in doc["openstack"]["ports"] if p["name"] == f"{name}-port")


def _pairs(port: dict[str, Any], *cidrs: str) -> None:
    port["allowed_address_pairs"] += [
        {"ip_address": c, "mac_address": port["mac_address"]} for c in cidrs
    ]


def _over_text(doc: Doc) -> tuple[set[str], dict[str, str]]:
    (rc,) = diagnose(build(doc)).root_causes
    assert rc.key == "calico-ebpf-dsr"
    (over,) = [e for e in rc.evidence if "max_allowed_address_pair" in localize(e, "en")]
    return {str(r.target_name) for r in rc.fix.remedies}, {
        lang: localize(over, lang) for lang in ("en", "ko")
    }


def test_a_cidr_pair_counts_for_every_node_address_it_holds() -> None:
    """k8s-w-1's port holds 8 pairs (6 unrelated) and 10.0.0.12/30 (k8s-w-2 and k8s-w-3): only
    k8s-cp-1's address is missing, one pair, 10 in all: planned, nothing over the cap (the
    monitor fails on k8s-cp-1 only: k8s-w-3's answers pass that port)."""
    doc = _dsr_down(("k8s-cp-1",))
    _pairs(_port(doc, "k8s-w-1"), *(f"192.0.2.{i}/32" for i in range(6)), "10.0.0.12/30")
    (rc,) = diagnose(build(doc)).root_causes
    added = sorted(
        (r.target_name, dict(r.params)["ip_address"])
        for r in rc.fix.remedies
        if r.target_name == "k8s-w-1"
    )
    assert added == [("k8s-w-1", "10.0.0.11/32")], added
    assert not [e for e in rc.evidence if "max_allowed_address_pair" in localize(e, "en")]


def test_a_pair_with_another_mac_does_not_count() -> None:
    """A pair naming another MAC passes only that MAC (antispoof.passes): the addresses it
    holds are still dropped, so k8s-w-1 still needs all three."""
    doc = _dsr_down()
    port = _port(doc, "k8s-w-1")
    port["allowed_address_pairs"].append(
        {"ip_address": "10.0.0.0/24", "mac_address": "fa:16:3e:00:00:99"}
    )
    (rc,) = diagnose(build(doc)).root_causes
    added = sorted(
        dict(r.params)["ip_address"] for r in rc.fix.remedies if r.target_name == "k8s-w-1"
    )
    assert added == ["10.0.0.11/32", "10.0.0.13/32", "10.0.0.14/32"], added


def test_over_the_cap_offers_one_spanning_pair_and_tunnel_quoted_in_both_languages() -> None:
    doc = _dsr_down()
    port = _port(doc, "k8s-w-1")
    _pairs(port, *(f"192.0.2.{i}/32" for i in range(6)))
    targets, text = _over_text(doc)
    assert targets == {"k8s-w-2"}, targets
    cmd = f"`openstack port set --allowed-address ip-address=10.0.0.8/29 {port['id']}`"
    en, ko = text["en"], text["ko"]
    assert "no pairs planned on the ports of node k8s-w-1: each needs up to 3 more" in en, en
    assert "400 AllowedAddressPairExhausted" in en
    assert "Option 1: one pair spanning the nodes' addresses, 10.0.0.8/29" in en, en
    assert cmd in en and PATCH in en and "any other address in it" in en
    assert "방법 1" in ko and cmd in ko and PATCH in ko and "한도 10개" in ko, ko


def test_a_port_with_no_room_left_gets_tunnel_only() -> None:
    doc = _dsr_down()
    _pairs(_port(doc, "k8s-w-1"), *(f"192.0.2.{i}/32" for i in range(8)))
    _, text = _over_text(doc)
    assert "Option 1" not in text["en"] and PATCH in text["en"]
    assert "already hold 10 pairs" in text["en"], text["en"]
    assert "이미 pair가 10개" in text["ko"]


def _view(i: int, subnet: Subnet, pairs: tuple[str, ...] = ()) -> NodeView:
    ip = ipaddress.ip_address(int(subnet.cidr.network_address) + 10 + i)
    port = Port(
        id=f"p{i}",
        network_id="n",
        mac_address=f"fa:16:3e:00:{i // 256:02x}:{i % 256:02x}",
        fixed_ips=(FixedIP(subnet_id=subnet.id, ip_address=ip),),
        allowed_address_pairs=tuple(
            AllowedAddressPair(ip_address=ipaddress.ip_network(p)) for p in pairs
        ),
        port_security_enabled=True,
    )
    return NodeView(Node(name=f"n{i}", internal_ip=ip), ip, port, "", subnet, ())


def test_spans_equal_the_address_by_address_verdict() -> None:
    """Seeded pair sets against 40 nodes: the pairs each port needs are exactly the other
    nodes' addresses anti-spoofing drops, tested one by one."""
    import random

    from kostack.analyze.engine.antispoof import passes

    rng = random.Random(11)
    subnet = Subnet(id="s", network_id="n", cidr=ipaddress.ip_network("10.1.0.0/24"))
    topo = Topology(build(ebpf_doc()))
    for _ in range(60):
        nodes = [_view(i, subnet) for i in range(40)]
        lo = rng.randrange(0, 60)
        cidrs = (f"10.1.0.{lo}/{rng.choice((28, 29, 30, 32))}", f"10.1.0.{rng.randrange(60)}/31")
        v = _view(3, subnet, tuple(str(ipaddress.ip_network(c, strict=False)) for c in cidrs))
        nodes[3] = v
        assert v.port is not None
        expected = sorted(
            str(n.ip) for n in nodes if n.name != v.name and n.ip and not passes(v.port, n.ip)
        )
        needed, found = dsr._wanted(dsr.Ingress.of(nodes), v, v.port)
        assert needed == len(expected)
        assert sorted(str(n.ip) for n in found) == expected
        _, over = dsr.dsr_pairs(topo, [v], nodes)
        assert bool(over) == (needed + len(v.port.allowed_address_pairs) > dsr.MAX_PAIRS)


@pytest.mark.parametrize("wide", [False, True])
def test_the_spanning_pair_says_when_it_covers_the_node_subnet(wide: bool) -> None:
    subnet = Subnet(
        id="s", network_id="n", cidr=ipaddress.ip_network("10.2.0.0/27" if wide else "10.2.0.0/24")
    )
    nodes = [_view(i, subnet) for i in range(16)]
    topo = Topology(build(ebpf_doc()))
    _, (text,) = dsr.dsr_pairs(topo, nodes[:1], nodes)
    en = localize(text, "en")
    if wide:
        assert "10.2.0.0/27" in en and "covers the node subnet 10.2.0.0/27" in en, en
        assert "노드 서브넷 10.2.0.0/27을" in localize(text, "ko")
    else:
        assert "10.2.0.0/27" in en and "any other address in it" in en, en


def test_nodes_in_two_subnets_get_tunnel_only() -> None:
    a = Subnet(id="a", network_id="n", cidr=ipaddress.ip_network("10.3.0.0/24"))
    b = Subnet(id="b", network_id="n", cidr=ipaddress.ip_network("10.4.0.0/24"))
    nodes = [_view(i, a if i % 2 else b) for i in range(14)]
    _, (text,) = dsr.dsr_pairs(Topology(build(ebpf_doc())), nodes[:1], nodes)
    assert "Option 1" not in localize(text, "en") and "more than one subnet" in localize(text, "en")


def test_cost_is_linear_in_the_nodes_never_per_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every node answers and is an ingress node: the searches grow with the nodes (one per
    span of each port), not with their pairs; 4x the nodes, about 4x the searches."""
    calls = {"n": 0}
    real = dsr.bisect_left

    def counted(keys: Any, x: int) -> int:
        calls["n"] += 1
        return real(keys, x)

    monkeypatch.setattr(dsr, "bisect_left", counted)
    topo = Topology(build(ebpf_doc()))

    def searches(n: int) -> tuple[int, int]:
        subnet = Subnet(id="s", network_id="n", cidr=ipaddress.ip_network("10.8.0.0/16"))
        nodes = [_view(i, subnet, ("10.8.0.0/28",)) for i in range(n)]
        calls["n"] = 0
        _, over = dsr.dsr_pairs(topo, nodes, nodes)
        assert over
        return calls["n"], n

    small, _ = searches(500)
    big, n_big = searches(2000)
    assert big <= 4.5 * small, (small, big)
    assert big < n_big * 4  # a few searches a port, never one per node
