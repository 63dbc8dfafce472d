"""MetalLB and kube-vip read through the official client (collect/_kube_vip.py).

Before they were modelled the snapshot had no `virtual_ips`: these tests fail on that code.
"""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.collect._kube_vip import parse_pool
from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import (
    advertisement_object,
    kube_vip_pods,
    metallb_objects,
    pool_object,
)
from kostack_testkit.k8s_fixture_objects import make_nodes

NET = ipaddress.ip_network


def test_metallb_pools_and_advertisements_are_read_with_four_lists(serve: ServeFn) -> None:
    nodes = make_nodes()
    pools = [
        pool_object("web", ["10.0.0.200/29", "10.0.0.240-10.0.0.250"]),
        pool_object("spare", ["192.0.2.0/28"], autoAssign=False),
    ]
    ads = [
        advertisement_object(
            "l2-web",
            ipAddressPools=["web"],
            nodeSelectors=[{"matchLabels": {"kubernetes.io/hostname": "k8s-w-1"}}],
        ),
        advertisement_object("bgp-all", "BGPAdvertisement"),
    ]
    objects = kube_ovn_cluster(
        nodes=nodes, extra=metallb_objects(nodes, pools=pools, advertisements=ads)
    )
    collection = serve(objects).collect()
    assert collection.gaps == ()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is not None
    metallb = vips.metallb
    assert (metallb.namespace, metallb.version) == ("metallb-system", "v0.14.9")
    by_name = {p.name: p for p in metallb.pools or ()}
    # a range is the CIDRs that cover exactly it
    assert by_name["web"].cidrs == (
        NET("10.0.0.200/29"),
        NET("10.0.0.240/29"),
        NET("10.0.0.248/31"),
        NET("10.0.0.250/32"),
    )
    assert by_name["web"].addresses == ("10.0.0.200/29", "10.0.0.240-10.0.0.250")
    assert by_name["spare"].auto_assign is False
    ads_by = {a.name: a for a in metallb.advertisements or ()}
    assert ads_by["l2-web"].kind == "l2" and ads_by["l2-web"].pools == ("web",)
    assert ads_by["l2-web"].node_selectors[0].match_labels == {"kubernetes.io/hostname": "k8s-w-1"}
    assert ads_by["bgp-all"].kind == "bgp" and ads_by["bgp-all"].pools == ()
    # four requests more than Kube-OVN's cluster (its Subnets and IPPools): one list per MetalLB kind
    assert collection.api_requests == 10 + 2 + 4


def test_without_metallb_nothing_more_is_asked(serve: ServeFn) -> None:
    collection = serve(kube_ovn_cluster()).collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is None and vips.kube_vip == ()
    assert collection.api_requests == 10 + 2


def test_helm_chart_labels_are_recognised(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes, helm_labels=True))
    metallb = serve(objects).collect().cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and [p.name for p in metallb.pools or ()] == ["default"]


def test_unreadable_pools_are_a_gap_that_names_what_to_run(serve: ServeFn) -> None:
    nodes = make_nodes()
    extra = [o for o in metallb_objects(nodes) if "ipaddresspools" not in str(o["metadata"])]
    extra = [o for o in extra if o.get("kind") != "IPAddressPool"]
    collection = serve(kube_ovn_cluster(nodes=nodes, extra=extra)).collect()
    metallb = collection.cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.pools is None and metallb.advertisements is not None
    gap = next(g for g in collection.gaps if g.source == "cluster.virtual_ips.metallb")
    assert "/apis/metallb.io/v1beta1/ipaddresspools" in gap.error
    assert "`kubectl get ipaddresspools.metallb.io -A -o yaml`" in gap.hint
    assert "`kubectl get ipaddresspools.metallb.io -A -o yaml`" in gap_hint(gap, "ko")


def test_kube_vip_is_read_from_the_pods_already_listed(serve: ServeFn) -> None:
    nodes = make_nodes(control_planes=3)
    extra = kube_vip_pods(nodes, "10.0.0.100", {"svc_enable": "false"})
    objects = kube_ovn_cluster(nodes=nodes, extra=extra)
    (kubeadm,) = [o for o in objects if o["metadata"].get("name") == "kubeadm-config"]
    text = kubeadm["data"]["ClusterConfiguration"]
    assert "clusterName: kubernetes\n" in text
    kubeadm["data"]["ClusterConfiguration"] = text.replace(
        "clusterName: kubernetes\n",
        "clusterName: kubernetes\ncontrolPlaneEndpoint: 10.0.0.100:6443\n",
    )
    collection = serve(objects).collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is None
    assert vips.control_plane_endpoint == "10.0.0.100:6443"
    assert [v.node for v in vips.kube_vip] == ["k8s-cp-1", "k8s-cp-2", "k8s-cp-3"]
    first = vips.kube_vip[0]
    assert (first.address, first.arp, first.control_plane, first.services) == (
        "10.0.0.100",
        True,
        True,
        False,
    )
    assert first.interface == "ens3" and first.bgp is False
    assert collection.api_requests == 10 + 2  # no request for kube-vip


def test_an_address_kostack_cannot_read_leaves_the_pools_unknown() -> None:
    assert parse_pool(pool_object("odd", ["10.0.0.1-fe80::1"])) is None
    assert parse_pool(pool_object("odd", ["not-an-ip"])) is None
    v6 = parse_pool(pool_object("v6", ["2001:db8::/126"]))
    assert v6 is not None and v6.cidrs == (NET("2001:db8::/126"),)


def test_an_advertisement_selector_kubernetes_would_refuse_leaves_them_unknown(
    serve: ServeFn,
) -> None:
    """A node selector with an operator a LabelSelector does not have (the CRD's schema does
    not refuse it; MetalLB cannot use it): which nodes announce is unknown, the collection
    still completes (it raised a validation error before)."""
    nodes = make_nodes()
    odd = {"matchExpressions": [{"key": "zone", "operator": "Gt", "values": ["1"]}]}
    ads = [advertisement_object("l2-odd", nodeSelectors=[odd])]
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes, advertisements=ads))
    metallb = serve(objects).collect().cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.pools and metallb.advertisements is None
