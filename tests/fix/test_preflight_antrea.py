"""`kostack preflight --cni antrea`: Antrea's modes in its own words, the rules and pairs each
needs (decided by the engine reading the planned `Antrea` record), and what Antrea refuses."""

from __future__ import annotations

import ipaddress
import json

import pytest
from fix_cloud import create_recommended, run_cli

import kostack.plan.preflight as pf
from kostack.analyze.diagnose import diagnose
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack.plan.preflight import (
    PlannedNode,
    PreflightResult,
    PreflightSpec,
    planned_cluster,
    preflight,
)
from kostack.report.preflight import render_commands, render_terraform, render_text

CIDRS = ("--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12")
NODES = ("--node", "10.0.0.11=k8s-cp-1", "--node", "10.0.0.12=k8s-w-1")
ANTREA = ("antrea_agent", "antrea_memberlist")  # in every mode (network-requirements.md)


def spec(**kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate(
            [("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12"), ("k8s-w-2", "10.0.1.13")]
        )
    )
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.244.0.0/16"),
        "service_cidr": ipaddress.ip_network("10.96.0.0/12"),
        "cni": "antrea",
        "mode": "encap",
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "extra", "tunnel", "wire", "pairs"),
    [
        ("encap", {}, "antrea_geneve", ("udp", 6081), False),
        ("encap", {"tunnel_type": "vxlan"}, "antrea_vxlan", ("udp", 4789), False),
        ("encap", {"tunnel_type": "stt"}, "antrea_stt", ("tcp", 7471), False),
        ("encap", {"tunnel_type": "gre"}, "antrea_gre", ("gre", None), False),
        ("encap", {"wireguard": True}, "antrea_wireguard", ("udp", 51820), False),
        ("noEncap", {}, None, None, True),
        ("noEncap", {"nat_outgoing": False}, None, None, True),
        ("hybrid", {}, "antrea_geneve", ("udp", 6081), True),
        ("hybrid", {"tunnel_type": "vxlan"}, "antrea_vxlan", ("udp", 4789), True),
    ],
)
def test_each_mode_plans_its_rules_and_pairs_and_the_engine_verifies_them(
    mode: str,
    extra: dict[str, object],
    tunnel: str | None,
    wire: tuple[str, int | None] | None,
    pairs: bool,
) -> None:
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(mode=mode, backend=backend, **extra))
        slugs = {r.slug for r in result.rules}
        native = {"pod_cidr"} if pairs else set()
        assert slugs == {"apiserver", "kubelet", *ANTREA, *native, *({tunnel} - {None})}
        assert all(bool(p.pairs) == pairs for p in result.ports)
        assert result.remaining == (), (backend, mode, result.remaining)
        if wire is not None:
            rule = next(r.rule for r in result.rules if r.slug == tunnel)
            assert (rule.protocol, rule.port_range_min) == wire
            assert rule.remote_group_id is not None and rule.remote_ip_prefix is None
        cni = planned_cluster(result.spec, result.recommended_mtu).cni
        assert cni is not None and cni.type == "antrea" and cni.antrea is not None
        assert cni.antrea.traffic_encap_mode == mode
        assert cni.antrea.no_snat is (extra.get("nat_outgoing") is False)


@pytest.mark.parametrize("mode", ["encap", "hybrid"])
def test_without_the_tunnel_rule_the_engine_finds_the_tunnel_blocked(mode: str) -> None:
    """The engine, reading the planned Antrea record, is what needs the tunnel rule: the same
    plan with a group lacking it breaks between the nodes of different subnets."""
    result = preflight(spec(mode=mode))
    built = _without(result, "antrea_geneve")
    keys = {rc.key for rc in diagnose(built).root_causes}
    assert "sg-encap" in keys, keys


def _without(result: PreflightResult, slug: str) -> Snapshot:
    """The recommended snapshot with the group's rule ``slug`` left out."""
    spec_ = result.spec
    cloud = pf.planned_cloud(spec_)
    group = pf._recommended_group(spec_, cloud).group
    kept = tuple(r for r in group.rules if r.id != f"planned-{slug}")
    assert len(kept) == len(group.rules) - 1
    ports, _ = pf._planned_ports(spec_, cloud, pf._current_ports(spec_, cloud), group.id)
    groups = [*cloud.groups, group.model_copy(update={"rules": kept})]
    mtu = result.recommended_mtu
    return pf.planned_snapshot(spec_, cloud, mtu, ports, groups, cloud.routers)


