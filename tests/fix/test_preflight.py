"""`kostack preflight`: what would break in a cluster not yet built, and the settings to build it right."""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, create_recommended, run_cli

from kostack.analyze.diagnose import diagnose
from kostack.model import Snapshot
from kostack.plan.preflight import PlannedNode, PreflightSpec, planned_cluster, preflight
from kostack.report.preflight import render_terraform

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "seed-incident.json")
NODES = (
    "--node",
    "10.0.0.11=k8s-cp-1",
    "--node",
    "10.0.0.12=k8s-w-1",
    "--node",
    "10.0.0.13=k8s-w-2",
)
CIDRS = ("--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12")


def spec(**kw: object) -> PreflightSpec:
    nodes = tuple(
        PlannedNode(name, ipaddress.ip_address(ip), i == 0)
        for i, (name, ip) in enumerate(
            [("k8s-cp-1", "10.0.0.11"), ("k8s-w-1", "10.0.0.12"), ("k8s-w-2", "10.0.0.13")]
        )
    )
    base: dict[str, object] = {
        "pod_cidr": ipaddress.ip_network("10.244.0.0/16"),
        "service_cidr": ipaddress.ip_network("10.96.0.0/12"),
        "cni": "calico",
        "mode": "vxlan-crosssubnet",
        "nodes": nodes,
    }
    base.update(kw)
    return PreflightSpec(**base)  # type: ignore[arg-type]


def test_the_seed_plan_would_break_and_the_recommendation_fixes_it() -> None:
    run = run_cli("preflight", *CIDRS, *NODES, environ={})
    assert run.code == 0, run.stderr
    assert "What would break with new ports in the project's default group" in run.stdout
    assert "Neutron anti-spoofing drops pod traffic" in run.stdout
    assert "verified: the diagnosis of this setup finds nothing" in run.stdout
    assert "--protocol udp --dst-port 4789 --remote-group k8s-nodes" in run.stdout
    assert (
        "--allowed-address ip-address=10.244.0.0/16 --allowed-address ip-address=10.96.0.0/12 k8s-cp-1"
        in run.stdout
    )
    assert 'resource "openstack_networking_port_v2" "k8s_cp_1"' in run.stdout
    assert 'resource "openstack_networking_secgroup_rule_v2" "k8s_nodes_calico_vxlan"' in run.stdout
    assert "0.0.0.0/0" not in run.stdout
    assert "pod MTU 1400 (network MTU 1450 - 50 for VXLAN" in run.stdout


@pytest.mark.parametrize(
    ("cni", "mode", "extra", "rules", "pairs"),
    [
        (
            "calico",
            "vxlan-crosssubnet",
            {},
            {"calico_vxlan", "calico_bgp", "calico_typha", "pod_cidr"},
            True,
        ),
        ("calico", "vxlan", {}, {"calico_vxlan", "calico_typha"}, False),
        ("calico", "ipip", {}, {"calico_ipip", "calico_bgp", "calico_typha"}, False),
        ("calico", "none", {"typha": False}, {"calico_bgp", "pod_cidr"}, True),
        (
            "calico",
            "vxlan",
            {"nat_outgoing": False},
            {"calico_vxlan", "calico_typha", "pod_cidr"},
            True,
        ),
        ("flannel", "vxlan", {}, {"flannel_vxlan"}, False),
        ("flannel", "host-gw", {}, {"pod_cidr"}, True),
        ("cilium", "geneve", {}, {"cilium_geneve", "cilium_health", "cilium_icmp"}, False),
        ("cilium", "native", {}, {"cilium_health", "cilium_icmp", "pod_cidr"}, True),
        # kube-router: pods reach node addresses with their own source in every mode
        ("kube-router", "ipip", {}, {"kube_router_bgp", "kube_router_ipip", "pod_cidr"}, True),
        ("kube-router", "fou", {}, {"kube_router_bgp", "kube_router_fou", "pod_cidr"}, True),
        ("kube-router", "full", {}, {"kube_router_bgp", "kube_router_ipip", "pod_cidr"}, True),
        ("kube-router", "none", {}, {"kube_router_bgp", "pod_cidr"}, True),
    ],
)
def test_rules_follow_the_cni_table_and_the_recommendation_verifies(
    cni: str, mode: str, extra: dict[str, object], rules: set[str], pairs: bool
) -> None:
    for backend in ("ml2/ovs", "ml2/ovn"):
        result = preflight(spec(cni=cni, mode=mode, backend=backend, **extra))
        assert {r.slug for r in result.rules} == {"apiserver", "kubelet", *rules}
        assert bool(result.ports[0].pairs) == pairs
        assert result.remaining == (), (backend, result.remaining)
        for needed in result.rules:
            assert needed.rule.remote_ip_prefix in (None, "10.244.0.0/16")


