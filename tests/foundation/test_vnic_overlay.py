"""SR-IOV node ports on a VXLAN, Geneve or GRE network: the sriovnicswitch driver binds flat
and VLAN segments only, so there only ML2/OVS (vnic direct) or ML2/OVN (also direct-physical
and macvtap) bind such a port, offloaded to OVS, and their firewall filters it: its drops
stand, are root causes and are planned like a normal port's (docs/facts.md "Ports Neutron's
firewall may not filter"). Before, every such drop was undecided and nothing was planned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.cases import open_unknowns
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack.model.load import parse_snapshot
from kostack.plan.build import build_plan
from kostack_testkit.builders import example_doc

Doc = dict[str, Any]
CHECK = "net-pod-src-antispoof"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def _doc(
    example: str, kinds: dict[str, str], net: str | None, backend: str | None = "ml2/ovs"
) -> Doc:
    """The example with the named nodes' ports of these vnic types, on a ``net`` node network."""
    path = EXAMPLES / f"{example}.json"
    doc = json.loads(path.read_text()) if path.exists() else example_doc(example)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        port["vnic_type"] = kinds.get(names.get(port["id"], ""), port.get("vnic_type"))
    for network in doc["openstack"]["networks"]:
        if not network.get("router_external"):
            network["network_type"] = net
    doc["openstack"]["backend"] = backend
    return doc


def _ports(snap: Snapshot, nodes: tuple[str, ...] | set[str]) -> set[str]:
    return {link.port_id for link in snap.node_ports if link.node in nodes and link.port_id}


def _outcome(snap: Snapshot) -> tuple[object, ...]:
    """What a user sees: the root causes (their checks, statuses, nodes) and the plan."""
    result = diagnose(snap)
    causes = tuple(
        (c.key, tuple((f.check_id, f.status, tuple(sorted(f.nodes))) for f in c.findings))
        for c in result.root_causes
    )
    plan = sorted((a.operation, a.target.kind, a.target.id) for a in build_plan(snap).actions)
    return result.verdict.kind, causes, tuple(plan)


@pytest.mark.parametrize(
    ("net", "vnic", "backend"),
    [
        ("vxlan", "direct", "ml2/ovs"),
        ("gre", "direct", "ml2/ovs"),
        ("vxlan", "direct", None),  # either backend binds direct: no need to know which
        ("geneve", "direct", "ml2/ovn"),
        ("geneve", "macvtap", "ml2/ovn"),
        ("geneve", "direct-physical", "ml2/ovn"),
        ("VXLAN", "direct", "ml2/ovs"),
    ],
)
def test_the_seed_on_overlay_sriov_ports_is_diagnosed_and_planned_as_on_normal_ports(
    net: str, vnic: str, backend: str | None
) -> None:
    snap = parse_snapshot(_doc("seed-incident", dict.fromkeys(NODES, vnic), net, backend))
    normal = parse_snapshot(_doc("seed-incident", dict.fromkeys(NODES, "normal"), net, backend))
    seen = _outcome(snap)
    assert seen == _outcome(normal)
    kind, causes, plan = seen
    assert kind == "root-causes" and causes[0][0] == "antispoof"
    assert _ports(snap, NODES) <= {target for _, _, target in plan}


def test_the_trace_says_why_the_drop_stands_in_both_languages() -> None:
    snap = parse_snapshot(_doc("seed-incident", {"k8s-w-1": "direct"}, "vxlan"))
    topo = Topology(snap)
    (port,) = _ports(snap, {"k8s-w-1"})
    src, _, _ = parse_endpoint(topo, "pod:kube-system/coredns-674b8bbfcf-m9w4d")  # on k8s-w-1
    dst, dport, proto = parse_endpoint(topo, "ip:1.1.1.1:443/tcp")
    (result, *_) = trace(topo, src, dst, proto or "tcp", dport)
    hop = result.blocking
    assert hop is not None and hop.step == "antispoof"
    assert hop.disposition == Disposition.DENIED and hop.cause == "antispoof"
    texts = [e.text() for e in hop.evidence]
    assert f"port {port} binding:vnic_type=direct" in texts
    assert "network e74d7a36-5959-58a4-b942-6335d34f67eb provider:network_type=vxlan" in texts
    en, ko = L(hop.detail, "en"), L(hop.detail, "ko")
    assert en.startswith("source 10.244.") and "not in fixed_ips" in en
    assert f"port {port} is an SR-IOV port (vnic_type direct) on vxlan network k8s-net" in en
    assert "only ML2/OVS or OVN bind it there, offloaded to OVS, whose firewall filters it" in en
    assert "hierarchical port binding" in en and "계층적 포트 바인딩" in ko
    assert f"`openstack port show {port} -c binding_vif_type` says ovs" in en
    assert f"포트 {port}는 vxlan 네트워크 k8s-net의 SR-IOV 포트(vnic_type direct)입니다" in ko
    assert "그 방화벽이 이 포트를 거릅니다" in ko


@pytest.mark.parametrize(
    ("net", "vnic", "backend"),
    [
        ("vlan", "direct", "ml2/ovs"),  # the SR-IOV driver binds VLAN networks
        ("flat", "direct", "ml2/ovn"),
        ("vxlan", "macvtap", "ml2/ovs"),  # ML2/OVS binds no macvtap port, offloaded or not
        ("gre", "macvtap", None),  # only ML2/OVN binds it: which is not known
        ("geneve", "accelerator-direct", "ml2/ovn"),  # neither binds it
        ("vxlan", "baremetal", "ml2/ovs"),
        ("vxlan", "remote-future", "ml2/ovs"),  # a vnic type kostack does not know
        (None, "macvtap", "ml2/ovs"),  # the type not visible: ML2/OVS binds no macvtap port
    ],
)
def test_ports_no_in_tree_firewall_must_filter_stay_undecided(
    net: str | None, vnic: str, backend: str | None
) -> None:
    snap = parse_snapshot(_doc("seed-incident", dict.fromkeys(NODES, vnic), net, backend))
    result = diagnose(snap)
    assert result.root_causes == () and result.verdict.kind == "undecided"
    (finding,) = [f for f in result.findings if f.check_id == CHECK]
    assert finding.status == Status.UNKNOWN and set(finding.nodes) == set(NODES)
    assert build_plan(snap).actions == ()


