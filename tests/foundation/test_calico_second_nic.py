"""Calico on a second NIC of the node's own server (a management network plus a data network):
calico-node's address (projectcalico.org/IPv4Address) is a fixed IP of another port of the
server. Before, every Calico flow between nodes that involved such a node was undecided (and
net-calico-node-address UNKNOWN); now the engine judges them on that port at both ends
(engine/calico_moved.py `calico_views`), the checks decide there, and the fix plan targets
that port and its groups, never the InternalIP's."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import Disposition, Endpoint
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.cli.diagnose import diagnosis_exit
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import build, example_doc, fake_id, hetero_doc
from kostack_testkit.calico_address import (
    calico_address_example_doc,
    on_second_nics,
    second_nic,
    with_calico_addresses,
)

Doc = dict[str, Any]
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")
POD_CIDR = "10.244.0.0/16"


def _storage_ports(doc: Doc) -> dict[str, str]:
    """Node name -> the id of its second NIC's port."""
    return {
        p["name"].removesuffix("-storage"): p["id"]
        for p in doc["openstack"]["ports"]
        if p["name"].endswith("-storage")
    }


def _node_ports(doc: Doc) -> set[str]:
    return {link["port_id"] for link in doc["node_ports"]}


def _by_check(doc: Doc) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in diagnose(build(doc)).findings:
        out.setdefault(f.check_id, []).append(f)
    return out


def _pod(node: str, ip: str) -> Endpoint:
    return Endpoint("pod", f"pod {ip}", ipaddress.ip_address(ip), node)


def test_the_example_is_decided_and_healthy_on_the_second_nics() -> None:
    doc = calico_address_example_doc("calico-second-nic")
    d = diagnose(build(doc))
    assert d.root_causes == () and diagnosis_exit(d, "high") == 0
    assert not [f for f in d.findings if f.status in (Status.UNKNOWN, Status.FAIL)]
    (f,) = [f for f in d.findings if f.check_id == "net-calico-node-address"]
    assert f.status == Status.PASS and f.nodes == NODES
    en, ko = localize(f.message, "en"), localize(f.message, "ko")
    storage = _storage_ports(doc)
    assert f"port {storage['k8s-w-1']} (k8s-w-1-storage) on network storage-net; port" in en
    assert "kostack judges Calico's traffic between nodes there" in en
    assert f"네트워크 storage-net의 포트 {storage['k8s-w-3']}(k8s-w-3-storage)" in ko
    # a pod on k8s-w-1 to a pod on k8s-w-3: through the storage ports, not the InternalIPs'
    topo = Topology(build(doc))
    src = next(p for p in doc["cluster"]["pods"] if p["node"] == "k8s-w-1" and p.get("ip"))
    dst = next(p for p in doc["cluster"]["pods"] if p["node"] == "k8s-w-3" and p.get("ip"))
    (result,) = trace(topo, _pod("k8s-w-1", src["ip"]), _pod("k8s-w-3", dst["ip"]), "tcp", 80)
    assert all(h.disposition == Disposition.ACCEPTED for h in result.hops)
    wheres = " ".join(str(h.where) for h in result.hops)
    assert storage["k8s-w-1"][:4] in wheres and storage["k8s-w-3"][:4] in wheres
    assert not any(pid[:4] in wheres for pid in _node_ports(doc))
    # BGP between the nodes: from k8s-w-1's Calico address to k8s-w-3's, on the storage ports
    node = Endpoint("node", "k8s-w-1", ipaddress.ip_address("10.0.0.12"), "k8s-w-1")
    peer = Endpoint("node", "k8s-w-3", ipaddress.ip_address("10.0.0.14"), "k8s-w-3")
    (bgp,) = trace(topo, node, peer, "tcp", 179)
    assert bgp.wire is not None
    assert (str(bgp.wire.src), str(bgp.wire.dst)) == ("192.168.100.12", "192.168.100.14")
    assert all(h.passes for h in bgp.hops)
    # kubelet is not Calico's: it stays between the InternalIPs
    (kubelet,) = trace(topo, node, peer, "tcp", 10250)
    assert kubelet.wire is not None and str(kubelet.wire.dst) == "10.0.0.14"


