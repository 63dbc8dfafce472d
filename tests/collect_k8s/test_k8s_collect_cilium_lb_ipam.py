"""Cilium's LB IPAM (collect/_cilium_lb.py): its CiliumLoadBalancerIPPools, listed on a Cilium
cluster only, as cilium.io/v2 (Cilium 1.18 on) and else as v2alpha1; none when the CRD is not
installed. Before, they were not read, and a pending Service on such a cluster was said to have
no controller."""

from __future__ import annotations

from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_cilium_lb import lb_pool, pool_crd
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster


@pytest.mark.parametrize("version", ["v2", "v2alpha1"])
def test_pools_are_read_in_the_version_served(serve: ServeFn, version: str) -> None:
    pools = [
        pool_crd(version),
        lb_pool("public", [{"cidr": "10.0.0.224/28"}], version=version),
        lb_pool(
            "blue",
            [{"start": "10.0.0.240", "stop": "10.0.0.243"}],
            version=version,
            selector={"matchLabels": {"color": "blue"}},
            disabled=True,
        ),
    ]
    served = serve(fx.cilium_cluster(extra=pools))
    collection = served.collect()
    read = collection.cluster.virtual_ips.cilium_pools
    assert read is not None
    by_name = {p.name: p for p in read}
    assert [str(c) for c in by_name["public"].cidrs] == ["10.0.0.224/28"]
    assert by_name["public"].service_selector is None and not by_name["public"].disabled
    blue = by_name["blue"]
    assert [str(c) for c in blue.cidrs] == ["10.0.0.240/30"] and blue.disabled
    assert blue.service_selector is not None
    assert blue.service_selector.match_labels == {"color": "blue"}
    asked = [r for r in served.requests() if "ciliumloadbalancerippools" in r]
    want = 1 if version == "v2" else 2  # v2 first; 404, then v2alpha1
    assert len(asked) == want, asked
    assert collection.gaps == ()


def test_no_crd_is_no_pool_and_another_cni_is_not_asked(serve: ServeFn) -> None:
    collection = serve(fx.cilium_cluster()).collect()
    assert collection.cluster.virtual_ips.cilium_pools == ()
    assert collection.gaps == ()
    served = serve(kube_ovn_cluster())
    assert served.collect().cluster.virtual_ips.cilium_pools is None
    assert not [r for r in served.requests() if "cilium.io" in r]


def test_a_pool_that_does_not_parse_is_named_in_a_gap_and_the_others_are_read(
    serve: ServeFn,
) -> None:
    """One bad block made every pool 'not read' with no gap saying why: the other pools are
    read, the bad one keeps what parsed and is marked, and one gap names it and its field (en,
    ko)."""
    from kostack.analyze.messages import localize
    from kostack.gap_words import error_of, hint_of

    pools = [
        pool_crd("v2"),
        lb_pool("public", [{"cidr": "10.0.0.224/28"}]),
        lb_pool(
            "broken",
            [{"cidr": "10.0.0.240/30"}, {"cidr": "10.0.0.300/30"}],
            selector={"matchLabels": {"color": "blue"}},
        ),
    ]
    collection = serve(fx.cilium_cluster(extra=pools)).collect()
    read = collection.cluster.virtual_ips.cilium_pools
    assert read is not None
    by_name = {p.name: p for p in read}
    assert by_name["public"].unread is None
    broken = by_name["broken"]
    assert broken.unread == "spec.blocks[1]"
    assert [str(c) for c in broken.cidrs] == ["10.0.0.240/30"]
    assert broken.service_selector is not None  # what parsed is kept
    (gap,) = collection.gaps
    assert gap.source == "cluster.virtual_ips.cilium_pools"
    en, ko = localize(error_of(gap), "en"), localize(error_of(gap), "ko")
    for text in (en, ko):
        assert "broken" in text and "spec.blocks[1]" in text and "10.0.0.300/30" in text
    assert en != ko and "does not parse" in en and "해석할 수 없습니다" in ko
    hint = localize(hint_of(gap), "en")
    assert "kubectl get ciliumloadbalancerippools.cilium.io broken -o yaml" in hint


def _with_config(objects: list[dict[str, Any]], **data: str) -> list[dict[str, Any]]:
    for o in objects:
        if o.get("kind") == "ConfigMap" and o["metadata"]["name"] == "cilium-config":
            o["data"].update(data)
    return objects


@pytest.mark.parametrize(
    ("data", "want"),
    [
        ({}, ("lbipam", True, False, False, False)),
        (
            {"default-lb-service-ipam": "nodeipam", "enable-node-ipam": "true"},
            ("nodeipam", True, True, False, False),
        ),
        (
            {"default-lb-service-ipam": "none", "enable-lb-ipam": "false"},
            ("none", False, False, False, False),
        ),
        (
            {"enable-l2-announcements": "true", "enable-bgp-control-plane": "true"},
            ("lbipam", True, False, True, True),
        ),
        ({"default-lb-service-ipam": "metallb"}, (None, True, False, False, False)),
    ],
)
def test_cilium_config_says_who_takes_services_without_a_class(
    serve: ServeFn, data: dict[str, str], want: tuple[Any, ...]
) -> None:
    """cilium-config's default-lb-service-ipam (lbipam, nodeipam, none; absent: lbipam; any
    other value: not known), enable-lb-ipam, enable-node-ipam, and what announces the
    addresses (enable-l2-announcements, enable-bgp-control-plane), read with no request more."""
    served = serve(_with_config(fx.cilium_cluster(), **data))
    config = served.collect().cluster.virtual_ips.cilium_lb
    assert config is not None
    got = (
        config.default_ipam,
        config.lb_ipam,
        config.node_ipam,
        config.l2_announcements,
        config.bgp_control_plane,
    )
    assert got == want
    assert len([r for r in served.requests() if "cilium-config" in r]) == 1