def test_a_mixed_cluster_on_vxlan_names_and_fixes_the_normal_and_direct_ports() -> None:
    kinds = {
        "k8s-cp-1": "normal",
        "k8s-w-1": "direct",
        "k8s-w-2": "baremetal",
        "k8s-w-3": "macvtap",
    }
    snap = parse_snapshot(_doc("seed-incident", kinds, "vxlan"))
    result = diagnose(snap)
    (cause,) = result.root_causes
    assert cause.key == "antispoof"
    (fail,) = cause.findings
    assert set(fail.nodes) == {"k8s-cp-1", "k8s-w-1"}
    (undecided,) = [
        f for f in result.findings if f.check_id == CHECK and f.status == Status.UNKNOWN
    ]
    assert set(undecided.nodes) == {"k8s-w-2", "k8s-w-3"}
    assert {a.target.id for a in build_plan(snap).actions} == _ports(snap, {"k8s-cp-1", "k8s-w-1"})


@pytest.mark.parametrize(
    ("example", "cause", "check"),
    [
        # a security-group drop (the VXLAN port of the CNI's tunnel)
        ("vxlan-always-no-4789", "sg-encap", "net-sg-cni-encap"),
        # pairs that miss a pool: neutron-allowed-pairs-scope judges these ports' pairs
        ("calico-two-pools-native-no-pairs", "antispoof", "neutron-allowed-pairs-scope"),
        # the LoadBalancer member's NodePort hop
        ("lb-amphora-nodeport-blocked", "lb-nodeport-blocked", "lb-nodeport-source"),
    ],
)
def test_every_use_of_the_rule_plans_overlay_sriov_ports_like_normal_ones(
    example: str, cause: str, check: str
) -> None:
    snap = parse_snapshot(_doc(example, dict.fromkeys(NODES, "direct"), "vxlan"))
    normal = parse_snapshot(_doc(example, dict.fromkeys(NODES, "normal"), "vxlan"))
    seen = _outcome(snap)
    assert seen == _outcome(normal)
    _, causes, plan = seen
    assert any(key == cause and check in {c for c, _, _ in fs} for key, fs in causes), causes
    assert plan != ()


def test_an_unknown_backend_makes_a_direct_physical_drop_conditional_on_ml2_ovn() -> None:
    """ML2/OVN binds a direct-physical port on an overlay (offloaded), ML2/OVS binds none:
    the seed's groups have remote-group rules, so the backend is a case (engine/cases.py)."""
    doc = _doc("seed-incident", dict.fromkeys(NODES, "direct-physical"), "vxlan", None)
    result = diagnose(parse_snapshot(doc))
    assert result.root_causes == ()
    assert ("antispoof", "on ML2/OVN") in [
        (c.key, L(c.condition, "en")) for c in result.conditional
    ]
    (cond,) = [f for f in result.findings if f.check_id == CHECK and f.status == Status.CONDITIONAL]
    assert set(cond.nodes) == set(NODES)


def test_a_network_type_not_visible_makes_the_drop_conditional_on_an_overlay() -> None:
    """A non-admin does not see provider:network_type: the engine takes both cases (an
    overlay: the drop stands; flat or VLAN: undecided) and says how an admin tells them apart.
    Before, the drop was undecided and nothing was planned."""
    snap = parse_snapshot(_doc("seed-incident", dict.fromkeys(NODES, "direct"), None))
    assert open_unknowns(snap) == ("overlay",)
    result = diagnose(snap)
    assert result.root_causes == () and result.verdict.kind == "undecided"
    (cause,) = result.conditional
    assert cause.key == "antispoof"
    assert L(cause.condition, "en") == "if the node network is an overlay (VXLAN, Geneve or GRE)"
    assert L(cause.condition, "ko") == "오버레이(VXLAN, Geneve, GRE) 노드 네트워크"
    (cond,) = [f for f in result.findings if f.status == Status.CONDITIONAL]
    assert cond.check_id == CHECK and set(cond.nodes) == set(NODES)
    (tell,) = cond.tell
    ask = "`openstack network show e74d7a36-5959-58a4-b942-6335d34f67eb -c provider:network_type`"
    assert ask in L(tell, "en") and "flat or vlan: the SR-IOV driver may bind them" in L(tell, "en")
    assert f"관리자는 {ask}으로 네트워크 유형을 볼 수 있습니다" in L(tell, "ko")
    # planned as a conditional cause's remedies are: pairs change nothing where unfiltered
    assert {a.target.id for a in build_plan(snap).actions} == _ports(snap, NODES)


@pytest.mark.parametrize(
    ("kinds", "backend"),
    [
        (dict.fromkeys(NODES, "normal"), "ml2/ovs"),
        (dict.fromkeys(NODES, "baremetal"), "ml2/ovs"),
        (dict.fromkeys(NODES, "macvtap"), "ml2/ovs"),
        (dict.fromkeys(NODES, "accelerator-direct"), None),
    ],
)
def test_the_overlay_case_opens_only_for_ports_it_can_decide(
    kinds: dict[str, str], backend: str | None
) -> None:
    snap = parse_snapshot(_doc("seed-incident", kinds, None, backend))
    assert "overlay" not in open_unknowns(snap)