@pytest.mark.parametrize(
    ("extra", "largest"),
    [
        ({}, 1400),  # Geneve 50
        ({"tunnel_type": "vxlan"}, 1400),
        ({"tunnel_type": "gre"}, 1408),  # GRE 42
        ({"tunnel_type": "stt"}, 1450),  # Antrea deducts nothing for STT
        ({"wireguard": True}, 1390),  # WireGuard's 60 instead of the tunnel
        ({"mode": "noEncap"}, 1450),
        ({"mode": "hybrid"}, 1400),
    ],
)
def test_the_pod_mtu_is_what_antrea_deducts(extra: dict[str, object], largest: int) -> None:
    result = preflight(spec(network_mtu=1450, **extra))
    assert result.recommended_mtu == largest
    topo = Topology(Snapshot(cluster=planned_cluster(result.spec, largest)))
    assert {effective_mtu(topo, v).pod_mtu for v in topo.node_views.values()} == {largest}


def test_dual_stack_geneve_runs_per_family_and_deducts_ipv6s_twenty() -> None:
    nodes = tuple(
        PlannedNode(
            name,
            ipaddress.ip_address(f"10.0.0.{i}"),
            i == 11,
            (ipaddress.ip_address(f"fd00:0:0:1::{i}"),),
        )
        for name, i in (("k8s-cp-1", 11), ("k8s-w-1", 12))
    )
    result = preflight(
        spec(
            nodes=nodes,
            network_mtu=1450,
            pod_cidr_secondary=ipaddress.ip_network("fd00:10:244::/56"),
            service_cidr_secondary=ipaddress.ip_network("fd00:10:96::/112"),
        )
    )
    geneve = [r.rule.ethertype for r in result.rules if r.slug.startswith("antrea_geneve")]
    assert geneve == ["IPv4", "IPv6"]
    assert result.recommended_mtu == 1380  # 50 + 20 when the node has an IPv6 address
    assert result.remaining == ()


def test_described_in_antreas_words() -> None:
    assert str(spec().describe_cni()) == (
        "Antrea trafficEncapMode encap, tunnelType geneve (noSNAT off)"
    )
    assert str(spec(mode="noEncap", nat_outgoing=False).describe_cni()) == (
        "Antrea trafficEncapMode noEncap (noSNAT on)"
    )
    assert str(spec(wireguard=True).describe_cni()).startswith(
        "Antrea trafficEncapMode encap, trafficEncryptionMode wireguard"
    )


@pytest.mark.parametrize(
    ("args", "en", "ko"),
    [
        (
            ("--mode", "noEncap", "--tunnel-type", "vxlan"),
            "noEncap tunnels nothing",
            "터널을 쓰지 않으므로 --tunnel-type vxlan은 효과가 없습니다",
        ),
        (
            ("--mode", "hybrid", "--wireguard"),
            "may only be enabled in encap mode, not in hybrid",
            "encap 모드에서만 켤 수 있으며",
        ),
        (
            ("--mode", "encap", "--no-nat-outgoing"),
            "noSNAT (--no-nat-outgoing) is only applicable to the noEncap mode",
            "noEncap 모드에만 쓸 수 있으며 encap에는",
        ),
        (("--mode", "bogus"), "antrea has no mode 'bogus'", "antrea"),
    ],
)
def test_what_antrea_refuses_is_a_usage_error(args: tuple[str, ...], en: str, ko: str) -> None:
    for lang, says in (("en", en), ("ko", ko)):
        run = run_cli(
            "preflight", *CIDRS, *NODES, "--cni", "antrea", *args, "--lang", lang, environ={}
        )
        assert run.code == 2, run.stdout
        assert says in run.stderr, run.stderr


def test_gre_on_ipv6_and_tunnel_type_elsewhere_are_usage_errors() -> None:
    dual = (
        "--pod-cidr",
        "10.244.0.0/16,fd00:10:244::/56",
        "--service-cidr",
        "10.96.0.0/12",
        "--node",
        "10.0.0.11,fd00:0:0:1::11",
    )
    run = run_cli(
        "preflight", *dual, "--cni", "antrea", "--tunnel-type", "gre", "--lang", "ko", environ={}
    )
    assert run.code == 2 and "GRE 터널은 IPv6 클러스터를 지원하지 않는데" in run.stderr
    run = run_cli(
        "preflight", *CIDRS, *NODES, "--cni", "calico", "--tunnel-type", "vxlan", environ={}
    )
    assert run.code == 2 and "--tunnel-type is Antrea's tunnelType" in run.stderr


