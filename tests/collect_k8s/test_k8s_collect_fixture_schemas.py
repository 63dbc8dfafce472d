"""Every built-in object the double serves for the collector's fixtures, fetched over HTTP as
the client sees it, is a valid Kubernetes 1.33 object (kubernetes-validate, strict)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest
from k8s_collect_served import ServeFn

from kostack_testkit import k8s_fixture_published as published_calico
from kostack_testkit import k8s_fixture_published_cilium as published_cilium
from kostack_testkit import k8s_fixture_published_flannel as published_flannel
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_antrea import antrea_cluster
from kostack_testkit.k8s_fixture_canal import canal_cluster, k3s_cluster, rke2_cluster
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_kuberouter import kube_router_cluster
from kostack_testkit.k8s_fixture_metallb import occm_objects
from kostack_testkit.k8s_fixture_ovnk import UPSTREAM, ovnk_cluster
from kostack_testkit.k8s_fixture_scale import with_node_annotations, workload_pods

K8S_VERSION = "1.33.5"


def _occm(kind: str) -> list[dict[str, Any]]:
    nodes = fx.make_nodes()
    return kube_ovn_cluster(nodes=nodes, extra=occm_objects(nodes, "*,-service", kind=kind))


FIXTURES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "seed": fx.seed_cluster,
    "seed-typha": lambda: fx.seed_cluster(typha=True),
    "seed-ipvs": lambda: fx.seed_cluster(proxy_mode="ipvs"),
    "seed-workload": lambda: fx.seed_cluster(extra=workload_pods(fx.make_nodes(), 12)),
    "seed-mac-annotations": lambda: with_node_annotations(
        fx.seed_cluster(), {"k8s-w-1": {"kostack.io/mac-address": "fa:16:3e:00:00:12"}}
    ),
    "calico-manifest-typha": lambda: fx.calico_manifest_cluster(typha=True),
    "calico-manifest-mtu-bgp": lambda: fx.calico_manifest_cluster(
        veth_mtu=1430, bgp_configuration=True
    ),
    "flannel-vxlan": fx.flannel_cluster,
    "flannel-vxlan-direct": lambda: fx.flannel_cluster(direct_routing=True, port=8472),
    "flannel-host-gw": lambda: fx.flannel_cluster(backend="host-gw"),
    "canal": canal_cluster,
    "rke2-canal": lambda: canal_cluster(variant="rke2-canal"),
    "k3s": k3s_cluster,
    "rke2": rke2_cluster,
    "cilium-vxlan": fx.cilium_cluster,
    "kube-router-k0s": kube_router_cluster,
    "antrea": antrea_cluster,
    "ovn-kubernetes-openshift": ovnk_cluster,
    "ovn-kubernetes-upstream": lambda: ovnk_cluster(
        namespace=UPSTREAM, env={"OVN_GATEWAY_MODE": "local"}, ipsec=True
    ),
    "antrea-v1.6-hashed": lambda: antrea_cluster(config_name="antrea-config-hkhbh5gf99"),
    "kube-ovn": kube_ovn_cluster,
    "kube-ovn-occm-deployment": lambda: _occm(kind="Deployment"),
    "kube-ovn-occm-replicaset": lambda: _occm(kind="ReplicaSet"),
    "cilium-geneve": lambda: fx.cilium_cluster(tunnel_protocol="geneve"),
    "cilium-native-kpr": lambda: fx.cilium_cluster(
        routing_mode="native", kube_proxy_replacement=True
    ),
    # The published installs (test_k8s_collect_published.py).
    "published-calico-v3.30.7-ipip": lambda: published_calico.calico_manifest_published(
        "v3.30.7", "ipip"
    ),
    "published-calico-v3.31.7-vxlan": lambda: published_calico.calico_manifest_published(
        "v3.31.7", "vxlan"
    ),
    "published-calico-operator": published_calico.calico_operator_published,
    "published-flannel": published_flannel.flannel_published,
    "published-cilium-default": published_cilium.cilium_chart_published,
    "published-cilium-native-kpr": lambda: published_cilium.cilium_chart_published("native-kpr"),
    "published-cilium-v1.6": published_cilium.cilium_quick_install_v16,
    "published-kube-proxy-nftables": lambda: published_flannel.kube_proxy_published("nftables"),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_served_builtin_objects_validate(serve: ServeFn, name: str) -> None:
    served = serve(FIXTURES[name]())
    api = served.api
    checked = 0
    for rtype in api.resource_types():
        if rtype.custom:
            continue
        prefix = f"/apis/{rtype.group}/{rtype.version}" if rtype.group else "/api/v1"
        request = urllib.request.Request(
            f"{api.url}{prefix}/{rtype.plural}",
            headers={"Authorization": f"Bearer {api.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            listing = json.load(response)
        for item in listing["items"]:
            # List items come without apiVersion/kind, as from kube-apiserver.
            obj = {"apiVersion": rtype.api_version, "kind": rtype.kind, **item}
            assert kubernetes_validate.validate(obj, K8S_VERSION, strict=True) == "1.33"
            checked += 1
    assert checked > (15 if name == "k3s" else 30)  # k3s: no kubeadm, kube-proxy or flannel objects