def test_the_second_nics_without_pairs_are_the_root_cause_and_the_plan_targets_them() -> None:
    doc = calico_address_example_doc("calico-second-nic-no-pairs")
    storage = set(_storage_ports(doc).values())
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["antispoof"]
    (src,) = [f for f in d.findings if f.check_id == "net-pod-src-antispoof"]
    assert src.status == Status.FAIL and src.nodes == NODES
    assert "fixed_ips [192.168.100.11]" in " ".join(localize(e, "en") for e in src.evidence)
    plan = build_plan(build(doc))
    adds = [a for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert {a.target.id for a in adds} == storage
    assert not {a.target.id for a in plan.actions} & _node_ports(doc)
    assert {p.ip_address for a in adds for p in a.pairs} == {POD_CIDR}
    assert plan.verification.after == ()


def _mixed() -> Doc:
    """k8s-cp-1 on its InternalIP; k8s-w-1 and k8s-w-2 on second NICs with the pod pair;
    k8s-w-3 on a second NIC without it."""
    doc = on_second_nics(example_doc("seed-fixed"), ["k8s-w-1", "k8s-w-2"], (POD_CIDR,))
    second_nic(doc, "k8s-w-3", "192.168.100.14")
    doc["cluster"]["cni"]["calico"]["node_addresses"]["k8s-w-3"] = ["192.168.100.14"]
    return doc


def test_some_nodes_on_second_nics_some_not_judges_each_pair_where_it_runs() -> None:
    doc = _mixed()
    found = _by_check(doc)
    storage = _storage_ports(doc)
    # k8s-w-3's storage port drops its pods' packets: only its pairs with the other storage nodes
    p2p = found["net-pod-to-pod"]
    failed = [f for f in p2p if f.status == Status.FAIL]
    assert {f.cause for f in failed} == {"antispoof"}
    assert sum(dict(f.counts)["node_pairs"] for f in failed) == 4  # w-3 <-> w-1, w-2
    assert all(f"{storage['k8s-w-3'][:4]}.." in localize(f.message, "en") for f in failed)
    # k8s-cp-1 (10.0.0.0/24) with the storage nodes (192.168.100.0/24): which port the packets
    # leave by is the nodes' routing: undecided, naming both subnets, never passed
    (undecided,) = [f for f in p2p if f.status == Status.UNKNOWN]
    assert undecided.cause == "calico-address-route"
    assert dict(undecided.counts)["node_pairs"] == 6
    en = localize(undecided.message, "en")
    assert "(10.0.0.11, subnet 10.0.0.0/24)" in en and "subnet 192.168.100.0/24" in en
    assert "192.168.100.0/24" in localize(undecided.message, "ko")
    # w-1 <-> w-2 pass on their storage ports: 2 of the 12 ordered pairs neither failed nor open
    assert sum(dict(f.counts)["node_pairs"] for f in p2p if f.status != Status.PASS) == 10
    (src,) = [f for f in found["net-pod-src-antispoof"] if f.status == Status.FAIL]
    assert src.nodes == ("k8s-w-3",)
    bgp = found["net-sg-bgp"]
    assert Status.PASS not in {f.status for f in bgp}
    assert {f.cause for f in bgp} == {"calico-address-route"}
    (calico,) = found["net-calico-node-address"]
    assert calico.status == Status.PASS and calico.nodes == ("k8s-w-1", "k8s-w-2", "k8s-w-3")
    # the plan adds the pair to k8s-w-3's storage port only
    plan = build_plan(build(doc))
    adds = [a for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert [a.target.id for a in adds] == [storage["k8s-w-3"]]


def test_a_second_nic_on_another_network_of_a_one_port_server_goes_through_the_router() -> None:
    """A second fixed IP of the node's own (only) port, on another subnet the router joins:
    the packets can leave by that port only, so the router decides, as between node ports."""
    doc = example_doc("seed-fixed")
    os_ = doc["openstack"]
    net = os_["networks"][0]["id"]
    subnet = {**os_["subnets"][0], "id": fake_id("subnet", "k8s-subnet-2"), "name": "k8s-2"}
    subnet.update(network_id=net, cidr="10.0.1.0/24", gateway_ip="10.0.1.1")
    os_["subnets"].append(subnet)
    router = os_["routers"][0]
    router["interface_subnet_ids"] = [*router["interface_subnet_ids"], subnet["id"]]
    port = next(p for p in os_["ports"] if p["name"] == "k8s-w-3-port")
    port["fixed_ips"].append({"subnet_id": subnet["id"], "ip_address": "10.0.1.14"})
    with_calico_addresses(doc, {"k8s-w-3": ["10.0.1.14"]})
    found = _by_check(doc)
    (calico,) = found["net-calico-node-address"]
    assert calico.status == Status.PASS
    statuses = {f.status for f in found["net-sg-bgp"]}
    assert statuses == {Status.PASS}, [localize(f.message, "en") for f in found["net-sg-bgp"]]


def _ipip_on_storage_group(doc: Doc) -> Doc:
    """IPIP always; the second NICs in a group of their own admitting TCP and UDP from the
    storage subnet, not IP protocol 4."""
    pool = doc["cluster"]["cni"]["calico"]["ip_pools"][0]
    pool.update(ipip_mode="Always", vxlan_mode="Never")
    sg_id = fake_id("security_group", "k8s-storage")
    rules = [
        {
            "id": fake_id("security_group_rule", f"storage-{proto}-{direction}"),
            "direction": direction,
            "ethertype": "IPv4",
            "protocol": proto,
            "port_range_min": None,
            "port_range_max": None,
            "remote_ip_prefix": "192.168.100.0/24" if direction == "ingress" else None,
            "remote_group_id": None,
        }
        for proto, direction in (("tcp", "ingress"), ("udp", "ingress"), (None, "egress"))
    ]
    doc["openstack"]["security_groups"].append(
        {**doc["openstack"]["security_groups"][0], "id": sg_id, "name": "k8s-storage"}
        | {"rules": rules}
    )
    for p in doc["openstack"]["ports"]:
        if p["name"].endswith("-storage"):
            p["security_group_ids"] = [sg_id]
    return doc


def test_tunnels_are_judged_on_the_second_nics_groups_and_fixed_in_them() -> None:
    doc = _ipip_on_storage_group(calico_address_example_doc("calico-second-nic"))
    sg_id = fake_id("security_group", "k8s-storage")
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["sg-encap"]
    encap = [f for f in d.findings if f.check_id == "net-sg-cni-encap"]
    assert {f.status for f in encap} == {Status.FAIL}
    plan = build_plan(build(doc))
    rules = [a for a in plan.actions if a.operation == Operation.ADD_SG_RULE]
    assert rules and {a.target.id for a in rules} == {sg_id}
    assert {a.rule.protocol for a in rules if a.rule is not None} == {"ipip"}
    assert plan.verification.after == ()
    # the same group on the InternalIPs' ports would not do: it is the second NIC's that counts
    doc = _ipip_on_storage_group(calico_address_example_doc("calico-second-nic"))
    with_calico_addresses(doc)  # Calico back on the InternalIPs
    assert "sg-encap" not in {rc.key for rc in diagnose(build(doc)).root_causes}


def test_second_nics_keep_the_traces_flat() -> None:
    """Every third node on a second NIC (half of them without the pod pair): the nodes on
    second NICs are a kind of end, not a class each, so the traces do not grow with them."""

    def traces(n: int) -> tuple[int, float]:
        doc = hetero_doc(n, pods_per_node=2)
        moved: dict[str, list[str]] = {}
        for i, node in enumerate(doc["cluster"]["nodes"]):
            if i % 3 == 0:
                ip = f"192.168.100.{i // 3 + 2}"
                second_nic(doc, node["name"], ip, ("10.128.0.0/10",) if i % 2 else ())
                moved[node["name"]] = [ip]
        with_calico_addresses(doc, moved)
        start = time.perf_counter()
        d = diagnose(build(doc))
        assert "antispoof" in {rc.key for rc in d.root_causes}
        return d.classes[2], time.perf_counter() - start

    (small, t_small), (large, t_large) = traces(90), traces(360)
    assert large <= small + 10, (small, large)
    assert t_large < max(t_small, 0.05) * 12  # 4x the nodes: nowhere near 16x


def test_the_mtu_is_judged_on_the_second_nics_network() -> None:
    """The storage network carries 1350 bytes: the pods' 1400 does not fit there, whatever
    the InternalIPs' network (1450) carries."""
    doc = calico_address_example_doc("calico-second-nic")
    (f,) = [f for f in _by_check(doc)["net-mtu"]]
    assert f.status == Status.PASS and "network storage-net" in localize(f.message, "en")
    net = next(n for n in doc["openstack"]["networks"] if n["name"] == "storage-net")
    net["mtu"] = 1350
    (f,) = [f for f in _by_check(doc)["net-mtu"]]
    assert f.status == Status.FAIL
    assert "network storage-net (MTU 1350)" in localize(f.message, "en")