def test_what_announces_lb_ipam_is_read_as_cilium_config_turns_it_on(serve: ServeFn) -> None:
    """L2 announcement policies with loadBalancerIPs (their node and Service selectors) when
    enable-l2-announcements is true, BGP advertisements of LoadBalancerIP when
    enable-bgp-control-plane is true; neither asked when both are off."""
    from kostack_testkit.k8s_fixture_cilium_lb import bgp_advertisement, cilium_crd, l2_policy

    objects = [
        cilium_crd("CiliumL2AnnouncementPolicy", "ciliuml2announcementpolicies"),
        cilium_crd("CiliumBGPAdvertisement", "ciliumbgpadvertisements"),
        l2_policy("workers", nodes={"matchLabels": {"role": "worker"}}),
        l2_policy("external-only", load_balancer_ips=False),
        bgp_advertisement("lb"),
        bgp_advertisement("cluster-ips", ("ClusterIP",)),
    ]
    on = {"enable-l2-announcements": "true", "enable-bgp-control-plane": "true"}
    served = serve(_with_config(fx.cilium_cluster(extra=objects), **on))
    collection = served.collect()
    read = collection.cluster.virtual_ips.cilium_announcers
    assert read is not None
    assert sorted((a.kind, a.name) for a in read) == [("bgp", "lb"), ("l2", "workers")]
    (l2,) = [a for a in read if a.kind == "l2"]
    assert l2.node_selector is not None and l2.node_selector.match_labels == {"role": "worker"}
    assert l2.service_selector is None  # every Service
    assert collection.gaps == ()
    served = serve(fx.cilium_cluster(extra=objects))
    assert served.collect().cluster.virtual_ips.cilium_announcers == ()
    asked = [r for r in served.requests() if "l2announcement" in r or "bgpadvertisement" in r]
    assert asked == []


def test_bgp_placement_is_read_when_the_bgp_control_plane_is_on(serve: ServeFn) -> None:
    """CiliumBGPClusterConfigs (node selector, the peers' peerConfigRef names), CiliumBGPPeerConfigs
    (each family's afi and advertisements selector), the advertisements' labels, the peering
    policies' node selectors; a selector that does not parse names its object; not asked when
    BGP is off."""
    from kostack_testkit.k8s_fixture_cilium_lb import (
        bgp_advertisement,
        bgp_cluster_config,
        bgp_peer_config,
        cilium_crd,
    )

    bad = {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}
    v4 = {"afi": "ipv4", "safi": "unicast", "advertisements": {"matchLabels": {"ad": "lb"}}}
    objects = [
        cilium_crd("CiliumBGPAdvertisement", "ciliumbgpadvertisements"),
        cilium_crd("CiliumBGPClusterConfig", "ciliumbgpclusterconfigs", "v2"),
        cilium_crd("CiliumBGPPeerConfig", "ciliumbgppeerconfigs", "v2"),
        bgp_advertisement("lb", labels={"ad": "lb"}),
        bgp_cluster_config("racks", {"matchLabels": {"rack": "r0"}}, ["tor", None, "tor"]),
        bgp_cluster_config("odd", bad, ["tor"]),
        bgp_peer_config("tor", [v4, {"afi": "ipv6", "safi": "unicast"}]),
    ]
    on = {"enable-bgp-control-plane": "true"}
    served = serve(_with_config(fx.cilium_cluster(extra=objects), **on))
    collection = served.collect()
    vips = collection.cluster.virtual_ips
    (ad,) = vips.cilium_announcers
    assert ad.labels == {"ad": "lb"} and not ad.peering
    bgp = vips.cilium_bgp
    assert bgp is not None and collection.gaps == ()
    racks = next(c for c in bgp.cluster_configs if c.name == "racks")
    assert racks.peer_configs == ("tor",)
    assert racks.node_selector is not None and racks.node_selector.match_labels == {"rack": "r0"}
    (tor,) = bgp.peer_configs
    assert [(f.afi, f.advertisements is not None) for f in tor.families] == [
        ("ipv4", True),
        ("ipv6", False),
    ]
    assert bgp.unread == (
        "CiliumBGPClusterConfig odd spec.nodeSelector (operator 'Gt' is not a LabelSelector "
        "operator)",
    )
    served = serve(fx.cilium_cluster(extra=objects))
    assert served.collect().cluster.virtual_ips.cilium_bgp is None
    assert not [r for r in served.requests() if "ciliumbgpclusterconfigs" in r]
    # a list refused: a gap naming the command, the placement not known
    served = serve(_with_config(fx.cilium_cluster(extra=objects), **on))
    served.api.inject_fault("cilium.io", "ciliumbgppeerconfigs", status=403)
    collection = served.collect()
    assert collection.cluster.virtual_ips.cilium_bgp is None
    (gap,) = [g for g in collection.gaps if g.source == "cluster.virtual_ips.cilium_bgp"]
    assert "ciliumbgppeerconfigs.cilium.io" in str(gap.hint)


def test_the_bad_value_a_gap_quotes_is_redacted(serve: ServeFn) -> None:
    from kostack.analyze.messages import localize
    from kostack.gap_words import error_of

    pools = [pool_crd("v2"), lb_pool("leaky", [{"cidr": "password=hunter2"}])]
    (gap,) = serve(fx.cilium_cluster(extra=pools)).collect().gaps
    for lang in ("en", "ko"):
        text = localize(error_of(gap), lang)
        assert "leaky" in text and "hunter2" not in text and "<redacted>" in text
