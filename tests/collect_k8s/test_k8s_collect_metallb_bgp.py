"""MetalLB's BGPPeers (metallb.io/v1beta2) and its BGPAdvertisements' ``peers``, read through
the official client (collect/_kube_vip.py).

Before they were read the snapshot had no ``peers``: these tests fail on that code.
"""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import (
    advertisement_object,
    metallb_objects,
    peer_object,
)
from kostack_testkit.k8s_fixture_objects import make_nodes

ZONE = "topology.kubernetes.io/zone"


def test_bgp_peers_are_read_with_one_more_list(serve: ServeFn) -> None:
    nodes = make_nodes()
    peers = [
        peer_object(
            "tor-a",
            "10.0.0.250",
            nodeSelectors=[{"matchLabels": {ZONE: "a"}}],
            password="s3cret-md5",
        ),
        peer_object("tor-v6", "2001:db8::1", peerASN=0, dynamicASN="external"),
        peer_object("unnumbered", "", interface="ens4", myASN=65000),
    ]
    ads = [
        advertisement_object("bgp-a", "BGPAdvertisement", peers=["tor-a"]),
        advertisement_object("l2", peers=["ignored"]),
    ]
    objects = kube_ovn_cluster(
        nodes=nodes, extra=metallb_objects(nodes, advertisements=ads, peers=peers)
    )
    collection = serve(objects).collect()
    assert collection.gaps == ()
    metallb = collection.cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.peers is not None
    by = {p.name: p for p in metallb.peers}
    tor = by["tor-a"]
    assert (tor.address, tor.my_asn, tor.peer_asn) == (
        ipaddress.ip_address("10.0.0.250"),
        64500,
        64501,
    )
    assert tor.node_selectors[0].match_labels == {ZONE: "a"}
    assert by["tor-v6"].peer_asn is None and by["tor-v6"].address == ipaddress.ip_address(
        "2001:db8::1"
    )
    assert (by["unnumbered"].address, by["unnumbered"].interface) == (None, "ens4")
    assert by["unnumbered"].my_asn == 65000 and by["unnumbered"].node_selectors == ()
    # the password is not kept anywhere in the snapshot
    assert "s3cret-md5" not in collection.cluster.model_dump_json()
    ads_by = {a.name: a for a in metallb.advertisements or ()}
    assert ads_by["bgp-a"].peers == ("tor-a",) and ads_by["l2"].peers == ()
    # one list more than pools and advertisements: GET .../v1beta2/bgppeers
    assert collection.api_requests == 10 + 2 + 4


def test_without_the_peer_kind_the_peers_are_a_gap_and_the_rest_is_read(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes, peer_crd=False))
    collection = serve(objects).collect()
    metallb = collection.cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.peers is None
    assert metallb.pools and metallb.advertisements
    gap = next(g for g in collection.gaps if g.source == "cluster.virtual_ips.metallb")
    assert "/apis/metallb.io/v1beta2/bgppeers" in gap.error
    assert "`kubectl get bgppeers.metallb.io -A -o yaml`" in gap.hint
    assert "`kubectl get bgppeers.metallb.io -A -o yaml`" in gap_hint(gap, "ko")


def test_a_peer_selector_kubernetes_would_refuse_leaves_the_peers_unknown(
    serve: ServeFn,
) -> None:
    nodes = make_nodes()
    odd = {"matchExpressions": [{"key": ZONE, "operator": "Gt", "values": ["1"]}]}
    peers = [peer_object("ok", "10.0.0.250"), peer_object("odd", "10.0.0.251", nodeSelectors=[odd])]
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes, peers=peers))
    metallb = serve(objects).collect().cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.pools and metallb.peers is None


def test_no_peer_defined_is_an_empty_tuple_not_unknown(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes))
    metallb = serve(objects).collect().cluster.virtual_ips.metallb  # type: ignore[union-attr]
    assert metallb is not None and metallb.peers == ()
