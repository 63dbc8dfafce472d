"""The published installs, served by the API double and read with the official client,
give the snapshot field by field (every field of the CNI's record is spelled out)."""

from __future__ import annotations

from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.collect.kubernetes import KubeCollection
from kostack_testkit import k8s_fixture_published as calico_fx
from kostack_testkit import k8s_fixture_published_cilium as cilium_fx
from kostack_testkit import k8s_fixture_published_flannel as flannel_fx
from kostack_testkit.k8s_fixture_objects import JsonObject

NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def collect(serve: ServeFn, objects: list[JsonObject]) -> KubeCollection:
    collection = serve(objects).collect()
    assert collection.gaps == ()
    return collection


def cluster_fields(collection: KubeCollection) -> dict[str, Any]:
    cluster = collection.cluster.model_dump(mode="json")
    return {
        key: cluster[key]
        for key in (
            "pod_cidrs",
            "pod_cidrs_source",
            "cluster_cidrs",
            "service_cidrs",
            "kube_proxy_mode",
        )
    } | {
        "cni": (cluster["cni"]["type"], cluster["cni"]["version"], cluster["cni"]["version_source"])
    }


def calico_record(collection: KubeCollection) -> dict[str, Any]:
    calico = collection.cluster.cni.calico
    assert calico is not None
    record = calico.model_dump(mode="json")
    blocks = record.pop("blocks")
    # One /26 IPAM block per node, affine to it ("host:<node>"), inside the pool.
    assert sorted(b["node"] for b in blocks) == sorted(NODES)
    return record


def internal_ips(collection: KubeCollection) -> dict[str, list[str]]:
    """Each node's InternalIP, as the published fixtures' calico-node publishes it."""
    return {n.name: [str(n.internal_ip)] for n in collection.cluster.nodes or ()}


def manifest_pool(cidr: str, ipip: str, vxlan: str) -> dict[str, Any]:
    return {
        "name": "default-ipv4-ippool",
        "cidr": cidr,
        "ipip_mode": ipip,
        "vxlan_mode": vxlan,
        "nat_outgoing": True,
        "block_size": 26,
        "disabled": False,
        "source": "crd.projectcalico.org/v1 IPPool",
        "node_selector": None,  # all(): every node
    }


