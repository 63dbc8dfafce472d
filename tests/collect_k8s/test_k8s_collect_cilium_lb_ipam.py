"""Cilium's LB IPAM (collect/_cilium_lb.py): its CiliumLoadBalancerIPPools, listed on a Cilium
cluster only, as cilium.io/v2 (Cilium 1.18 on) and else as v2alpha1; none when the CRD is not
installed. Before, they were not read, and a pending Service on such a cluster was said to have
no controller."""

from __future__ import annotations

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
