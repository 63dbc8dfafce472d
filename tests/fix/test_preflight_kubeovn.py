"""`kostack preflight --cni kube-ovn`: install.sh's network types (geneve, vxlan, stt, vlan),
the rules each needs (OVN's tunnel decided by the engine reading the planned `KubeOvn`
record; ovn-central's databases and Raft), the MTU Kube-OVN deducts, the underlay's port
security, and what Kube-OVN has no setting for."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from fix_cloud import create_recommended, run_cli
from test_preflight_antrea import _without

import kostack.plan.preflight as pf
from kostack.analyze.diagnose import diagnose
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.topology import Topology
from kostack.collect.openstack import collect_openstack
from kostack.plan.preflight import PlannedNode, PreflightSpec, planned_cluster, preflight
from kostack.report.preflight import render_text
from kostack_lab.neutron import openstack_connection

CIDRS = ("--pod-cidr", "10.16.0.0/16", "--service-cidr", "10.96.0.0/12")
NODES = ("--node", "10.0.0.11=k8s-cp-1", "--node", "10.0.0.12=k8s-w-1")
BASE = {"apiserver", "kubelet", "kube_ovn_db"}  # and the tunnel's: every network type


def spec(control_planes: int = 1, **kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i < control_planes)
        for i, (name, ip) in enumerate(
            [("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12"), ("k8s-w-2", "10.0.1.13")]
        )
    )
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.16.0.0/16"),
        "service_cidr": ipaddress.ip_network("10.96.0.0/12"),
        "cni": "kube-ovn",
        "mode": "geneve",
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "tunnel", "wire"),
    [
        ("geneve", "kube_ovn_geneve", ("udp", 6081)),
        ("vxlan", "kube_ovn_vxlan", ("udp", 4789)),
        ("stt", "kube_ovn_stt", ("tcp", 7471)),
    ],
)
@pytest.mark.parametrize("nat", [True, False])
def test_each_overlay_plans_its_rules_and_the_engine_verifies_them(
    mode: str, tunnel: str, wire: tuple[str, int], nat: bool
) -> None:
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(mode=mode, backend=backend, nat_outgoing=nat))
        slugs = {r.slug for r in result.rules}
        # without natOutgoing, pods reach node addresses (the API server) with their own
        assert slugs == {*BASE, tunnel, *(() if nat else ("pod_cidr",))}
        assert all(bool(p.pairs) is not nat for p in result.ports)
        # natOutgoing off: Kube-OVN's pods have no range per node, so no route per node is
        # planned; the engine finds the replies lost and a note says why
        remaining = set() if nat else {"router-no-route-back"}
        assert {r.key for r in result.remaining} == remaining, (backend, mode)
        assert result.routes == ()
        notes = " ".join(str(n) for n in result.notes)
        assert ("not from a range per node" in notes) is not nat
        rule = next(r.rule for r in result.rules if r.slug == tunnel)
        assert (rule.protocol, rule.port_range_min) == wire
        assert rule.remote_group_id is not None and rule.remote_ip_prefix is None
        db = next(r.rule for r in result.rules if r.slug == "kube_ovn_db")
        assert (db.protocol, db.port_range_min, db.port_range_max) == ("tcp", 6641, 6642)
        cni = planned_cluster(result.spec, result.recommended_mtu).cni
        assert cni is not None and cni.type == "kube-ovn" and cni.kube_ovn is not None
        assert (cni.kube_ovn.tunnel_type, cni.kube_ovn.network_type) == (mode, mode)
        default = (cni.kube_ovn.subnets or ())[0]
        assert default.default and default.nat_outgoing is nat and not default.vlan


@pytest.mark.parametrize("mode", ["geneve", "vxlan", "stt"])
def test_without_the_tunnel_rule_the_engine_finds_the_tunnel_blocked(mode: str) -> None:
    """The engine, reading the planned KubeOvn record, is what needs the tunnel rule: the same
    plan with a group lacking it breaks pod traffic between the nodes."""
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(mode=mode, backend=backend))
        keys = {rc.key for rc in diagnose(_without(result, f"kube_ovn_{mode}")).root_causes}
        assert "sg-encap" in keys, keys


def test_raft_between_control_planes_only_with_more_than_one() -> None:
    assert "kube_ovn_raft" not in {r.slug for r in preflight(spec()).rules}
    result = preflight(spec(control_planes=2))
    raft = next(r.rule for r in result.rules if r.slug == "kube_ovn_raft")
    assert (raft.protocol, raft.port_range_min, raft.port_range_max) == ("tcp", 6643, 6644)
    assert result.remaining == ()


def test_vlan_needs_port_security_off_which_pairs_do_not_replace() -> None:
    """Underlay pods send with their own MACs: preflight plans no pairs (none would pass), says
    port security must be off, and the engine still finds anti-spoofing on the plan."""
    result = preflight(spec(mode="vlan", backend="ml2/ovn"))
    assert all(not p.pairs for p in result.ports)
    assert {r.slug for r in result.rules} == {*BASE, "kube_ovn_geneve"}
    assert "antispoof" in {r.key for r in result.remaining}
    notes = " ".join(str(n) for n in result.notes)
    assert "--disable-port-security" in notes and "no allowed address pair admits" in notes
    # and Kube-OVN must leave Neutron's addresses alone, which diagnose checks
    assert "EXCLUDE_IPS must hold every address Neutron holds" in notes
    assert "(neutron-underlay-addresses)" in notes
    assert "always encapsulated" not in notes
    cni = planned_cluster(result.spec, result.recommended_mtu).cni
    assert cni is not None and cni.kube_ovn is not None
    assert cni.kube_ovn.tunnel_type == "geneve" and cni.kube_ovn.network_type == "vlan"
    assert (cni.kube_ovn.subnets or ())[0].vlan == "ovn-vlan"
    ko = " ".join(render_text(result, "ko").split())
    assert "노드 포트의 포트 보안을 끄세요" in ko


@pytest.mark.parametrize(
    ("mode", "v6", "deducted"),
    [
        ("geneve", False, 100),
        ("vxlan", False, 50),
        ("stt", False, 72),
        ("vlan", False, 100),  # kube-ovn-cni's --network-type stays geneve
        ("geneve", True, 120),  # 20 more when the encap address (the primary) is IPv6
    ],
)
def test_the_pod_mtu_is_what_kube_ovn_deducts(mode: str, v6: bool, deducted: int) -> None:
    extra: dict[str, object] = {}
    if v6:
        nodes = (PlannedNode("k8s-cp-1", ipaddress.ip_address("fd00:0:0:1::11"), True),)
        extra = {
            "nodes": nodes,
            "pod_cidr": ipaddress.ip_network("fd00:10:16::/56"),
            "service_cidr": ipaddress.ip_network("fd00:10:96::/112"),
        }
    result = preflight(spec(mode=mode, network_mtu=1450, **extra))
    assert result.recommended_mtu == 1450 - deducted
    cloud = pf.planned_cloud(result.spec)
    ports = pf._current_ports(result.spec, cloud)
    planned = pf.planned_snapshot(result.spec, cloud, 0, ports, cloud.groups, cloud.routers)
    topo = Topology(planned)
    pod_mtus = {effective_mtu(topo, v).pod_mtu for v in topo.node_views.values()}
    assert pod_mtus == {1450 - deducted}  # the engine's reading of kube-ovn-cni --mtu 0


def test_dual_stack_tunnels_over_the_primary_family() -> None:
    """One ovn-encap-ip per node, its primary: the tunnel rule is IPv4 only, both families'
    pods have addresses in ovn-default, and nothing remains."""
    nodes = tuple(
        PlannedNode(
            name,
            ipaddress.ip_address(f"10.0.0.{i}"),
            i == 11,
            (ipaddress.ip_address(f"fd00::{i}"),),
        )
        for name, i in (("k8s-cp-1", 11), ("k8s-w-1", 12))
    )
    result = preflight(
        spec(
            nodes=nodes,
            network_mtu=1450,
            pod_cidr_secondary=ipaddress.ip_network("fd00:10:16::/56"),
            service_cidr_secondary=ipaddress.ip_network("fd00:10:96::/112"),
        )
    )
    geneve = [r.rule.ethertype for r in result.rules if r.slug.startswith("kube_ovn_geneve")]
    assert geneve == ["IPv4"]
    assert result.recommended_mtu == 1350
    assert result.remaining == ()
    cluster = planned_cluster(result.spec, result.recommended_mtu)
    assert all(len(p.addresses) == 2 for p in cluster.pods or ())


def test_described_in_kube_ovns_words() -> None:
    assert str(spec().describe_cni()) == "Kube-OVN NETWORK_TYPE geneve (natOutgoing on)"
    assert str(spec(mode="vlan", nat_outgoing=False).describe_cni()) == (
        "Kube-OVN NETWORK_TYPE vlan (Subnet ovn-default vlan ovn-vlan), TUNNEL_TYPE geneve "
        "(natOutgoing off)"
    )


@pytest.mark.parametrize(
    ("args", "en", "ko"),
    [
        (("--wireguard",), "Kube-OVN has no WireGuard", "Kube-OVN에는 WireGuard가 없습니다"),
        (("--mode", "gre"), "kube-ovn has no mode 'gre'", "geneve, vxlan, stt, vlan"),
        (("--tunnel-type", "vxlan"), "--tunnel-type is Antrea's tunnelType", "Antrea의 tunnelType"),
    ],
)
def test_what_kube_ovn_refuses_is_a_usage_error(args: tuple[str, ...], en: str, ko: str) -> None:
    for lang, says in (("en", en), ("ko", ko)):
        run = run_cli(
            "preflight", *CIDRS, *NODES, "--cni", "kube-ovn", *args, "--lang", lang, environ={}
        )
        assert run.code == 2, run.stdout
        assert says in run.stderr, run.stderr


def test_the_cli_json_and_the_korean_report() -> None:
    run = run_cli("preflight", *CIDRS, *NODES, "--cni", "kube-ovn", "-o", "json", environ={})
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["inputs"]["cni"] == "kube-ovn" and doc["inputs"]["mode"] == "geneve"
    geneve = next(r for r in doc["recommended"]["rules"] if r["name"] == "kube_ovn_geneve")
    assert (geneve["protocol"], geneve["port_range_min"]) == ("udp", 6081)
    assert any("--dst-port 6641:6642 --remote-group k8s-nodes" in c for c in doc["commands"])
    run = run_cli("preflight", *CIDRS, *NODES, "--cni", "kube-ovn", "--mode", "vlan", environ={})
    assert run.code == 1, run.stderr  # anti-spoofing remains until port security is off
    text = render_text(preflight(spec(control_planes=2, mode="stt")), "ko")
    ko = " ".join(text.split("# --- open")[0].split())
    assert "ovn-central 노스바운드·사우스바운드 데이터베이스 (tcp 6641-6642)" in ko
    assert "컨트롤 플레인 노드 간 ovn-central Raft (tcp 6643-6644)" in ko
    assert "Kube-OVN STT (tcp 7471)" in ko and "Antrea, Kube-OVN은 설정이 없으면" in ko
    assert "ovn-central northbound" not in ko


@pytest.mark.neutron
@pytest.mark.parametrize("mode", ["geneve", "vxlan", "vlan"])
def test_the_recommendation_created_in_neutron_works(neutron: str, mode: str) -> None:
    """What preflight prints, created in the real Neutron and collected back: the planned
    Kube-OVN cluster on it has no port or group problem (vlan: once port security is off on
    the node ports, as its note says); without the tunnel's rule it has."""
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate([("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12")])
    )
    result = preflight(spec(mode=mode, nodes=nodes, backend="ml2/ovn"))
    built = create_recommended(neutron, result)
    keys = {rc.key for rc in diagnose(built).root_causes}  # (no router is created: no-router)
    if mode == "vlan":
        assert "antispoof" in keys, keys
        conn = openstack_connection(neutron)
        for port in conn.network.ports(device_owner="compute:nova"):
            conn.network.update_port(port, security_groups=[], port_security_enabled=False)
        record, gaps = collect_openstack(conn, project_scope=None, backend_hint="ml2/ovn")
        assert gaps == ()
        built = built.model_copy(update={"openstack": record})
        keys = {rc.key for rc in diagnose(built).root_causes}
    assert not {"antispoof", "sg-encap", "sg-pod-source", "sg-node"} & keys, keys
    if mode == "vlan":
        return
    tunnel = next(r for r in result.rules if r.slug == f"kube_ovn_{mode}")
    os_ = built.openstack
    assert os_ is not None and os_.security_groups is not None
    groups = tuple(
        g.model_copy(
            update={"rules": tuple(r for r in g.rules if r.description != tunnel.rule.description)}
        )
        for g in os_.security_groups
    )
    broken = built.model_copy(
        update={"openstack": os_.model_copy(update={"security_groups": groups})}
    )
    assert "sg-encap" in {rc.key for rc in diagnose(broken).root_causes}


