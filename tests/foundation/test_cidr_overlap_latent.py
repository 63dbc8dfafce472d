"""net-cidr-overlap for pod ranges: actual overlaps are critical root causes; latent ones are
warnings that say when they bite (analyze/pod_overlap.py)."""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import localize
from kostack.analyze.pod_overlap import PodOverlaps
from kostack.analyze.topology import Topology
from kostack_testkit.builders import add_pairs, build, seed_doc

Doc = dict[str, Any]
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def cilium_pool_doc(node_cidrs: list[str] | None, subnet: str = "192.168.10.0/24") -> Doc:
    """The seed project with Cilium cluster-pool 10.0.0.0/8 (chart defaults), nodes on ``subnet``."""
    doc = seed_doc()
    network = ipaddress.ip_network(subnet)
    doc["openstack"]["subnets"][0]["cidr"] = subnet
    doc["openstack"]["subnets"][0]["gateway_ip"] = str(network.network_address + 1)
    doc["openstack"]["routers"][0]["routes"] = []
    for i, (port, node) in enumerate(
        zip(doc["openstack"]["ports"], doc["cluster"]["nodes"], strict=True)
    ):
        ip = str(network.network_address + 11 + i)
        port["fixed_ips"][0]["ip_address"] = ip
        node["internal_ip"] = ip
        node["addresses"][0]["address"] = ip
    doc["cluster"]["pods"] = []
    for service in doc["cluster"]["services"]:
        if service["name"] == "kubernetes":
            service["endpoints"] = [
                {
                    "ip": str(network.network_address + 11),
                    "node": "k8s-cp-1",
                    "ports": {"https": 6443},
                }
            ]
        else:
            service["endpoints"] = [
                {"ip": "10.0.0.2", "node": "k8s-cp-1", "ports": {"dns": 53, "dns-tcp": 53}}
            ]
    doc["cluster"]["pod_cidrs"] = ["10.0.0.0/8"]
    doc["cluster"]["cni"] = {
        "type": "cilium",
        "cilium": {
            "routing_mode": "tunnel",
            "tunnel_protocol": "vxlan",
            "mtu_auto": True,
            "wireguard": False,
            "ipam_mode": "cluster-pool",
            "cluster_pool_cidrs": ["10.0.0.0/8"],
            "cluster_pool_mask_size": 24,
            "nodes": None
            if node_cidrs is None
            else [
                {"name": name, "pod_cidrs": [cidr]}
                for name, cidr in zip(NODES, node_cidrs, strict=True)
            ],
        },
    }
    return doc


def overlap_findings(doc: Doc) -> list[Finding]:
    return [
        f
        for f in diagnose(build(doc)).findings
        if f.check_id == "net-cidr-overlap" and f.status == Status.FAIL
    ]


def test_stock_cilium_pool_over_the_service_cidr_is_a_latent_warning() -> None:
    doc = cilium_pool_doc([f"10.0.{i}.0/24" for i in range(4)])
    diagnosis = diagnose(build(doc))
    assert "cidr-overlap" not in {rc.key for rc in diagnosis.root_causes}
    (warning,) = [w for w in diagnosis.warnings if w.check_id == "net-cidr-overlap"]
    assert (warning.severity, warning.cause) == (Severity.MEDIUM, "cidr-overlap-latent")
    assert "It bites when allocation reaches 10.96.0.0/24, after 24572 more node ranges" in str(
        warning.message
    )
    assert "10.96.0.0/24 블록에" in localize(warning.message, "ko")
    # The worst failing severity is medium: --fail-on high (the default) exits 0.
    assert diagnosis.worst() == Severity.MEDIUM


def test_a_node_range_inside_the_service_cidr_is_actual_and_critical() -> None:
    doc = cilium_pool_doc(["10.0.0.0/24", "10.0.1.0/24", "10.96.3.0/24", "10.0.3.0/24"])
    diagnosis = diagnose(build(doc))
    (root,) = [rc for rc in diagnosis.root_causes if rc.key == "cidr-overlap"]
    assert root.severity == Severity.CRITICAL
    assert "10.96.3.0/24 (k8s-w-2)" in str(root.message)


