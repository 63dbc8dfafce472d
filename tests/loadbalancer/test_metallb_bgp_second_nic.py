"""net-sg-metallb-bgp on a node server with two ports: a session is judged on the port whose
subnet holds the peer's address (the speaker dials it on that link, from that port's address),
else on every port of the address's family, UNKNOWN when their security groups judge it
differently (which one the node's routes pick is not collected), as neutron-vip-pairs does
for a pool in BGP mode (`_vip_ports.reply_ports`).

Before, every session was judged on the node's own port: the storage-network test's remedy
and affected ports, and the routed peer's UNKNOWN, fail there.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, build, ports_of
from kostack_testkit.calico_address import second_nic, storage_ip
from kostack_testkit.metallb import metallb_example_doc

ID = "net-sg-metallb-bgp"
STORAGE_PEER = "192.168.100.250"  # a router on the storage network
ROUTED_PEER = "203.0.113.9"  # a router no subnet of the nodes holds


def findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def one(doc: Doc) -> Finding:
    found = findings(doc)
    assert len(found) == 1, [(str(f.status), str(f.message)) for f in found]
    return found[0]


def group(doc: Doc, name: str) -> dict[str, Any]:
    return next(g for g in doc["openstack"]["security_groups"] if g["name"] == name)


def egress_179(prefix: str, where: str) -> dict[str, Any]:
    return {
        "id": f"bgp-{where}-{prefix}",
        "direction": "egress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 179,
        "port_range_max": 179,
        "remote_ip_prefix": prefix,
        "remote_group_id": None,
    }


def two_port_doc(peer: str) -> Doc:
    """metallb-bgp-egress-blocked (no allow-all egress anywhere) with the BGPPeer at ``peer``
    and a second NIC on the storage network (the default group only) on every node."""
    doc = metallb_example_doc("metallb-bgp-egress-blocked")
    doc["cluster"]["virtual_ips"]["metallb"]["peers"][0]["address"] = peer
    for node in doc["cluster"]["nodes"]:
        second_nic(doc, node["name"], storage_ip(doc, node["name"]))
    return doc


def storage_ports(doc: Doc) -> list[str]:
    return sorted(p["id"] for p in ports_of(doc) if p["name"].endswith("-storage"))


def test_a_peer_on_the_second_nics_subnet_is_judged_on_those_ports() -> None:
    doc = two_port_doc(STORAGE_PEER)
    f = one(doc)
    assert f.status == Status.FAIL and f.cause == "metallb-bgp-blocked"
    assert sorted(r.id for r in f.affected) == storage_ports(doc)
    (remedy,) = f.remedies
    assert remedy.target_id == group(doc, "default")["id"]
    assert remedy.param("direction") == "egress"
    assert remedy.param("remote_ip_prefix") == f"{STORAGE_PEER}/32"
    # the node ports' group admitting it changes nothing: the storage ports carry it
    group(doc, "k8s-nodes")["rules"].append(egress_179(f"{STORAGE_PEER}/32", "k8s-nodes"))
    assert one(doc).status == Status.FAIL
    group(doc, "default")["rules"].append(egress_179(f"{STORAGE_PEER}/32", "default"))
    assert one(doc).status == Status.PASS


def test_a_routed_peer_whose_ports_disagree_is_unknown_naming_them() -> None:
    doc = two_port_doc(ROUTED_PEER)
    group(doc, "k8s-nodes")["rules"].append(egress_179(f"{ROUTED_PEER}/32", "k8s-nodes"))
    f = one(doc)
    assert f.status == Status.UNKNOWN and not f.remedies
    assert f.nodes and len(f.nodes) == 4
    assert "judge it differently" in f.evidence[0]
    assert "k8s-w-1-storage" in " ".join(f.evidence) or "k8s-cp-1-storage" in f.evidence[0]
    assert "서로 다릅니다" in localize(f.evidence[0], "ko")
    # both ports admit it: it passes; neither: dropped on both, the rule into each group
    group(doc, "default")["rules"].append(egress_179(f"{ROUTED_PEER}/32", "default"))
    assert one(doc).status == Status.PASS
    doc = two_port_doc(ROUTED_PEER)
    f = one(doc)
    assert f.status == Status.FAIL and len(f.nodes) == 4 and "(4 sessions)" in str(f.message)
    assert {r.target_id for r in f.remedies} == {
        group(doc, "k8s-nodes")["id"],
        group(doc, "default")["id"],
    }


def test_one_port_servers_are_judged_as_before() -> None:
    doc = metallb_example_doc("metallb-bgp-egress-blocked")
    doc["cluster"]["virtual_ips"]["metallb"]["peers"][0]["address"] = ROUTED_PEER
    f = one(doc)
    assert f.status == Status.FAIL
    (remedy,) = f.remedies
    assert remedy.target_id == group(doc, "k8s-nodes")["id"]
