"""Node ports Neutron's OVS/OVN firewall may not filter (binding:vnic_type SR-IOV or bare
metal): their anti-spoofing and security-group drops are undecided, never a root cause or a
planned change; except an SR-IOV port on a VXLAN, Geneve or GRE network, which only ML2/OVS
or OVN bind, offloaded, and filter (docs/facts.md "Ports Neutron's firewall may not filter")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.collect._neutron_records import port_record
from kostack.model import Snapshot
from kostack.model.load import parse_snapshot
from kostack.plan.build import build_plan
from kostack_testkit.builders import Doc, build, example_doc, port_of

CHECK = "net-pod-src-antispoof"
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def _with(example: str, kinds: dict[str, str], net: str | None = None) -> tuple[Doc, Snapshot]:
    """The example with the named nodes' ports of these vnic types (on a ``net`` network)."""
    doc = example_doc(example)
    _retype(doc, net)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        if names.get(port["id"]) in kinds:
            port["vnic_type"] = kinds[names[port["id"]]]
    return doc, build(doc)


def _retype(doc: Doc, net: str | None) -> None:
    """The node network (the examples': VXLAN) of type ``net``, when given."""
    for network in doc["openstack"]["networks"]:
        if net is not None and not network.get("router_external"):
            network["network_type"] = net


@pytest.mark.parametrize(
    ("vnic", "net", "en", "ko"),
    [
        ("direct", "vlan", "is an SR-IOV port (vnic_type direct)", "SR-IOV 포트(vnic_type direct)"),
        (
            "macvtap",
            "flat",
            "is an SR-IOV port (vnic_type macvtap)",
            "SR-IOV 포트(vnic_type macvtap)",
        ),
        (
            "baremetal",
            "vxlan",
            "is a bare-metal port (vnic_type baremetal)",
            "베어메탈 포트(vnic_type baremetal)",
        ),
    ],
)
def test_the_seed_on_unfiltered_ports_has_no_anti_spoofing_root_cause_and_no_plan(
    vnic: str, net: str, en: str, ko: str
) -> None:
    _, snap = _with("seed-incident", dict.fromkeys(NODES, vnic), net)
    result = diagnose(snap)
    assert result.root_causes == () and result.verdict.kind == "undecided"
    (finding,) = [f for f in result.findings if f.check_id == CHECK]
    assert finding.status == Status.UNKNOWN and set(finding.nodes) == set(NODES)
    # the text says why, in both languages: what the port is, and what would drop it
    assert en in L(finding.message, "en") and "not in fixed_ips" in L(finding.message, "en")
    assert ko in L(finding.message, "ko") and "차단됩니다" in L(finding.message, "ko")
    assert any(ko in L(r, "ko") for r in result.verdict.reasons)
    assert build_plan(snap).actions == ()  # nothing to change on ports Neutron may not filter


def test_a_mixed_cluster_names_and_fixes_only_the_normal_ports() -> None:
    kinds = {"k8s-cp-1": "normal", "k8s-w-1": "direct", "k8s-w-2": "normal", "k8s-w-3": "macvtap"}
    _, snap = _with("seed-incident", kinds, "vlan")
    result = diagnose(snap)
    (cause,) = result.root_causes
    assert cause.key == "antispoof"
    (fail,) = cause.findings
    assert set(fail.nodes) == {"k8s-cp-1", "k8s-w-2"}
    (undecided,) = [
        f for f in result.findings if f.check_id == CHECK and f.status == Status.UNKNOWN
    ]
    assert set(undecided.nodes) == {"k8s-w-1", "k8s-w-3"}
    planned = {a.target.id for a in build_plan(snap).actions}
    assert planned == {port_of(snap, "k8s-cp-1"), port_of(snap, "k8s-w-2")}


def test_the_trace_says_why_with_the_vnic_type_as_evidence_and_a_pass_stands() -> None:
    _, snap = _with("seed-incident", {"k8s-w-1": "direct-physical"})
    topo = Topology(snap)
    port = port_of(snap, "k8s-w-1")
    src, _, _ = parse_endpoint(topo, "pod:kube-system/coredns-674b8bbfcf-m9w4d")  # on k8s-w-1
    dst, dport, proto = parse_endpoint(topo, "ip:1.1.1.1:443/tcp")
    (result, *_) = trace(topo, src, dst, proto or "tcp", dport)
    hop = result.blocking
    assert hop is not None and hop.step == "antispoof"
    assert hop.disposition == Disposition.UNKNOWN and hop.cause == "vnic-unfiltered"
    assert hop.evidence[0].text() == f"port {port} binding:vnic_type=direct-physical"
    assert f"port {port} is an SR-IOV port (vnic_type direct-physical)" in L(hop.detail, "en")
    assert f"`openstack port show {port} -c binding_vif_type`" in L(hop.detail, "en")
    assert "VF의 spoofchk는 출발지 MAC만 검사" in L(hop.detail, "ko")
    # the node's own address passes anti-spoofing either way: no change there
    node, _, _ = parse_endpoint(topo, "node:k8s-w-1")
    (ok, *_) = trace(topo, node, dst, proto or "tcp", dport)
    assert ok.ok


