"""kube-router read through the official client: k0s's rendering and the upstream DaemonSet."""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.collect._cni_kuberouter import kube_router_flags, parse_kube_router
from kostack.collect._kube_objects import Notes
from kostack_testkit.k8s_fixture_kuberouter import UPSTREAM_IMAGE, kube_router_cluster


def test_k0s_kube_router_is_read_from_its_daemonset(serve: ServeFn) -> None:
    """k0s's default rendering: kube-router is the CNI, its flags with kube-router's defaults
    where k0s passes none (overlay on, subnet, ipip, pod egress, full mesh, port 179)."""
    collection = serve(kube_router_cluster()).collect()
    assert collection.gaps == ()
    cni = collection.cluster.cni
    kr = cni.kube_router
    assert cni.type == "kube-router" and kr is not None
    assert cni.version == "v2.10.0-iptables1.8.13-k0s.1"
    assert kr.bundle == "k0s"
    assert (kr.run_router, kr.enable_overlay, kr.overlay_type, kr.overlay_encap) == (
        True,
        True,
        "subnet",
        "ipip",
    )
    assert (kr.enable_pod_egress, kr.nodes_full_mesh, kr.enable_ibgp, kr.bgp_port) == (
        True,
        True,
        True,
        179,
    )
    assert (kr.run_service_proxy, kr.auto_mtu, kr.enable_ipv6) == (False, True, False)
    assert kr.peer_router_ips == ()
    # The pods' ranges are the nodes' podCIDRs (no pool of its own).
    nodes = collection.cluster.nodes or ()
    assert nodes and all(n.pod_cidrs for n in nodes)


def test_upstream_flags_in_both_spellings(serve: ServeFn) -> None:
    """`--flag value`, a bare boolean, repeated list flags: as spf13/pflag reads them."""
    args = [
        "--run-router",
        "--overlay-type",
        "full",
        "--overlay-encap=fou",
        "--overlay-encap-port",
        "6666",
        "--enable-pod-egress=false",
        "--bgp-port=1790",
        "--nodes-full-mesh=false",
        "--peer-router-ips=192.0.2.1,192.0.2.2",
        "--peer-router-ips",
        "192.0.2.3",
        "--cluster-asn=65001",
    ]
    objects = kube_router_cluster(args=args, image=UPSTREAM_IMAGE)
    kr = serve(objects).collect().cluster.cni.kube_router
    assert kr is not None and kr.bundle is None
    assert (kr.overlay_type, kr.overlay_encap, kr.overlay_encap_port) == ("full", "fou", 6666)
    assert (kr.enable_pod_egress, kr.bgp_port, kr.nodes_full_mesh) == (False, 1790, False)
    assert kr.peer_router_ips == tuple(ipaddress.ip_address(f"192.0.2.{i}") for i in (1, 2, 3))
    assert kr.cluster_asn == 65001


def test_an_unknown_value_is_not_guessed() -> None:
    notes = Notes()
    kr = parse_kube_router(["--overlay-type=mesh", "--enable-overlay=maybe"], notes)
    assert kr.overlay_type is None and kr.enable_overlay is None
    assert kube_router_flags(["--enable-overlay", "--run-router", "false"]) == {
        "enable-overlay": ["true"],
        "run-router": ["true"],
    }


def test_k0s_without_kubeadm_takes_the_ranges_from_kube_proxy_and_kube_router(
    serve: ServeFn,
) -> None:
    """k0s has no kubeadm-config and runs its control plane outside pods: the cluster CIDR is
    its kube-proxy ConfigMap's clusterCIDR, the service CIDR kube-router's
    --service-cluster-ip-range (k0s passes it)."""
    objects = [
        o
        for o in kube_router_cluster()
        if not (o["kind"] == "ConfigMap" and o["metadata"]["name"] == "kubeadm-config")
        and o["metadata"].get("labels", {}).get("component") not in ("kube-apiserver",)
    ]
    collection = serve(objects).collect()
    cluster = collection.cluster
    assert [str(c) for c in cluster.service_cidrs or ()] == ["10.96.0.0/12"]
    assert [str(c) for c in cluster.cluster_cidrs or ()] == ["10.244.0.0/16"]
    assert not [g for g in collection.gaps if g.source == "cluster.service_cidrs"]