def test_ovn_needs_the_pod_cidr_rule_and_says_why() -> None:
    result = preflight(spec(backend="ml2/ovn"))
    assert [b.key for b in result.breaks] == ["antispoof", "sg-pod-source"]
    assert "pod_cidr" in {r.slug for r in result.rules}
    assert result.network.mtu == 1442 and result.recommended_mtu == 1392


def test_cidr_overlaps_and_mtu_are_reported_with_exit_1() -> None:
    overlap = run_cli(
        "preflight",
        "--pod-cidr",
        "10.0.0.0/16",
        "--service-cidr",
        "10.96.0.0/12",
        *NODES,
        environ={},
    )
    assert overlap.code == 1
    assert "overlaps" in overlap.stdout and "Still breaks:" in overlap.stdout
    services = run_cli(
        "preflight",
        "--pod-cidr",
        "10.244.0.0/16",
        "--service-cidr",
        "10.244.0.0/20",
        *NODES,
        environ={},
    )
    assert services.code == 1 and "overlaps" in services.stdout
    mtu = run_cli("preflight", *CIDRS, *NODES, "--pod-mtu", "1500", environ={})
    assert mtu.code == 1
    assert "The pod MTU is larger than the tenant network can carry" in mtu.stdout
    assert "the largest that fits is 1400" in mtu.stdout


def test_from_a_network_in_a_snapshot_uses_its_ports_and_existing_group() -> None:
    run = run_cli(
        "preflight",
        "--snapshot",
        EXAMPLE,
        "--network",
        "k8s-net",
        *CIDRS,
        "-o",
        "json",
        environ={},
    )
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["kind"] == "kostack-preflight"
    assert [n["ip"] for n in doc["inputs"]["nodes"]] == [
        "10.0.0.11",
        "10.0.0.12",
        "10.0.0.13",
        "10.0.0.14",
    ]
    assert doc["recommended"]["existing_security_group_id"] is not None
    assert all(p["existing_port_id"] for p in doc["recommended"]["ports"])
    assert [b["key"] for b in doc["breaks"]] == ["antispoof"]
    assert doc["remaining"] == []
    assert any(c.startswith("openstack port set ") for c in doc["commands"])
    assert not any(c.startswith("openstack security group create") for c in doc["commands"])


def test_bad_input_is_a_usage_error() -> None:
    for args, says in (
        (("preflight", *CIDRS), "no nodes"),
        (
            ("preflight", *CIDRS, *NODES, "--cni", "flannel", "--mode", "ipip"),
            "flannel has no mode",
        ),
        (
            ("preflight", "--pod-cidr", "10.244.0.1/16", "--service-cidr", "10.96.0.0/12", *NODES),
            "not a CIDR",
        ),
        (("preflight", *CIDRS, "--node", "10.0.0.300"), "not an IP address"),
        (("preflight", "--snapshot", EXAMPLE, "--network", "nope", *CIDRS), "no network 'nope'"),
    ):
        run = run_cli(*args, environ={})
        assert run.code == 2, (args, run.stdout)
        assert run.stderr.startswith("error: ") and says in run.stderr, run.stderr


def test_terraform_is_well_formed_and_escapes_names() -> None:
    result = preflight(spec(group_name='k8s "nodes" ${x}'))
    hcl = render_terraform(result)
    assert hcl.count("{") == hcl.count("}")
    assert '"k8s \\"nodes\\" $${x}"' in hcl
    names = re.findall(r'resource "[a-z0-9_]+" "([^"]+)"', hcl)
    assert names and all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    assert len(names) == len(set(names))
    assert "# service CIDR: not needed for traffic" in hcl


@pytest.mark.neutron
def test_ports_and_group_created_as_recommended_work_in_neutron(neutron: str) -> None:
    """Create what preflight recommends in the real Neutron, collect it, and diagnose it."""
    result = preflight(spec(backend="ml2/ovn", mode="ipip-crosssubnet"))
    built = create_recommended(neutron, result)
    keys = [rc.key for rc in diagnose(built).root_causes]
    assert not {"antispoof", "sg-encap", "sg-pod-source", "sg-node"} & set(keys), keys


@pytest.mark.neutron
def test_preflight_reads_a_live_network(seed_cloud: SeedCloud) -> None:
    run = run_cli(
        "preflight",
        "--network",
        "k8s-net",
        *CIDRS,
        "--neutron-backend",
        "ml2/ovn",
        environ=seed_cloud.environ,
    )
    assert run.code == 0, run.stderr
    assert "on network k8s-net (MTU 1450, vxlan), Neutron backend ml2/ovn" in run.stdout
    for name in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"):
        port_id = seed_cloud.neutron.ids.port_ids[name]
        assert f"existing port {port_id}" in run.stdout
    assert "Security groups drop pod-sourced packets between nodes" in run.stdout