def test_the_cli_outputs_and_antreas_case_insensitive_mode() -> None:
    run = run_cli("preflight", *CIDRS, *NODES, "--cni", "antrea", "-o", "json", environ={})
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["inputs"]["cni"] == "antrea" and doc["inputs"]["mode"] == "encap"
    assert doc["inputs"]["tunnel_type"] == "geneve"  # Antrea's default, said
    geneve = next(r for r in doc["recommended"]["rules"] if r["name"] == "antrea_geneve")
    assert (geneve["protocol"], geneve["port_range_min"]) == ("udp", 6081)
    assert all(not p["allowed_address_pairs"] for p in doc["recommended"]["ports"])
    assert any(
        "--protocol udp --dst-port 6081 --remote-group k8s-nodes" in c for c in doc["commands"]
    )
    # Antrea reads trafficEncapMode case-insensitively; preflight does too, and says its name
    run = run_cli("preflight", *CIDRS, *NODES, "--cni", "antrea", "--mode", "NOENCAP", environ={})
    assert run.code == 0, run.stderr
    assert "Antrea trafficEncapMode noEncap (noSNAT off)" in run.stdout
    assert "--allowed-address ip-address=10.244.0.0/16" in run.stdout


def test_gre_in_the_commands_and_terraform() -> None:
    result = preflight(spec(tunnel_type="gre"))
    commands = render_commands(result)
    assert "--protocol gre --remote-group k8s-nodes --description 'kostack: Antrea GRE" in commands
    hcl = render_terraform(result)
    assert 'resource "openstack_networking_secgroup_rule_v2" "k8s_nodes_antrea_gre"' in hcl
    assert 'protocol          = "gre"' in hcl and "port_range_min    = 47" not in hcl


def test_korean_report_says_antreas_rules_and_nosnat_note_in_korean() -> None:
    text = render_text(preflight(spec(mode="noEncap", nat_outgoing=False)), "ko")
    assert "Antrea 컨트롤러, 에이전트, memberlist (tcp 10349-10351)" in text
    assert "Antrea noSNAT가 true여서" in text  # SNAT letter by letter: 에스엔에이티
    assert "Flannel, Antrea, Kube-OVN은 설정이 없으면" in " ".join(text.split())
    assert "noSNAT 켜짐" in text
    assert "natOutgoing" not in text  # Calico's word: Antrea's is noSNAT
    for extra in ({}, {"tunnel_type": "gre"}, {"tunnel_type": "stt"}, {"wireguard": True}):
        ko = render_text(preflight(spec(**extra)), "ko").split("# --- openstack")[0]
        assert "Antrea controller" not in ko and "IP protocol 47" not in ko
    hybrid = render_text(preflight(spec(mode="hybrid")), "ko")
    assert "Geneve (서브넷 간)" in hybrid


@pytest.mark.neutron
@pytest.mark.parametrize(
    ("mode", "extra"), [("encap", {}), ("noEncap", {}), ("encap", {"tunnel_type": "gre"})]
)
def test_the_recommendation_created_in_neutron_works(
    neutron: str, mode: str, extra: dict[str, object]
) -> None:
    """What preflight prints, created in the real Neutron and collected back: the planned
    Antrea cluster on it has no port or group problem; without the tunnel's rule it has."""
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate([("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12")])
    )
    result = preflight(spec(mode=mode, nodes=nodes, backend="ml2/ovn", **extra))
    built = create_recommended(neutron, result)
    keys = {rc.key for rc in diagnose(built).root_causes}  # (no router is created: no-router)
    assert not {"antispoof", "sg-encap", "sg-pod-source", "sg-node"} & keys, keys
    if mode == "encap":
        tunnel = next(
            r for r in result.rules if r.slug.startswith("antrea_") and r.slug not in ANTREA
        )
        os_ = built.openstack
        assert os_ is not None and os_.security_groups is not None
        groups = tuple(
            g.model_copy(
                update={
                    "rules": tuple(r for r in g.rules if r.description != tunnel.rule.description)
                }
            )
            for g in os_.security_groups
        )
        broken = built.model_copy(
            update={"openstack": os_.model_copy(update={"security_groups": groups})}
        )
        assert "sg-encap" in {rc.key for rc in diagnose(broken).root_causes}