@pytest.mark.parametrize("version", ["v3.30.7", "v3.31.7"])
@pytest.mark.parametrize(
    ("variant", "ipip", "vxlan", "bgp"),
    [
        ("ipip", "Always", "Never", True),  # calico.yaml: calico_backend bird
        ("vxlan", "Never", "CrossSubnet", False),  # calico-vxlan.yaml: calico_backend vxlan
    ],
)
def test_calico_manifest(
    serve: ServeFn, version: str, variant: str, ipip: str, vxlan: str, bgp: bool
) -> None:
    objects = calico_fx.calico_manifest_published(version, variant)  # type: ignore[arg-type]
    collection = collect(serve, objects)
    assert cluster_fields(collection) == {
        "pod_cidrs": ["10.244.0.0/16"],
        "pod_cidrs_source": "Calico IPPools (enabled)",
        "cluster_cidrs": ["10.244.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "iptables",
        "cni": ("calico", version, "ClusterInformation default spec.calicoVersion"),
    }
    assert calico_record(collection) == {
        "install_method": "manifest",
        "ip_pools": [manifest_pool("10.244.0.0/16", ipip, vxlan)],
        # veth_mtu "0": Felix derives the MTU from the host interface.
        "mtu": None,
        "mtu_source": 'ConfigMap kube-system/calico-config veth_mtu "0"',
        "mtu_auto": True,
        "typha": False,  # typha_service_name "none", no calico-typha Deployment
        "typha_nodes": [],  # no calico-typha pod
        "bgp": bgp,
        "node_to_node_mesh": True,  # no BGPConfiguration: the default mesh
        "wireguard": False,
        "wireguard_v4": False,
        "wireguard_v6": False,
        "vxlan_port": 4789,
        "nat_outgoing_exclusions": "IPPoolsOnly",
        "program_cluster_routes": False,
        "feature_detect_override": "",
        "bpf_enabled": False,  # FelixConfiguration bpfEnabled unset: iptables
        "bpf_external_service_mode": "Tunnel",
        "bpf_dsr_optout_cidrs": [],
        "bpf_exclude_cidrs_from_nat": [],
        "felix_nodes": {},  # no FelixConfiguration node.<name>
        "felix_env_unread": [],
        "felix_config_file": [],
        "bpf_transition": False,
        "bpf_rollout": None,
        "bpf_unobserved": None,
        "operator_status": None,
        "felix_pods_differ": {},
        "bgp_peers": None,  # the mesh on: the BGPPeers are not needed
        "route_reflectors": {},
        "as_number": 64512,  # no BGPConfiguration: Calico's default AS
        "node_labels": {},
        "node_as_numbers": {},
        # each Node's projectcalico.org/IPv4Address: calico-node took its InternalIP
        "node_addresses": internal_ips(collection),
    }


@pytest.mark.parametrize("version", ["v3.30.7", "v3.31.7"])
def test_calico_operator_custom_resources(serve: ServeFn, version: str) -> None:
    collection = collect(serve, calico_fx.calico_operator_published(version))  # type: ignore[arg-type]
    assert cluster_fields(collection) == {
        "pod_cidrs": ["192.168.0.0/16"],
        "pod_cidrs_source": "Calico IPPools (enabled)",
        "cluster_cidrs": ["192.168.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "iptables",
        "cni": ("calico", version, "ClusterInformation default spec.calicoVersion"),
    }
    assert calico_record(collection) == {
        "install_method": "operator",
        "ip_pools": [manifest_pool("192.168.0.0/16", "Never", "CrossSubnet")],
        "mtu": 1400,  # what the operator reports calico-node detected on a 1450 network
        "mtu_source": "Installation default status.mtu",
        "mtu_auto": False,
        "typha": True,
        "typha_nodes": ["k8s-w-3"],  # where calico-typha's pod runs: every calico-node's server
        "bgp": True,  # calicoNetwork.bgp defaults to Enabled
        "node_to_node_mesh": True,
        "wireguard": False,
        "wireguard_v4": False,
        "wireguard_v6": False,
        "vxlan_port": 4789,
        "nat_outgoing_exclusions": "IPPoolsOnly",
        "program_cluster_routes": False,
        "feature_detect_override": "",
        "bpf_enabled": False,  # FelixConfiguration bpfEnabled unset: iptables
        "bpf_external_service_mode": "Tunnel",
        "bpf_dsr_optout_cidrs": [],
        "bpf_exclude_cidrs_from_nat": [],
        "felix_nodes": {},  # no FelixConfiguration node.<name>
        "felix_env_unread": [],
        "felix_config_file": [],
        "bpf_transition": False,
        "bpf_rollout": None,
        "bpf_unobserved": None,
        "operator_status": None,
        "felix_pods_differ": {},
        "bgp_peers": None,  # the mesh on: the BGPPeers are not needed
        "route_reflectors": {},
        "as_number": 64512,  # no BGPConfiguration: Calico's default AS
        "node_labels": {},
        "node_as_numbers": {},
        # each Node's projectcalico.org/IPv4Address: calico-node took its InternalIP
        "node_addresses": internal_ips(collection),
    }
    images = {
        c["image"]
        for o in calico_fx.calico_operator_published(version)  # type: ignore[arg-type]
        if o["kind"] == "DaemonSet" and o["metadata"]["name"] == "calico-node"
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"{calico_fx.CALICO_REGISTRY[version]}/node:{version}"}


def test_calico_version_from_the_installation_or_the_image(serve: ServeFn) -> None:
    """Without ClusterInformation: the operator's status, then calico-node's image tag."""
    objects = [
        o for o in calico_fx.calico_operator_published() if o["kind"] != "ClusterInformation"
    ]
    cni = collect(serve, objects).cluster.cni
    assert (cni.version, cni.version_source) == (
        "v3.30.7",
        "Installation default status.calicoVersion",
    )
    objects = [
        o for o in calico_fx.calico_manifest_published() if o["kind"] != "ClusterInformation"
    ]
    cni = collect(serve, objects).cluster.cni
    assert (cni.version, cni.version_source) == ("v3.30.7", "image docker.io/calico/node:v3.30.7")


def test_flannel(serve: ServeFn) -> None:
    collection = collect(serve, flannel_fx.flannel_published())
    assert cluster_fields(collection) == {
        "pod_cidrs": ["10.244.0.0/16"],
        "pod_cidrs_source": "ConfigMap kube-flannel-cfg net-conf.json Network",
        "cluster_cidrs": ["10.244.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "iptables",
        "cni": ("flannel", "v0.28.9", "image ghcr.io/flannel-io/flannel:v0.28.9"),
    }
    flannel = collection.cluster.cni.flannel
    assert flannel is not None
    assert flannel.model_dump(mode="json") == {
        "network": "10.244.0.0/16",
        "backend_type": "vxlan",
        "port": 8472,  # Backend.Port unset: the Linux kernel's VXLAN port
        "direct_routing": False,
        "ip_masq": True,  # flanneld --ip-masq
        "mtu": None,  # no Backend.MTU: flanneld takes the interface's
        "mtu_auto": True,
        "kube_subnet_mgr": True,  # flanneld --kube-subnet-mgr: leases are Node podCIDRs
        "bundle": None,  # kube-flannel.yml's own DaemonSet
        "canal_pools": None,  # not Canal: no Calico pools to read
        "canal_nat_exclusions": None,
        "canal_config": None,  # not Canal: the pods' MTU is flannel's
        "canal_veth_mtu": None,
        "ip_masq_fully_random_disable": False,  # v0.28.9 runs without the switch
        "subnet_len": None,
        # net-conf.json has no EnableIPv6: IPv4 only
        "enable_ipv4": True,
        "enable_ipv6": False,
        "ipv6_network": None,
        "ipv6_subnet_len": None,
    }
    nodes = {n.name: [str(c) for c in n.pod_cidrs] for n in collection.cluster.nodes or ()}
    assert nodes == {name: [f"10.244.{i}.0/24"] for i, name in enumerate(NODES)}


def cilium_nodes() -> list[dict[str, Any]]:
    return [
        {"name": name, "pod_cidrs": [f"10.0.{i}.0/24"], "pool_cidrs": []}
        for i, name in enumerate(NODES)
    ]


def cilium_image_source(version: str = "v1.18.2") -> str:
    from kostack_testkit.k8s_fixture_objects import hex_id

    return f"image quay.io/cilium/cilium:{version}@sha256:{hex_id(64, 'cilium-image', version)}"


def test_cilium_chart_defaults(serve: ServeFn) -> None:
    collection = collect(serve, cilium_fx.cilium_chart_published())
    assert cluster_fields(collection) == {
        # cluster-pool IPAM: pods never use kubeadm's podSubnet (10.244.0.0/16)...
        "pod_cidrs": ["10.0.0.0/8"],
        "pod_cidrs_source": "ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr",
        # ...which still gives the Nodes their (unused) spec.podCIDRs.
        "cluster_cidrs": ["10.244.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "iptables",
        "cni": ("cilium", "v1.18.2", cilium_image_source()),
    }
    cilium = collection.cluster.cni.cilium
    assert cilium is not None
    assert cilium.model_dump(mode="json") == {
        "routing_mode": "tunnel",
        "routing_key": "routing-mode",
        "tunnel_protocol": "vxlan",
        "tunnel_port": 8472,
        "native_routing_cidr": None,
        "native_routing_cidr_v6": None,
        "enable_ipv4": True,
        "enable_ipv6": False,
        "underlay_protocol": None,
        "masquerade": True,
        "masquerade_v6": True,
        "mtu": None,
        "mtu_auto": True,
        "wireguard": False,
        "ipsec": False,
        "health_checking": True,  # the fixture carries no enable-health-checking: on
        "health_port": 4240,
        "kube_proxy_replacement": False,
        "egress_gateway": False,  # no enable-egress-gateway: off
        "host_firewall": False,  # enable-host-firewall absent or false: off
        "ipam_mode": "cluster-pool",
        "cluster_pool_cidrs": ["10.0.0.0/8"],
        "cluster_pool_mask_size": 24,
        "nodes": cilium_nodes(),
    }


def test_cilium_chart_native_routing_with_kube_proxy_replacement(serve: ServeFn) -> None:
    served = serve(cilium_fx.cilium_chart_published("native-kpr"))
    collection = served.collect()
    assert collection.gaps == ()
    assert cluster_fields(collection) == {
        "pod_cidrs": ["10.0.0.0/8"],
        "pod_cidrs_source": "ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr",
        "cluster_cidrs": ["10.244.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "none",  # replaced, and no kube-proxy pod runs
        "cni": ("cilium", "v1.18.2", cilium_image_source()),
    }
    cilium = collection.cluster.cni.cilium
    assert cilium is not None
    assert cilium.model_dump(mode="json") == {
        "routing_mode": "native",
        "routing_key": "routing-mode",
        "tunnel_protocol": None,
        "tunnel_port": None,
        "native_routing_cidr": "10.0.0.0/8",
        "native_routing_cidr_v6": None,
        "enable_ipv4": True,
        "enable_ipv6": False,
        "underlay_protocol": None,
        "masquerade": True,
        "masquerade_v6": True,
        "mtu": None,
        "mtu_auto": True,
        "wireguard": False,
        "ipsec": False,
        "health_checking": True,  # the fixture carries no enable-health-checking: on
        "health_port": 4240,
        "kube_proxy_replacement": True,
        "egress_gateway": False,  # no enable-egress-gateway: off
        "host_firewall": False,  # enable-host-firewall absent or false: off
        "ipam_mode": "cluster-pool",
        "cluster_pool_cidrs": ["10.0.0.0/8"],
        "cluster_pool_mask_size": 24,
        "nodes": cilium_nodes(),
    }
    # CiliumNodes are one list, whatever the node count.
    assert served.requests(path="/apis/cilium.io/v2/ciliumnodes") == [
        "GET /apis/cilium.io/v2/ciliumnodes?limit=500 200"
    ]


def test_cilium_quick_install_v16_legacy_tunnel_key(serve: ServeFn) -> None:
    collection = collect(serve, cilium_fx.cilium_quick_install_v16())
    assert cluster_fields(collection) == {
        # No `ipam` key: host-scope allocation from each Node's podCIDR.
        "pod_cidrs": ["10.244.0.0/16"],
        "pod_cidrs_source": "ConfigMap kube-system/kubeadm-config networking.podSubnet",
        "cluster_cidrs": ["10.244.0.0/16"],
        "service_cidrs": ["10.96.0.0/12"],
        "kube_proxy_mode": "iptables",
        "cni": ("cilium", "v1.6.0", "image docker.io/cilium/cilium:v1.6.0"),
    }
    cilium = collection.cluster.cni.cilium
    assert cilium is not None
    assert cilium.model_dump(mode="json") == {
        "routing_mode": "tunnel",
        "routing_key": "tunnel",  # the legacy key, honoured by a 1.6 agent
        "tunnel_protocol": "vxlan",
        "tunnel_port": 8472,
        "native_routing_cidr": None,
        "native_routing_cidr_v6": None,
        "enable_ipv4": True,
        "enable_ipv6": False,
        "underlay_protocol": None,
        "masquerade": True,  # the legacy `masquerade` key
        "masquerade_v6": True,
        "mtu": None,
        "mtu_auto": True,
        "wireguard": False,
        "ipsec": False,
        "health_checking": True,  # the fixture carries no enable-health-checking: on
        "health_port": 4240,
        "kube_proxy_replacement": False,
        "egress_gateway": False,  # no enable-egress-gateway: off
        "host_firewall": False,  # enable-host-firewall absent or false: off
        "ipam_mode": "hostscope-legacy",
        "cluster_pool_cidrs": [],
        "cluster_pool_mask_size": None,
        "nodes": None,  # not read: the Nodes' podCIDRs are the per-node ranges
    }


@pytest.mark.parametrize(
    ("mode", "expected"), [("", "iptables"), ("ipvs", "ipvs"), ("nftables", "nftables")]
)
def test_kube_proxy_modes(serve: ServeFn, mode: str, expected: str) -> None:
    collection = collect(serve, flannel_fx.kube_proxy_published(mode))  # type: ignore[arg-type]
    assert collection.cluster.kube_proxy_mode == expected


def test_calico_3_31_felix_settings(serve: ServeFn) -> None:
    """Calico 3.31's Felix fields, as an operator sets them on FelixConfiguration default."""
    objects = calico_fx.calico_manifest_published("v3.31.7", "ipip")
    for obj in objects:
        if obj["kind"] == "FelixConfiguration":
            obj["spec"]["natOutgoingExclusions"] = "IPPoolsAndHostIPs"
            obj["spec"]["programClusterRoutes"] = "Enabled"
            obj["spec"]["featureDetectOverride"] = "SNATFullyRandom=true,MASQFullyRandom=false"
    calico = collect(serve, objects).cluster.cni.calico
    assert calico is not None
    assert (calico.nat_outgoing_exclusions, calico.program_cluster_routes) == (
        "IPPoolsAndHostIPs",
        True,
    )
    assert calico.feature_detect_override == "SNATFullyRandom=true,MASQFullyRandom=false"


def test_calico_felix_unreadable_leaves_its_fields_unknown(serve: ServeFn) -> None:
    objects = calico_fx.calico_manifest_published("v3.31.7", "ipip")
    served = serve(objects)
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        served.api.inject_fault(group, "felixconfigurations", status=403)
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert (calico.nat_outgoing_exclusions, calico.program_cluster_routes) == (None, None)
    assert calico.feature_detect_override is None
    assert (calico.wireguard, calico.vxlan_port) == (None, None)
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (None, None)
    # veth_mtu "0" still decides the MTU: calico.yaml pins Felix's MTU variables to it.
    assert calico.mtu_auto is True
    assert collection.gaps[0].source == "cluster.cni.calico.felix"


def _rr_objects() -> list[JsonObject]:
    """Calico on BGP (calico.yaml: BIRD, IPIP), the mesh off, k8s-cp-1 a route reflector (its Node's annotation
    and label), and the BGPPeers of Calico's route reflector guide plus a router outside."""
    objects = calico_fx.calico_manifest_published("v3.31.7", "ipip")
    mesh_off = {"asNumber": 64512, "nodeToNodeMeshEnabled": False}
    objects.append(_calico_object("BGPConfiguration", "default", mesh_off))
    for obj in objects:
        if obj["kind"] == "Node" and obj["metadata"]["name"] == "k8s-cp-1":
            obj["metadata"]["annotations"]["projectcalico.org/RouteReflectorClusterID"] = (
                "244.0.0.1"
            )
            obj["metadata"]["labels"]["route-reflector"] = "true"
    peers = [
        ("peer-with-route-reflectors", {"nodeSelector": "all()", "peerSelector": "route-reflector == 'true'"}),
        ("tor", {"peerIP": "192.0.2.1:1179", "asNumber": 64513, "node": "k8s-w-1",
                 "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "tor"}}}),
    ]  # fmt: skip
    objects += [_calico_object("BGPPeer", name, spec) for name, spec in peers]
    return objects


def _calico_object(kind: str, name: str, spec: dict[str, Any]) -> JsonObject:
    meta = {"name": name, "uid": f"uid-{kind}-{name}", "resourceVersion": "1"}
    return {"apiVersion": "crd.projectcalico.org/v1", "kind": kind, "metadata": meta, "spec": spec}


def test_calico_bgp_peers_and_route_reflectors(serve: ServeFn) -> None:
    calico = collect(serve, _rr_objects()).cluster.cni.calico
    assert calico is not None
    assert calico.node_to_node_mesh is False
    assert calico.route_reflectors == {"k8s-cp-1": "244.0.0.1"}
    peers = [p.model_dump(mode="json") for p in calico.bgp_peers or ()]
    assert peers == [
        {
            "name": "peer-with-route-reflectors",
            "node": None,
            "node_selector": "all()",
            "peer_selector": "route-reflector == 'true'",
            "peer_ip": None,
            "as_number": None,
            "local_as_number": None,
            "password": False,
        },
        {
            "name": "tor",
            "node": "k8s-w-1",
            "node_selector": None,
            "peer_selector": None,
            "peer_ip": "192.0.2.1:1179",
            "as_number": 64513,
            "local_as_number": None,
            "password": True,  # the secret is never read
        },
    ]


def test_calico_bgp_peers_unreadable_is_a_gap(serve: ServeFn) -> None:
    served = serve(_rr_objects())
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        served.api.inject_fault(group, "bgppeers", status=403)
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.bgp_peers is None
    assert [g.source for g in collection.gaps] == ["cluster.cni.calico.bgp_peers"]