def test_cloud_names_cannot_break_out_of_comments_or_strings() -> None:
    from kostack.model import load_snapshot
    from kostack.report.preflight import render_commands

    snapshot = load_snapshot(EXAMPLE)
    assert snapshot.openstack is not None and snapshot.openstack.ports is not None
    evil = "x\nrm -rf / #\x1b[2J"
    ports = tuple(
        p.model_copy(update={"name": evil + str(i)}) if p.device_owner.startswith("compute:") else p
        for i, p in enumerate(snapshot.openstack.ports)
    )
    openstack = snapshot.openstack.model_copy(update={"ports": ports})
    network = next(n for n in openstack.networks or () if n.name == "k8s-net")
    from kostack.plan.preflight import nodes_from_ports

    result = preflight(
        spec(
            openstack=openstack,
            network_id=network.id,
            nodes=nodes_from_ports(openstack, network.id, 1),
        )
    )
    for text in (render_commands(result), render_terraform(result)):
        assert "\nrm -rf" not in text and "\x1b" not in text


@pytest.mark.parametrize(
    ("cni", "mode", "wireguard", "largest"),
    [
        ("calico", "vxlan", False, 1400),
        ("calico", "ipip", True, 1390),  # Felix takes the smallest: WireGuard's 60
        ("flannel", "vxlan", False, 1400),
        ("flannel", "host-gw", False, 1450),
        ("cilium", "vxlan", False, 1400),
        ("cilium", "native", False, 1450),
        ("cilium", "geneve", True, 1320),  # Cilium adds WireGuard's 80 to the tunnel's 50
    ],
)
def test_the_recommended_mtu_is_what_the_cni_gives_pods(
    cni: str, mode: str, wireguard: bool, largest: int
) -> None:
    """The planned snapshot says the CNI's own MTU setting (Flannel's Backend.MTU and
    Cilium's `mtu` are the network's, not the pod's), and it fits."""
    from kostack.analyze.mtu import effective_mtu
    from kostack.analyze.topology import Topology

    result = preflight(spec(cni=cni, mode=mode, wireguard=wireguard))
    assert result.recommended_mtu == largest
    assert "mtu" not in {r.key for r in result.remaining}
    cluster = planned_cluster(result.spec, result.recommended_mtu)
    topo = Topology(Snapshot(cluster=cluster))
    assert {effective_mtu(topo, v).pod_mtu for v in topo.node_views.values()} == {largest}


@pytest.mark.parametrize(
    ("cni", "expected"),
    [
        ("calico", "Calico VXLAN Always (natOutgoing on"),
        ("cilium", "Cilium VXLAN (enable-ipv4-masquerade on)"),
        ("flannel", "Flannel VXLAN (ipMasq on)"),
        ("kube-router", "kube-router --overlay-type=subnet --overlay-encap=ipip "),
    ],
)
def test_each_cni_is_described_in_its_own_words(cni: str, expected: str) -> None:
    """Cilium and Flannel have no natOutgoing and no "Always" mode: their own setting names."""
    mode = "ipip" if cni == "kube-router" else "vxlan"
    described = str(spec(cni=cni, mode=mode).describe_cni())
    assert described.startswith(expected), described


def test_kube_router_pods_get_the_network_mtu() -> None:
    """kube-router's --auto-mtu gives pods the interface's MTU (its tunnels have their own):
    nothing to subtract, and the planned cluster's net-mtu passes."""
    result = preflight(spec(cni="kube-router", mode="ipip", network_mtu=1450))
    assert result.recommended_mtu == 1450
    assert "mtu" not in {r.key for r in result.remaining}
    # the note says there is nothing to set, not "Calico, Cilium and Flannel derive it"
    keys = [getattr(note, "key", "") for note in result.notes]
    assert "preflight.note.mtu-kube-router" in keys and "preflight.note.mtu" not in keys


def test_every_rule_preflight_plans_is_described_in_korean() -> None:
    """Each CNI's and mode's rules, with and without WireGuard and on dual stack: none falls
    back to its English description in the Korean report."""
    from kostack.plan.preflight_antrea import TUNNELS
    from kostack.plan.preflight_rules import needed_rules
    from kostack.plan.preflight_spec import CNI_MODES, PreflightError
    from kostack.report.preflight_words import RULE_WHY_KO

    dual = {
        "pod_cidr_secondary": ipaddress.ip_network("fd00:10:244::/56"),
        "service_cidr_secondary": ipaddress.ip_network("fd00:10:96::/112"),
    }
    slugs: set[str] = set()
    for cni, modes in CNI_MODES.items():
        tunnels = TUNNELS if cni == "antrea" else (None,)
        for mode, tunnel, wireguard in itertools.product(modes, tunnels, (False, True)):
            for extra in ({}, dual):
                try:
                    rules = needed_rules(
                        spec(cni=cni, mode=mode, tunnel_type=tunnel, wireguard=wireguard, **extra)
                    )
                except PreflightError:
                    continue
                slugs |= {r.slug.removesuffix("_v6") for r in rules}
    assert {"kube_router_bgp", "kube_router_ipip", "antrea_geneve", "calico_ipip"} <= slugs
    assert slugs - set(RULE_WHY_KO) == set()
