"""`kostack preflight --cni ovn-kubernetes`: OVN's Geneve between the nodes on UDP 6081 (the
engine, reading the planned `OvnKubernetes` record, decides it is needed), no allowed address
pairs (pod traffic crosses nodes inside Geneve and leaves SNATed to the node IP), the pods'
MTU the network's minus OpenShift's 100, and what OVN-Kubernetes has no setting for."""

from __future__ import annotations

import ipaddress
import json

import pytest
from fix_cloud import create_recommended, run_cli
from test_preflight_antrea import _without

from kostack.analyze.diagnose import diagnose
from kostack.plan.preflight import PlannedNode, PreflightSpec, planned_cluster, preflight
from kostack.report.preflight import render_text

CIDRS = ("--pod-cidr", "10.128.0.0/14", "--service-cidr", "172.30.0.0/16")
NODES = ("--node", "10.0.0.11=k8s-cp-1", "--node", "10.0.0.12=k8s-w-1")


def spec(**kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate(
            [("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12"), ("k8s-w-2", "10.0.1.13")]
        )
    )
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.128.0.0/14"),
        "service_cidr": ipaddress.ip_network("172.30.0.0/16"),
        "cni": "ovn-kubernetes",
        "mode": "geneve",
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


def test_geneve_is_planned_without_pairs_and_the_engine_verifies_it() -> None:
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(backend=backend))
        assert {r.slug for r in result.rules} == {"apiserver", "kubelet", "ovnk_geneve"}
        geneve = next(r.rule for r in result.rules if r.slug == "ovnk_geneve")
        wire = (geneve.protocol, geneve.port_range_min, geneve.port_range_max)
        assert wire == ("udp", 6081, 6081)
        assert geneve.remote_group_id is not None and geneve.remote_ip_prefix is None
        assert all(not p.pairs for p in result.ports)  # pods' addresses stay inside Geneve
        assert result.remaining == (), backend
        cni = planned_cluster(result.spec, result.recommended_mtu).cni
        assert cni is not None and cni.type == "ovn-kubernetes"
        o = cni.ovn_kubernetes
        assert o is not None and (o.encap_port, o.gateway_mode, o.ipsec) == (6081, "shared", False)
        assert o.node_subnets is not None and len(o.node_subnets) == 3


def test_without_the_geneve_rule_the_engine_finds_the_tunnel_blocked() -> None:
    result = preflight(spec())
    keys = {rc.key for rc in diagnose(_without(result, "ovnk_geneve")).root_causes}
    assert "sg-encap" in keys, keys


def test_the_pod_mtu_leaves_openshifts_100() -> None:
    result = preflight(spec(network_mtu=1450))
    assert result.recommended_mtu == 1350
    cluster = planned_cluster(result.spec, result.recommended_mtu)
    assert cluster.kube_proxy_mode == "none"  # OVN's load balancers serve Services
    assert cluster.cni is not None and cluster.cni.ovn_kubernetes is not None
    assert cluster.cni.ovn_kubernetes.mtu == 1350


def test_dual_stack_tunnels_over_the_primary_family() -> None:
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
            pod_cidr_secondary=ipaddress.ip_network("fd00:10:128::/56"),
            service_cidr_secondary=ipaddress.ip_network("fd00:172:30::/112"),
        )
    )
    assert [r.rule.ethertype for r in result.rules if r.slug == "ovnk_geneve"] == ["IPv4"]
    assert result.remaining == ()


@pytest.mark.parametrize(
    ("args", "en", "ko"),
    [
        (("--wireguard",), "OVN-Kubernetes has no WireGuard", "OVN-Kubernetes에는 WireGuard가"),
        (("--no-nat-outgoing",), "always SNATs pods' traffic", "항상 노드 IP로 SNAT합니다"),
        (("--mode", "vxlan"), "ovn-kubernetes has no mode 'vxlan'", "geneve"),
    ],
)
def test_what_ovn_kubernetes_refuses_is_a_usage_error(
    args: tuple[str, ...], en: str, ko: str
) -> None:
    for lang, says in (("en", en), ("ko", ko)):
        run = run_cli(
            "preflight",
            *CIDRS,
            *NODES,
            "--cni",
            "ovn-kubernetes",
            *args,
            "--lang",
            lang,
            environ={},
        )
        assert run.code == 2, run.stdout
        assert says in run.stderr, run.stderr


def test_the_cli_json_and_the_korean_report() -> None:
    run = run_cli("preflight", *CIDRS, *NODES, "--cni", "ovn-kubernetes", "-o", "json", environ={})
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["inputs"]["cni"] == "ovn-kubernetes" and doc["inputs"]["mode"] == "geneve"
    geneve = next(r for r in doc["recommended"]["rules"] if r["name"] == "ovnk_geneve")
    assert (geneve["protocol"], geneve["port_range_min"]) == ("udp", 6081)
    assert any(
        "--protocol udp --dst-port 6081 --remote-group k8s-nodes" in c for c in doc["commands"]
    )
    ko = " ".join(render_text(preflight(spec()), "ko").split())
    assert "OVN-Kubernetes Geneve (udp 6081)" in ko and "OVN-Kubernetes Geneve" in ko
    en = " ".join(render_text(preflight(spec()), "en").split())
    assert "OVN-Kubernetes Geneve (ovnkube.conf [default] encap-port 6081)" in en
    assert "ovn-kubernetes' own install uses 1400" in en and "자체 설치는" in ko


@pytest.mark.neutron
def test_the_recommendation_created_in_neutron_works(neutron: str) -> None:
    """What preflight prints, created in the real Neutron and collected back: the planned
    OVN-Kubernetes cluster on it has no port or group problem; without the Geneve rule it
    has."""
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate([("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12")])
    )
    result = preflight(spec(nodes=nodes, backend="ml2/ovn"))
    built = create_recommended(neutron, result)
    keys = {rc.key for rc in diagnose(built).root_causes}
    assert not {"antispoof", "sg-encap", "sg-pod-source", "sg-node"} & keys, keys
    geneve = next(r for r in result.rules if r.slug == "ovnk_geneve")
    os_ = built.openstack
    assert os_ is not None and os_.security_groups is not None
    groups = tuple(
        g.model_copy(
            update={"rules": tuple(r for r in g.rules if r.description != geneve.rule.description)}
        )
        for g in os_.security_groups
    )
    broken = built.model_copy(
        update={"openstack": os_.model_copy(update={"security_groups": groups})}
    )
    assert "sg-encap" in {rc.key for rc in diagnose(broken).root_causes}
