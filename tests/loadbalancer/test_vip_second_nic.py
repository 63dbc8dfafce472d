"""neutron-vip-pairs on a node's second NIC, and for IPv6 virtual IPs (answered by NDP).

Before the second NIC was judged, a MetalLB pool or kube-vip address on a storage network that
every node's server has a port on was UNKNOWN "outside the subnets of the nodes": the tests of
the second NIC fail there.
"""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import Doc, build, fake_id, ports_of
from kostack_testkit.calico_address import second_nic, storage_ip
from kostack_testkit.dualstack import NODE_SUBNET_V6, dual_stack_fixed, make_dual_stack
from kostack_testkit.metallb import metallb_doc

ID = "neutron-vip-pairs"
STORAGE_POOL = "192.168.100.200/29"


def vip_findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def only(doc: Doc, status: Status) -> Finding:
    found = [f for f in vip_findings(doc) if f.status == status]
    assert len(found) == 1, [(str(f.status), str(f.message)) for f in vip_findings(doc)]
    assert not [f for f in vip_findings(doc) if f.status == Status.PASS] or status == Status.PASS
    return found[0]


def storage_doc(pairs: tuple[str, ...] = ()) -> Doc:
    """MetalLB with one pool on the storage network (192.168.100.0/24), advertised on eth1;
    every node's server has a second port there (``pairs`` its allowed address pairs); the
    node ports already carry the pool of the seed's fixture, which is not announced here."""
    pool = {"name": "storage", "cidrs": [STORAGE_POOL], "addresses": [STORAGE_POOL]}
    ads = [{"name": "l2", "kind": "l2", "interfaces": ["eth1"]}]
    doc = metallb_doc(pools=[pool], ads=ads)
    for node in doc["cluster"]["nodes"]:
        second_nic(doc, node["name"], storage_ip(doc, node["name"]), pairs)
    return doc


def storage_ports(doc: Doc) -> list[str]:
    return sorted(p["id"] for p in ports_of(doc) if p["name"].endswith("-storage"))