NET = ipaddress.ip_network
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("kw", "pods", "said"),
    [
        ({"subnet_cidr": NET("10.0.0.0/16")}, "10.16.0.0/16", "outside"),
        ({"subnet_cidr": NET("10.0.0.0/16")}, "10.0.128.0/17", None),
        ({}, "10.16.0.0/16", "unchecked"),  # the network is planned: its subnets made up
        ({"recorded": True}, "10.16.0.0/16", "outside"),
        ({"recorded": True}, "10.0.0.128/25", None),
    ],
)
def test_vlan_pods_must_lie_in_the_nodes_subnet(
    kw: dict[str, object], pods: str, said: str
) -> None:
    """Underlay pods take addresses on the nodes' network (install.sh POD_CIDR, "The Underlay
    network CIDR"): a pod CIDR outside the nodes' subnet is a problem, said first (en+ko);
    with no subnet read or given, the note says it was not checked. Geneve is not checked."""
    from kostack.model import load_snapshot
    from kostack.plan.preflight import nodes_from_ports

    if kw.pop("recorded", False):
        os_ = load_snapshot(EXAMPLES / "seed-incident.json").openstack
        assert os_ is not None
        net = next(n for n in os_.networks or () if n.name == "k8s-net")  # 10.0.0.0/24
        kw = {"openstack": os_, "network_id": net.id, "nodes": nodes_from_ports(os_, net.id, 1)}
    result = preflight(spec(mode="vlan", pod_cidr=NET(pods), **kw))
    keys = [getattr(n, "key", "") for n in result.notes]
    underlay = [k for k in keys if k.startswith("preflight.note.kube-ovn-underlay-")]
    assert underlay == ([f"preflight.note.kube-ovn-underlay-{said}"] if said else [])
    if said == "outside":
        assert keys[0] == underlay[0]
        en, ko = (" ".join(render_text(result, lang).split()) for lang in ("en", "ko"))
        assert (
            f"Problem: Kube-OVN vlan puts the pods on the nodes' own network, but pod CIDR {pods}"
            in en
        )
        assert (
            f"문제: Kube-OVN vlan은 Pod를 노드 자신의 네트워크에 두는데, Pod CIDR {pods}이 노드"
            in ko
        )
    geneve = preflight(spec(mode="geneve", pod_cidr=NET(pods), **kw))
    assert not any("underlay-" in getattr(n, "key", "") for n in geneve.notes)
