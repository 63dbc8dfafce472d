"""A node port's binding:vif_type (admin-only) decides what its vnic type leaves open: ``ovs``
(ML2/OVS or OVN, SR-IOV offloaded too) is filtered, so a drop stands; ``hw_veb`` and
``hostdev_physical`` (sriovnicswitch) and ``macvtap`` (the macvtap driver, which runs only the
noop firewall, whatever the vnic type) are not, so nothing there drops a pod's packet. Before,
kostack read only the vnic type: an admin's snapshot of SR-IOV ports left every drop undecided,
a normal port bound by the macvtap driver got a root cause and a plan for a filter that is not
there, and an SR-IOV port on VXLAN bound through a fabric's VLAN (hierarchical port binding)
got a decided drop (docs/facts.md "Ports Neutron's firewall may not filter")."""

from __future__ import annotations

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.collect._neutron_records import port_record
from kostack.model import Snapshot
from kostack.plan.build import build_plan
from kostack_testkit.builders import build, example_doc, port_of

CHECK = "net-pod-src-antispoof"
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def _seed(bound: dict[str, tuple[str, str]], net: str = "vlan") -> Snapshot:
    """The seed with the named nodes' ports of these (vnic type, vif type), on a ``net`` network."""
    doc = example_doc("seed-incident")
    for network in doc["openstack"]["networks"]:
        if not network.get("router_external"):
            network["network_type"] = net
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        if names.get(port["id"]) in bound:
            port["vnic_type"], port["vif_type"] = bound[names[port["id"]]]
    return build(doc)


@pytest.mark.parametrize(
    ("vnic", "vif", "net"),
    [
        ("direct", "hw_veb", "vlan"),
        ("direct-physical", "hostdev_physical", "flat"),
        ("normal", "macvtap", "vlan"),  # the macvtap ML2 driver: a normal port, unfiltered
        ("macvtap", "hw_veb", "flat"),  # sriovnicswitch binds vnic macvtap as hw_veb
        ("direct", "hw_veb", "vxlan"),  # hierarchical port binding: a VLAN below the VXLAN
    ],
)
def test_ports_bound_unfiltered_drop_nothing_so_no_cause_and_no_plan(
    vnic: str, vif: str, net: str
) -> None:
    snap = _seed(dict.fromkeys(NODES, (vnic, vif)), net)
    result = diagnose(snap)
    assert result.root_causes == () and build_plan(snap).actions == ()
    assert not [f for f in result.findings if f.check_id == CHECK and f.status != Status.PASS]


def test_the_trace_says_which_driver_bound_it_in_english_and_korean() -> None:
    snap = _seed({"k8s-w-1": ("direct", "hw_veb")})
    topo = Topology(snap)
    port = port_of(snap, "k8s-w-1")
    src, _, _ = parse_endpoint(topo, "pod:kube-system/coredns-674b8bbfcf-m9w4d")  # on k8s-w-1
    dst, dport, proto = parse_endpoint(topo, "ip:1.1.1.1:443/tcp")
    (result, *_) = trace(topo, src, dst, proto or "tcp", dport)
    (hop,) = [h for h in result.hops if h.step == "antispoof"]
    assert hop.disposition == Disposition.ACCEPTED and hop.cause == ""
    assert hop.evidence[0].text() == f"port {port} binding:vif_type=hw_veb"
    en, ko = L(hop.detail, "en"), L(hop.detail, "ko")
    assert f"port {port} is bound as hw_veb (binding:vif_type), by the SR-IOV driver" in en
    assert "so this passes (a filtered port would drop it:" in en and "not in fixed_ips" in en
    assert f"포트 {port}는 SR-IOV 드라이버(sriovnicswitch" in ko
    assert "검사)가 바인딩했습니다(binding:vif_type hw_veb)" in ko and "통과합니다" in ko


@pytest.mark.parametrize("net", ["vlan", "vxlan"])
def test_an_sriov_port_bound_through_ovs_is_filtered_so_its_drop_stands(net: str) -> None:
    """Offloaded to OVS (switchdev): before, on VLAN the drop was undecided."""
    snap = _seed(dict.fromkeys(NODES, ("direct", "ovs")), net)
    (cause,) = diagnose(snap).root_causes
    assert cause.key == "antispoof" and set(cause.findings[0].nodes) == set(NODES)
    assert {a.target.id for a in build_plan(snap).actions} == {port_of(snap, n) for n in NODES}


def test_a_mixed_cluster_fixes_only_the_filtered_ports() -> None:
    bound = {
        "k8s-cp-1": ("normal", "ovs"),
        "k8s-w-1": ("direct", "hw_veb"),
        "k8s-w-2": ("direct", "ovs"),
        "k8s-w-3": ("direct", "unbound"),  # not a binding that says: the vnic type does
    }
    snap = _seed(bound)
    result = diagnose(snap)
    # k8s-w-1's pods now leave their node, and the filtered nodes' groups refuse them
    spoof, ingress = result.root_causes
    assert (spoof.key, ingress.key) == ("antispoof", "sg-pod-source")
    assert set(spoof.findings[0].nodes) == {"k8s-cp-1", "k8s-w-2"}
    assert {r.name for r in ingress.resources} == {"k8s-cp-1", "k8s-w-2"}
    (undecided,) = [
        f for f in result.findings if f.check_id == CHECK and f.status == Status.UNKNOWN
    ]
    assert set(undecided.nodes) == {"k8s-w-3"}
    planned = {a.target.id for a in build_plan(snap).actions if a.target.kind == "port"}
    assert planned == {port_of(snap, "k8s-cp-1"), port_of(snap, "k8s-w-2")}


def test_binding_vif_type_is_read_as_the_api_and_openstacksdk_spell_it() -> None:
    raw = {"id": "p", "network_id": "n", "mac_address": "fa:16:3e:00:00:01"}
    assert port_record({**raw, "binding:vif_type": "hw_veb"}).vif_type == "hw_veb"
    assert port_record({**raw, "binding_vif_type": "ovs"}).vif_type == "ovs"
    assert port_record(raw).vif_type is None  # not an admin: not in the answer