def test_a_pool_on_the_second_nics_network_is_judged_on_those_ports() -> None:
    doc = storage_doc()
    f = only(doc, Status.FAIL)
    assert f.cause == "vip-antispoof"
    assert sorted(r.target_id for r in f.remedies) == storage_ports(doc)
    assert {r.param("ip_address") for r in f.remedies} == {STORAGE_POOL}
    assert sorted(r.id for r in f.affected) == storage_ports(doc)
    assert all("second NIC k8s-" in e for e in f.evidence), f.evidence
    assert "(4 ports)" in str(f.message)
    assert "MetalLB 풀 storage" in localize(f.message, "ko")
    # the plan adds the pair to the storage ports only, and its verification comes out clean
    plan = build_plan(build(doc))
    adds = [a for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert sorted(a.target.id for a in adds) == storage_ports(doc)
    assert {p.ip_address for a in adds for p in a.pairs} == {STORAGE_POOL}
    assert not plan.verification.after


def test_the_second_nics_pair_passes_and_the_node_ports_pair_does_not() -> None:
    assert only(storage_doc((STORAGE_POOL,)), Status.PASS)
    doc = storage_doc()
    for port in ports_of(doc):
        if not port["name"].endswith("-storage"):
            port["allowed_address_pairs"].append({"ip_address": STORAGE_POOL})
    assert only(doc, Status.FAIL).remedies


def test_two_ports_that_could_carry_it_are_unknown_naming_both() -> None:
    doc = storage_doc((STORAGE_POOL,))
    extra = dict(next(p for p in ports_of(doc) if p["name"] == "k8s-w-1-storage"))
    extra.update(id=fake_id("port", "k8s-w-1-storage-2"), name="k8s-w-1-storage-2")
    extra["fixed_ips"] = [{**extra["fixed_ips"][0], "ip_address": "192.168.100.99"}]
    extra["mac_address"] = "fa:16:3e:00:02:99"
    extra["allowed_address_pairs"] = []
    ports_of(doc).append(extra)
    f = only(doc, Status.UNKNOWN)
    text = str(f.message)
    assert f.nodes == ("k8s-w-1",) and extra["id"] in text and "(k8s-w-1-storage, " in text
    assert "(announced on interfaces eth1)" in text
    assert "(인터페이스 eth1에서 알림)" in localize(f.message, "ko")
    assert not [x for x in vip_findings(doc) if x.status == Status.FAIL]


def test_a_second_nic_on_the_node_subnet_too_is_unknown() -> None:
    """The node's own port and another port of its server both on the node subnet."""
    doc = metallb_doc()
    worker = next(p for p in ports_of(doc) if p["name"] == "k8s-w-1-port")
    twin = {**worker, "id": fake_id("port", "k8s-w-1-twin"), "name": "k8s-w-1-twin"}
    twin["fixed_ips"] = [{**worker["fixed_ips"][0], "ip_address": "10.0.0.99"}]
    twin["mac_address"] = "fa:16:3e:00:02:98"
    ports_of(doc).append(twin)
    found = vip_findings(doc)
    several = [f for f in found if f.status == Status.UNKNOWN]
    assert len(several) == 1 and several[0].nodes == ("k8s-w-1",)
    # the other three nodes still fail, the ambiguous one gets no remedy
    (fail,) = [f for f in found if f.status == Status.FAIL and f.cause == "vip-antispoof"]
    assert "k8s-w-1" not in fail.nodes and len(fail.nodes) == 3 == len(fail.remedies)


def test_kube_vip_on_a_second_nic() -> None:
    doc = storage_doc()
    doc["cluster"]["virtual_ips"] = {
        "kube_vip": [
            {
                "namespace": "kube-system",
                "pod": "kube-vip-k8s-cp-1",
                "node": "k8s-cp-1",
                "address": "192.168.100.250",
                "arp": True,
                "control_plane": True,
                "interface": "eth1",
            }
        ]
    }
    f = only(doc, Status.FAIL)
    storage = next(p for p in ports_of(doc) if p["name"] == "k8s-cp-1-storage")
    assert [(r.target_id, r.param("ip_address")) for r in f.remedies] == [
        (storage["id"], "192.168.100.250/32")
    ]


def v6_doc(addresses: list[str], cidrs: list[str]) -> Doc:
    """The dual-stack seed, healthy (pairs for both families' pod and service ranges), with
    one MetalLB pool of ``addresses`` (``cidrs`` as collect reads them)."""
    doc = metallb_doc(pools=[{"name": "web", "cidrs": cidrs, "addresses": addresses}])
    make_dual_stack(doc)
    dual_stack_fixed(doc)
    return doc


def test_an_ipv6_range_pool_needs_its_ipv6_pairs() -> None:
    # fd00:0:0:1::a0-fd00:0:0:1::af as collect reads it: one /124
    doc = v6_doc(["fd00:0:0:1::a0-fd00:0:0:1::af"], ["fd00:0:0:1::a0/124"])
    f = only(doc, Status.FAIL)
    assert {r.param("ip_address") for r in f.remedies} == {"fd00:0:0:1::a0/124"}
    assert len(f.remedies) == 4 and "ARP/NDP" in str(f.message)
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": "fd00:0:0:1::a0/124"})
    assert only(doc, Status.PASS)


def test_a_dual_stack_pool_with_only_its_ipv4_range_covered_fails_for_ipv6_only() -> None:
    doc = v6_doc(["10.0.0.200/29", "fd00:0:0:1::200/128"], ["10.0.0.200/29", "fd00:0:0:1::200/128"])
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": "10.0.0.200/29"})
    f = only(doc, Status.FAIL)
    assert {r.param("ip_address") for r in f.remedies} == {"fd00:0:0:1::200/128"}
    # and the other way round: the IPv6 /128 covered by a wider IPv6 pair, IPv4 not
    doc = v6_doc(["10.0.0.200/29", "fd00:0:0:1::200/128"], ["10.0.0.200/29", "fd00:0:0:1::200/128"])
    for port in ports_of(doc):
        port["allowed_address_pairs"].append({"ip_address": NODE_SUBNET_V6})
    f = only(doc, Status.FAIL)
    assert {r.param("ip_address") for r in f.remedies} == {"10.0.0.200/29"}


def test_an_ipv6_kube_vip_address_is_a_128() -> None:
    doc = v6_doc(["10.0.0.200/29"], ["10.0.0.200/29"])
    doc["cluster"]["virtual_ips"] = {
        "kube_vip": [
            {
                "namespace": "kube-system",
                "pod": "kube-vip-k8s-cp-1",
                "node": "k8s-cp-1",
                "address": "fd00:0:0:1::100",
                "arp": True,
                "control_plane": True,
            }
        ]
    }
    f = only(doc, Status.FAIL)
    assert [r.param("ip_address") for r in f.remedies] == ["fd00:0:0:1::100/128"]


def test_an_undecided_port_still_warns_of_the_allocation_pool() -> None:
    """Only k8s-w-1 announces, and two ports of its server are on the node subnet: which one
    answers is not known, but the pool lies in that subnet's allocation pool either way."""
    hostname = {"key": "kubernetes.io/hostname", "operator": "In", "values": ["k8s-w-1"]}
    ads = [{"name": "l2", "kind": "l2", "node_selectors": [{"match_expressions": [hostname]}]}]
    doc = metallb_doc(allocation_end="10.0.0.254", ads=ads)
    for node in doc["cluster"]["nodes"]:
        node["labels"] = {**node.get("labels", {}), "kubernetes.io/hostname": node["name"]}
    worker = next(p for p in ports_of(doc) if p["name"] == "k8s-w-1-port")
    twin = {**worker, "id": fake_id("port", "k8s-w-1-twin"), "name": "k8s-w-1-twin"}
    twin["fixed_ips"] = [{**worker["fixed_ips"][0], "ip_address": "10.0.0.99"}]
    ports_of(doc).append(twin)
    found = vip_findings(doc)
    assert [f.status for f in found if f.cause != "vip-allocation-pool"] == [Status.UNKNOWN]
    assert [f.cause for f in found if f.severity == "low"] == ["vip-allocation-pool"]