def test_a_security_group_drop_on_an_unfiltered_port_is_undecided() -> None:
    _, before = _with("vxlan-always-no-4789", {})
    assert [c.key for c in diagnose(before).root_causes] == ["sg-encap"]
    _, snap = _with("vxlan-always-no-4789", dict.fromkeys(NODES, "baremetal"))
    result = diagnose(snap)
    assert result.root_causes == () and build_plan(snap).actions == ()
    assert any("networking-generic-switch" in L(r, "en") for r in result.verdict.reasons)


def test_vnic_types_bound_through_ovs_are_filtered_as_normal() -> None:
    """vdpa and smart-nic ports are bound by the OVS mechanism driver (its
    supported_vnic_types): its firewall filters them, so the seed's cause stands. Before,
    kostack knew vDPA as "vhost-vdpa", which Neutron does not say (neutron-lib's
    VNIC_VHOST_VDPA is "vdpa"), and a vDPA port's drop was undecided."""
    _, snap = _with("seed-incident", {"k8s-w-1": "vdpa", "k8s-w-2": "smart-nic"})
    (cause,) = diagnose(snap).root_causes
    assert cause.key == "antispoof" and set(cause.findings[0].nodes) == set(NODES)


def test_ports_read_with_binding_vnic_type_direct_give_no_anti_spoofing_root_cause() -> None:
    """The raw shape Neutron returns (`binding:vnic_type`, as the collect test reads it from
    the real Neutron) through the collector's port reader, then diagnosed."""
    doc = example_doc("seed-incident")
    _retype(doc, "vlan")
    snap = build(doc)
    os_ = snap.openstack
    assert os_ is not None and os_.ports is not None
    raw = [
        {
            **p.model_dump(mode="json"),
            "security_groups": list(p.security_group_ids),
            "binding:vnic_type": "direct",
        }
        for p in os_.ports
    ]
    ports = tuple(port_record(r) for r in raw)
    snap = snap.model_copy(update={"openstack": os_.model_copy(update={"ports": ports})})
    result = diagnose(snap)
    assert [c.key for c in result.root_causes] == []
    assert build_plan(snap).actions == ()


def test_pairs_that_miss_a_pool_on_unfiltered_ports_are_no_root_cause() -> None:
    """Two pools, pairs covering only one (neutron-allowed-pairs-scope plans the other's):
    on SR-IOV ports that drop is not Neutron's to make, so nothing is planned."""
    doc = json.loads((EXAMPLES_DIR / "calico-two-pools-native-no-pairs.json").read_text())
    assert [c.key for c in diagnose(parse_snapshot(doc)).root_causes] == ["antispoof"]
    for port in doc["openstack"]["ports"]:
        port["vnic_type"] = "direct"
    _retype(doc, "vlan")
    snap = parse_snapshot(doc)
    assert diagnose(snap).root_causes == () and build_plan(snap).actions == ()


def test_a_nodeport_the_groups_refuse_on_bare_metal_ports_is_undecided_not_planned() -> None:
    doc = json.loads((EXAMPLES_DIR / "lb-amphora-nodeport-blocked.json").read_text())
    assert "lb-nodeport-blocked" in [c.key for c in diagnose(parse_snapshot(doc)).root_causes]
    for port in doc["openstack"]["ports"]:
        port["vnic_type"] = "baremetal"
    snap = parse_snapshot(doc)
    result = diagnose(snap)
    assert "lb-nodeport-blocked" not in [c.key for c in result.root_causes]
    assert build_plan(snap).actions == ()  # no security-group rule for a port it may not reach
    (source,) = [f for f in result.findings if f.check_id == "lb-nodeport-source"]
    assert source.status == Status.UNKNOWN
    assert "is a bare-metal port (vnic_type baremetal)" in L(source.message, "en")
    assert "베어메탈 포트" in L(source.message, "ko")


def test_members_down_behind_an_undecided_hop_are_not_called_unexplained() -> None:
    """Before, a member whose monitor kostack could not predict (an undecided hop) read
    "kostack finds nothing in the cloud or the cluster that blocks the health monitor"."""
    doc = json.loads((EXAMPLES_DIR / "lb-amphora-nodeport-blocked.json").read_text())
    for port in doc["openstack"]["ports"]:
        port["vnic_type"] = "baremetal"
    (down,) = [f for f in diagnose(parse_snapshot(doc)).findings if f.check_id == "lb-members-down"]
    en = L(down.message, "en")
    assert "finds nothing" not in en, en
    assert "kostack cannot decide whether the cloud or the cluster blocks the health monitor" in en
    assert "is a bare-metal port (vnic_type baremetal)" in en
    assert "헬스 모니터를 막는지 kostack이 판단할 수 없습니다" in L(down.message, "ko")
