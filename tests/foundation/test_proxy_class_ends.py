"""Past the ClusterIP hop, each class of source pods (analyze/proxy_classes.py) is judged to
the Service's endpoints from its own pod on each node it is on (`ProxyClass.ends`). Before:
from the node's first pod only, so a class on the same node whose path to the endpoints
differs (a Kube-OVN underlay Subnet beside overlay pods) was hidden behind the first pod's
PASS. Linear: an end per class and node holds at least one pod."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack_testkit.builders import build
from kostack_testkit.kubeovn import as_kube_ovn, subnet
from kostack_testkit.service_proxy import healthy

Doc = dict[str, Any]


def _underlay_beside() -> Doc:
    """Kube-OVN, kube-proxy running; k8s-w-1's first pod (coredns, ovn-default) is overlay,
    and under-0 (10.0.0.150) beside it is in underlay Subnet vlan-b with OVN's load balancer:
    both are translated, but under-0 sends to the overlay endpoints through its physical
    gateway (UNKNOWN), while the first pod's Geneve passes."""
    doc = healthy()
    as_kube_ovn(doc)
    vlan = subnet(
        "vlan-b",
        "10.0.0.0/24",
        vlan="ovn-vlan",
        enable_lb=True,
        exclude_ips=["10.0.0.1..10.0.0.99"],
    )
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(vlan)
    doc["cluster"]["pods"].append(
        {"namespace": "apps", "name": "under-0", "node": "k8s-w-1", "ip": "10.0.0.150"}
    )
    return doc


def test_a_class_beside_the_nodes_first_pod_is_judged_from_its_own_pod() -> None:
    snap = build(_underlay_beside())
    found = [f for f in diagnose(snap).findings if f.check_id == "net-dns"]
    assert found and Status.PASS not in {f.status for f in found}
    for f in found:
        assert f.status == Status.UNKNOWN and f.nodes == ("k8s-w-1",)
        assert "Kube-OVN Subnet vlan-b is underlay" in localize(f.message, "en")
        assert "{" not in localize(f.message, "ko")
    # without the underlay pod: the first pods alone, a PASS as before
    doc = _underlay_beside()
    doc["cluster"]["pods"] = [p for p in doc["cluster"]["pods"] if p["name"] != "under-0"]
    assert [f.status for f in diagnose(build(doc)).findings if f.check_id == "net-dns"] == [
        Status.PASS
    ]


def test_each_class_keeps_one_end_per_node_it_is_on() -> None:
    flows = ClusterFlows(build(_underlay_beside()))
    classes = {localize(c.label, "en"): c for c in flows.proxy_classes_of().classes}
    default, vlan = classes["Kube-OVN Subnet ovn-default"], classes["Kube-OVN Subnet vlan-b"]
    # the family's ends (each node's first pod) stay the overlay class's own
    assert [e.name for e in default.ends] == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert default.ends == flows.pods
    assert [(e.name, str(e.ip)) for e in vlan.ends] == [("k8s-w-1", "10.0.0.150")]
    svc = flows.topo.dns_service
    assert svc is not None
    _, family = flows.service_flows(svc, "udp", 53)
    assert family is not None
    sources = {str(e.ip) for c in family.sources for e in c.members}
    assert "10.0.0.150" in sources and "10.244.1.2" in sources


def test_many_subnets_on_few_nodes_keep_an_end_per_class_and_node() -> None:
    """300 Subnets of 20 pods each, every Subnet's pods on one of three nodes: 300 ends more
    (one per Subnet and node), never Subnets x nodes or one per pod."""
    doc = _underlay_beside()
    kube_ovn = doc["cluster"]["cni"]["kube_ovn"]
    for i in range(300):
        kube_ovn["subnets"].append(subnet(f"s{i}", f"10.{100 + i // 250}.{i % 250}.0/24"))
        for k in range(20):
            doc["cluster"]["pods"].append(
                {
                    "namespace": "bulk",
                    "name": f"p{i}-{k}",
                    "node": f"k8s-w-{i % 3 + 1}",
                    "ip": f"10.{100 + i // 250}.{i % 250}.{k + 2}",
                }
            )
    flows = ClusterFlows(build(doc))
    classes = flows.proxy_classes_of().classes
    assert len(classes) == 302
    assert sum(len(c.ends) for c in classes) == 4 + 1 + 300
    assert sum(c.pods for c in classes) >= 6000