def test_the_first_pool_range_is_the_node_subnet() -> None:
    """A 10.0.0.0/24 node subnet under the chart's 10.0.0.0/8 pool: the first node's range
    is the node subnet itself."""
    doc = cilium_pool_doc([f"10.0.{i}.0/24" for i in range(4)], subnet="10.0.0.0/24")
    findings = overlap_findings(doc)
    by_other = {f.evidence[1]: f for f in findings}
    subnet = next(f for key, f in by_other.items() if key.startswith("subnet"))
    assert (subnet.severity, subnet.cause) == (Severity.CRITICAL, "cidr-overlap")
    assert "10.0.0.0/24 (k8s-cp-1)" in str(subnet.message)
    service = next(f for key, f in by_other.items() if key.startswith("service"))
    assert service.cause == "cidr-overlap-latent"


def test_cilium_nodes_not_collected_cannot_say_latent() -> None:
    (finding,) = overlap_findings(cilium_pool_doc(None))
    assert (finding.severity, finding.cause) == (Severity.HIGH, "cidr-overlap")
    assert "not known" in str(finding.message)


def test_calico_claims_blocks_at_random() -> None:
    doc = seed_doc()
    add_pairs(doc, ["10.0.0.0/8"])
    pool = doc["cluster"]["cni"]["calico"]["ip_pools"][0]
    pool["cidr"] = "10.0.0.0/8"
    doc["cluster"]["pod_cidrs"] = ["10.0.0.0/8"]
    # The seed's blocks (10.244.N.0/26) stay where they are: inside the pool, not the services.
    findings = [f for f in overlap_findings(doc) if f.evidence[1].startswith("service")]
    (finding,) = findings
    assert (finding.severity, finding.cause) == (Severity.HIGH, "cidr-overlap-latent")
    assert "at random places" in str(finding.message)
    doc["cluster"]["cni"]["calico"]["blocks"].append({"cidr": "10.100.0.0/26", "node": "k8s-w-3"})
    (finding,) = [f for f in overlap_findings(doc) if f.evidence[1].startswith("service")]
    assert finding.severity == Severity.CRITICAL and "10.100.0.0/26 (k8s-w-3)" in str(
        finding.message
    )


def test_node_ipam_is_sequential_from_the_nodes_prefix() -> None:
    """Flannel's kube subnet manager: Node podCIDRs from kube-controller-manager's cidrset."""
    doc = seed_doc()
    doc["cluster"]["pod_cidrs"] = ["10.64.0.0/10"]
    doc["cluster"]["cni"] = {
        "type": "flannel",
        "flannel": {"network": "10.64.0.0/10", "backend_type": "vxlan", "kube_subnet_mgr": True},
    }
    for i, node in enumerate(doc["cluster"]["nodes"]):
        node["pod_cidrs"] = [f"10.64.{i}.0/24"]
    topo = Topology(build(doc))
    judged = PodOverlaps(topo).judge(
        ipaddress.ip_network("10.64.0.0/10"), ipaddress.ip_network("10.96.0.0/12")
    )
    assert judged.actual is False and judged.allocator == "sequential"
    assert str(judged.bites_at) == "10.96.0.0/24"
    assert judged.blocks_left == (0x60 - 0x40) * 256 - 4


def test_many_subnets_and_nodes_are_judged_without_a_pairwise_walk() -> None:
    """2,000 nodes' ranges indexed once; 3,000 questions, each a binary search (a fixed
    budget of cases, no timing: benchmarks/ measure speed)."""
    doc = cilium_pool_doc([f"10.0.{i}.0/24" for i in range(4)])
    extra = [f"extra-{i:04d}" for i in range(2000)]
    doc["cluster"]["nodes"].extend(
        {"name": name, "internal_ip": f"172.16.{i // 250}.{i % 250 + 1}"}
        for i, name in enumerate(extra)
    )
    doc["cluster"]["cni"]["cilium"]["nodes"].extend(
        {"name": name, "pod_cidrs": [f"10.{1 + i // 256}.{i % 256}.0/24"]}
        for i, name in enumerate(extra)
    )
    judge = PodOverlaps(Topology(build(doc)))
    pool = ipaddress.ip_network("10.0.0.0/8")
    allocated = {(0, i) for i in range(4)} | {(1 + i // 256, i % 256) for i in range(2000)}
    for i in range(3000):
        second, third = i % 16, (i * 7) % 256
        other = ipaddress.ip_network(f"10.{second}.{third}.0/24")
        got = judge.judge(pool, other)
        assert bool(got.in_use) is ((second, third) in allocated), other
        assert got.allocated == 2004
    wide = judge.judge(pool, ipaddress.ip_network("10.2.0.0/16"))
    assert len(wide.in_use or ()) == 256
