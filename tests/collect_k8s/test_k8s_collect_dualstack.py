"""A dual-stack cluster served by the Kubernetes API double, read by the collector.

The objects are the dual-stack lab's (`kubernetes_objects` of
`dualstack-fixed`): Nodes with an InternalIP and a podCIDR per family, Pods
with two podIPs, kube-dns and kubernetes PreferDualStack with two ClusterIPs
and an IPv6 EndpointSlice each, kubeadm's dual-stack podSubnet/serviceSubnet, Calico's IPv6
pool. Every built-in object validates against the Kubernetes 1.33 schemas.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import kubernetes_validate
from k8s_collect_served import ServeFn

from kostack_lab.kube_objects import calico_crds, namespace_object
from kostack_lab.scenarios import get_scenario, kubernetes_objects

V4, V6 = ipaddress.IPv4Network, ipaddress.IPv6Network


def dual_stack_objects() -> list[dict[str, Any]]:
    scenario = get_scenario("dualstack-fixed")
    return [
        *calico_crds(operator=True),
        *(namespace_object(n) for n in ("default", "kube-system", "demo")),
        *kubernetes_objects(scenario, scenario.topology(prefix="ks-", nodes=3)),
    ]


def test_dual_stack_objects_validate_against_1_33() -> None:
    objects = dual_stack_objects()
    checked = 0
    for obj in objects:
        group = obj["apiVersion"].split("/")[0]
        if "." in group and group != "discovery.k8s.io":
            continue  # custom resources (Calico) have no built-in schema
        assert kubernetes_validate.validate(obj, "1.33", strict=True)
        checked += 1
    assert checked >= 15
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    dns = by_name[("Service", "kube-dns")]["spec"]
    assert dns["ipFamilies"] == ["IPv4", "IPv6"] and dns["ipFamilyPolicy"] == "PreferDualStack"
    assert dns["clusterIPs"] == ["10.96.0.10", "fd00:10:96::a"]
    api = by_name[("Service", "kubernetes")]["spec"]
    assert api["ipFamilies"] == ["IPv4", "IPv6"] and api["ipFamilyPolicy"] == "PreferDualStack"
    assert api["clusterIPs"] == ["10.96.0.1", "fd00:10:96::1"]
    api6 = by_name[("EndpointSlice", "kubernetes-lab-v6")]
    assert api6["addressType"] == "IPv6" and api6["endpoints"][0]["addresses"] == ["fd00:10::11"]
    pod = by_name[("Pod", "echo-w-1-1")]["status"]
    assert pod["podIPs"] == [{"ip": "10.244.1.11"}, {"ip": "fd00:10:244:1::11"}]
    node = by_name[("Node", "k8s-w-1")]
    assert node["spec"]["podCIDRs"] == ["10.244.1.0/24", "fd00:10:244:1::/64"]
    assert {"type": "InternalIP", "address": "fd00:10::12"} in node["status"]["addresses"]


def test_collector_reads_both_families(serve: ServeFn) -> None:
    served = serve(dual_stack_objects())
    stored = served.api.get("v1", "Service", "kube-dns", "kube-system")
    assert stored is not None and stored["spec"]["clusterIPs"] == ["10.96.0.10", "fd00:10:96::a"]

    collection = served.collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    nodes = {n.name: n for n in cluster.nodes}
    w1 = nodes["k8s-w-1"]
    assert str(w1.internal_ip) == "10.0.0.12"  # the primary family
    assert [(a.type, a.address) for a in w1.addresses if a.type == "InternalIP"] == [
        ("InternalIP", "10.0.0.12"),
        ("InternalIP", "fd00:10::12"),
    ]
    assert w1.pod_cidrs == (V4("10.244.1.0/24"), V6("fd00:10:244:1::/64"))
    assert [str(c) for c in cluster.pod_cidrs] == ["10.244.0.0/16", "fd00:10:244::/56"]
    assert [str(c) for c in cluster.service_cidrs] == ["10.96.0.0/12", "fd00:10:96::/112"]
    assert cluster.cni.calico is not None
    pools = {p.name: p for p in cluster.cni.calico.ip_pools}
    assert str(pools["default-ipv6-ippool"].cidr) == "fd00:10:244::/56"
    assert pools["default-ipv6-ippool"].block_size == 122

    services = {f"{s.namespace}/{s.name}": s for s in cluster.services}
    dns = services["kube-system/kube-dns"]
    assert str(dns.cluster_ip) == "10.96.0.10"
    assert {str(e.ip) for e in dns.endpoints or ()} == {"10.244.0.11", "fd00:10:244::11"}
    pods = {p.name: p for p in cluster.pods}
    assert str(pods["echo-w-1-1"].ip) == "10.244.1.11"  # podIP, the primary family


def test_collector_reads_cilium_underlay(serve: ServeFn) -> None:
    """The published Cilium chart's cilium-config with an IPv6 underlay, served by the double."""
    from kostack_testkit import k8s_fixture_published_cilium as cilium_fx

    objects = cilium_fx.cilium_chart_published()
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "cilium-config":
            obj["data"].update({"enable-ipv6": "true", "underlay-protocol": "ipv6"})
    collection = serve(objects).collect()
    assert collection.gaps == ()
    cilium = collection.cluster.cni.cilium
    assert cilium is not None
    assert cilium.enable_ipv6 is True and cilium.underlay_protocol == "ipv6"
