"""`kostack preflight` on a dual-stack cluster: kubeadm's "IPv4,IPv6" pod and service CIDRs,
nodes with an address per family, per-family rules, pairs, routes and MTU, in every output;
and the recommendation created in the real Neutron with an IPv6 subnet, then diagnosed."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
from fix_cloud import create_recommended, run_cli

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.plan.preflight import (
    PlannedNode,
    PreflightResult,
    PreflightSpec,
    encapsulation_overhead,
    preflight,
)
from kostack.report.preflight import render_commands, render_terraform

PODS = ("--pod-cidr", "10.244.0.0/16,fd00:10:244::/56")
SERVICES = ("--service-cidr", "10.96.0.0/12,fd00:10:96::/112")
NODES = (
    "--node",
    "10.0.0.11,fd00:0:0:1::11=k8s-cp-1",
    "--node",
    "10.0.0.12,fd00:0:0:1::12=k8s-w-1",
    "--node",
    "10.0.0.13,fd00:0:0:1::13=k8s-w-2",
)
POD6 = "fd00:10:244::/56"


def spec(**kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(
            name, ipaddress.ip_address(f"10.0.0.{11 + i}"), i == 0,
            (ipaddress.ip_address(f"fd00:0:0:1::{11 + i}"),),
        )
        for i, name in enumerate(("k8s-cp-1", "k8s-w-1", "k8s-w-2"))
    )  # fmt: skip
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.244.0.0/16"),
        "service_cidr": ipaddress.ip_network("10.96.0.0/12"),
        "pod_cidr_secondary": ipaddress.ip_network(POD6),
        "service_cidr_secondary": ipaddress.ip_network("fd00:10:96::/112"),
        "cni": "calico",
        "mode": "vxlan-crosssubnet",
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


def _rules(result: PreflightResult) -> set[tuple[str, str, str | None, int | None, str | None]]:
    return {
        (
            r.slug,
            r.rule.ethertype,
            r.rule.protocol,
            r.rule.port_range_min,
            r.rule.remote_ip_prefix,
        )
        for r in result.rules
    }


def test_a_kubeadm_dual_stack_pair_plans_both_families_in_every_output() -> None:
    run = run_cli("preflight", *PODS, *SERVICES, *NODES, environ={})
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "pods 10.244.0.0/16, fd00:10:244::/56, services 10.96.0.0/12, fd00:10:96::/112" in out
    assert "verified: the diagnosis of this setup finds nothing" in out
    # Calico's IPv6 pool tunnels over the nodes' IPv6 addresses: an ethertype IPv6 rule
    v6_vxlan = "--ingress --ethertype IPv6 --protocol udp --dst-port 4789 --remote-group k8s-nodes"
    assert v6_vxlan in out
    assert f"--ethertype IPv6 --protocol any --remote-ip {POD6}" in out
    assert (
        '--fixed-ip subnet="$SUBNET",ip-address=10.0.0.11 '
        '--fixed-ip subnet="$SUBNET_2",ip-address=fd00:0:0:1::11' in out
    )
    assert f"--allowed-address ip-address=10.244.0.0/16 --allowed-address ip-address={POD6}" in out
    assert "--ipv6-address-mode dhcpv6-stateful" in out  # a SLAAC subnet refuses chosen IPs
    # one veth MTU for both families: VXLAN over IPv6 (70) decides
    assert "pod MTU 1380 (network MTU 1450 - 70 for VXLAN" in out
    assert "IPv4 pod packets fit in 1400 bytes" in out and "IPv6 pod packets fit in 1380" in out
    hcl = out.split("# --- Terraform", 1)[1]
    assert 'variable "subnet_id_2"' in hcl and "var.subnet_id_2" in hcl
    assert hcl.count("fixed_ip {") == 6
    names = re.findall(r'resource "[a-z0-9_]+" "([^"]+)"', hcl)
    assert "k8s_nodes_calico_vxlan_v6" in names and len(names) == len(set(names))
    doc = json.loads(
        run_cli("preflight", *PODS, *SERVICES, *NODES, "-o", "json", environ={}).stdout
    )
    assert doc["inputs"]["pod_cidrs"] == ["10.244.0.0/16", POD6]
    assert doc["inputs"]["nodes"][0]["ips"] == ["10.0.0.11", "fd00:0:0:1::11"]
    port = doc["recommended"]["ports"][0]
    assert [f["ip_address"] for f in port["fixed_ips"]] == ["10.0.0.11", "fd00:0:0:1::11"]
    assert doc["recommended"]["pod_mtu"] == 1380
    assert [
        (o["ip_version"], o["overhead"]) for o in doc["recommended"]["overhead_per_family"]
    ] == [
        (4, 50),
        (6, 70),
    ]


def test_korean_says_ipv6_in_korean() -> None:
    run = run_cli("preflight", *PODS, *SERVICES, *NODES, "--lang", "ko", environ={})
    assert run.code == 0, run.stderr
    report = run.stdout.split("# --- openstack CLI", 1)[0]
    assert "Calico VXLAN (udp 4789) (IPv6)" in report
    assert "over IPv6" not in report and "pod-sourced" not in report
    assert "IPv6 Pod 패킷은 노드 간에 1380바이트까지 전달됩니다" in report


def test_only_ipv6_breaks_when_only_the_ipv6_pool_sends_natively() -> None:
    """Calico IPIP carries IPv4 only: the IPv6 pool is planned unencapsulated, so as things
    would be only IPv6 breaks (the family-specific root cause), and the IPv6 pairs and rule
    are what the recommendation adds."""
    result = preflight(spec(mode="ipip"))
    assert [rc.key for rc in result.breaks] == ["antispoof"]
    message = localize(result.breaks[0].message, "en")
    assert message.startswith("IPv4 works, IPv6 pod traffic is dropped"), message
    assert result.remaining == ()
    assert ("pod_cidr_v6", "IPv6", None, None, POD6) in _rules(result)
    assert not any(r.slug == "pod_cidr" for r in result.rules)  # IPv4 is tunnelled (IPIP)
    assert ("calico_ipip", "IPv4", "ipip", None, None) in _rules(result)
    assert POD6 in result.ports[0].pairs
    assert result.recommended_mtu == 1430  # IPIP 20 over IPv4; IPv6 native


@pytest.mark.parametrize(
    ("cni", "mode", "v6_rules", "mtu"),
    [
        ("calico", "vxlan", {"calico_vxlan_v6", "calico_typha"}, 1380),
        ("flannel", "vxlan", {"flannel_vxlan_v6"}, 1380),  # flannel-v6.1 over IPv6
        ("flannel", "host-gw", {"pod_cidr_v6"}, 1450),
        # Cilium tunnels both families over IPv4; its health checks run on both
        ("cilium", "vxlan", {"cilium_health_v6", "cilium_icmp_v6"}, 1400),
        ("cilium", "native", {"cilium_health_v6", "cilium_icmp_v6", "pod_cidr_v6"}, 1450),
    ],
)
def test_each_cni_gets_its_ipv6_rules_and_mtu(
    cni: str, mode: str, v6_rules: set[str], mtu: int
) -> None:
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(cni=cni, mode=mode, backend=backend))
        slugs = {r.slug for r in result.rules}
        assert v6_rules <= slugs, slugs
        for r in result.rules:
            assert (r.rule.ethertype == "IPv6") == r.slug.endswith("_v6"), r
        assert not {"cilium_vxlan_v6", "apiserver_v6", "kubelet_v6"} & slugs
        icmp6 = [r for r in result.rules if r.slug == "cilium_icmp_v6"]
        assert all(r.rule.protocol == "ipv6-icmp" for r in icmp6)
        assert result.recommended_mtu == mtu - (8 if backend == "ml2/ovn" else 0)
        assert result.remaining == (), (cni, mode, backend, result.remaining)


def test_overhead_follows_the_tunnels_family() -> None:
    assert encapsulation_overhead(spec(mode="vxlan"), 4) == (50, "VXLAN")
    assert encapsulation_overhead(spec(mode="vxlan"), 6) == (70, "VXLAN")
    assert encapsulation_overhead(spec(mode="vxlan")) == (70, "VXLAN")
    assert encapsulation_overhead(spec(cni="cilium", mode="geneve"), 6) == (50, "Geneve")
    assert encapsulation_overhead(spec(mode="ipip"), 6) == (0, "no encapsulation")


def test_routes_go_back_per_family_when_natoutgoing_is_off() -> None:
    nodes = (
        PlannedNode("a", ipaddress.ip_address("10.0.0.11"), True, (ipaddress.ip_address("fd00:0:0:1::11"),)),
        PlannedNode("b", ipaddress.ip_address("10.0.1.12"), False, (ipaddress.ip_address("fd00:0:0:2::12"),)),
    )  # fmt: skip
    result = preflight(spec(mode="none", nat_outgoing=False, nodes=nodes))
    assert [(r.destination, r.nexthop) for r in result.routes] == [
        ("10.244.0.0/26", "10.0.0.11"),
        ("10.244.1.0/26", "10.0.1.12"),
        ("fd00:10:244::/122", "fd00:0:0:1::11"),
        ("fd00:10:244:1::/122", "fd00:0:0:2::12"),
    ]
    assert result.remaining == ()
    assert [s.name for s in result.subnets] == [f"planned-{i}" for i in range(1, 5)]


def test_the_planned_subnet_name_does_not_repeat_its_cidr() -> None:
    run = run_cli(
        "preflight", "--pod-cidr", "10.0.0.0/16", "--service-cidr", "10.96.0.0/12",
        "--node", "10.0.0.11=cp", "--node", "10.0.1.12=w", environ={},
    )  # fmt: skip
    assert run.code == 1
    assert "subnet planned-1 10.0.0.0/24" in run.stdout
    assert "10.0.0.0/24 10.0.0.0/24" not in run.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--pod-cidr", "10.244.0.0/16,10.245.0.0/16", *SERVICES), "both CIDRs are IPv4"),
        (("--pod-cidr", "10.244.0.0/16,fd00::/56,fd01::/56", *SERVICES), "give one CIDR, or two"),
        (("--pod-cidr", "10.244.0.0/16", *SERVICES), "service CIDRs are dual stack"),
        (("--pod-cidr", "fd00:10:244::/56,10.244.0.0/16", *SERVICES), "different IP versions"),
        ((*PODS, *SERVICES, "--node", "10.0.0.11=cp"), "node cp has no IPv6 address"),
        ((*PODS, *SERVICES, "--node", "10.0.0.11,10.0.0.12=cp"), "two addresses of one"),
    ],
)
def test_bad_dual_stack_input_is_a_usage_error(args: tuple[str, ...], says: str) -> None:
    nodes = () if "--node" in args else NODES
    run = run_cli("preflight", *args, *nodes, environ={})
    assert run.code == 2, run.stdout
    assert run.stderr.startswith("error: ") and says in run.stderr, run.stderr


def test_a_dual_stack_network_in_a_snapshot_gives_each_node_both_addresses(tmp_path: Path) -> None:
    from kostack_testkit.dualstack import dualstack_example_doc

    path = tmp_path / "ds.json"
    path.write_text(json.dumps(dualstack_example_doc("dualstack-ipv6-broken")))
    run = run_cli(
        "preflight", "--snapshot", str(path), "--network", "k8s-net", *PODS, *SERVICES,
        "-o", "json", environ={},
    )  # fmt: skip
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["inputs"]["nodes"][0]["ips"] == ["10.0.0.11", "fd00:0:0:1::11"]
    # the ports have their IPv4 pairs already: only the IPv6 ones are added
    for port in doc["recommended"]["ports"]:
        assert port["existing_port_id"]
        assert port["allowed_address_pairs"] == [POD6, "fd00:10:96::/112"]
    assert [b["key"] for b in doc["breaks"]] == ["antispoof"]
    assert doc["remaining"] == []


@pytest.mark.neutron
def test_the_dual_stack_recommendation_created_in_neutron_works(neutron: str) -> None:
    """Group, IPv4 and IPv6 rules, ports with both fixed IPs and both pairs, in the real
    Neutron (an IPv6 DHCPv6-stateful subnet): Neutron keeps every IPv6 rule and pair, and the
    diagnosis of the collected result finds no anti-spoofing or security-group cause."""
    result = preflight(spec(backend="ml2/ovn", mode="ipip-crosssubnet"))
    assert any(r.rule.ethertype == "IPv6" for r in result.rules)
    built = create_recommended(neutron, result, ipv6_pairs=True)
    assert built.openstack is not None and built.openstack.security_groups is not None
    group = next(g for g in built.openstack.security_groups if g.name == "k8s-nodes")
    kept = {(r.ethertype, r.protocol, str(r.remote_ip_prefix)) for r in group.rules}
    assert ("IPv6", None, POD6) in kept
    assert built.openstack.ports is not None
    for port in built.openstack.ports:
        assert {str(p.ip_address) for p in port.allowed_address_pairs} >= {"10.244.0.0/16", POD6}
        assert {f.ip_address.version for f in port.fixed_ips} == {4, 6}
    keys = [rc.key for rc in diagnose(built).root_causes]
    assert not {"antispoof", "sg-encap", "sg-pod-source", "sg-node"} & set(keys), keys


@pytest.mark.neutron
def test_without_the_ipv6_pairs_neutron_built_cluster_breaks_for_ipv6(neutron: str) -> None:
    """The control: the same objects without the IPv6 pairs; IPv6 pod traffic is dropped."""
    result = preflight(spec(backend="ml2/ovn", mode="ipip-crosssubnet"))
    built = create_recommended(neutron, result, ipv6_pairs=False)
    causes = diagnose(built).root_causes
    anti = [rc for rc in causes if rc.key == "antispoof"]
    assert anti, [rc.key for rc in causes]
    assert "IPv6" in localize(anti[0].message, "en")


def test_commands_and_terraform_leave_the_address_to_neutron_on_a_slaac_subnet() -> None:
    result = preflight(spec())
    subnets = tuple(
        s.model_copy(update={"ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"})
        if s.version == 6
        else s
        for s in result.subnets
    )
    slaac = PreflightResult(**{**result.__dict__, "subnets": subnets})
    commands = render_commands(slaac)
    assert '--fixed-ip subnet="$SUBNET_2" ' in commands
    assert "ip-address=fd00:0:0:1::11" not in commands
    assert "Neutron derives the address from the MAC here" in render_terraform(slaac)


def test_calico_wireguard_gets_each_familys_own_port() -> None:
    """Felix's IPv6 WireGuard device (wg-v6.cali) listens on wireguardListeningPortV6, 51821 by
    default; the IPv4 one on 51820 (an IPv6 rule for 51820 admitted nothing Calico sends)."""
    rules = _rules(preflight(spec(wireguard=True)))
    wireguard = {(slug, eth, port) for slug, eth, _p, port, _r in rules if "wireguard" in slug}
    assert wireguard == {
        ("calico_wireguard", "IPv4", 51820),
        ("calico_wireguard6_v6", "IPv6", 51821),
    }
