"""Cilium's IPAM modes decide where pod ranges are read from; what cannot be read is a gap."""

from __future__ import annotations

from typing import Any

from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.topology import Topology
from kostack_lab.kube_objects import JsonObject, crd_object, object_meta
from kostack_testkit import k8s_fixture_published_cilium as cilium_fx
from kostack_testkit import k8s_fixture_published_flannel as flannel_fx

NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")


def config_of(objects: list[JsonObject]) -> dict[str, Any]:
    cm = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "cilium-config"
    )
    data: dict[str, Any] = cm["data"]
    return data


def multi_pool_cluster() -> list[JsonObject]:
    """The chart with ipam.mode=multi-pool, one auto-created pool and one CiliumPodIPPool."""
    objects = cilium_fx.cilium_chart_published()
    data = config_of(objects)
    data["ipam"] = "multi-pool"
    del data["cluster-pool-ipv4-cidr"], data["cluster-pool-ipv4-mask-size"]
    data["auto-create-cilium-pod-ip-pools"] = "default=ipv4-cidrs:10.10.0.0/16;ipv4-mask-size:24"
    for index, obj in enumerate(o for o in objects if o["kind"] == "CiliumNode"):
        obj["spec"]["ipam"] = {
            "pools": {"allocated": [{"pool": "default", "cidrs": [f"10.10.{index}.0/24"]}]}
        }
    objects.append(
        crd_object("cilium.io", "CiliumPodIPPool", "ciliumpodippools", version="v2alpha1")
    )
    objects.append(
        {
            "apiVersion": "cilium.io/v2alpha1",
            "kind": "CiliumPodIPPool",
            "metadata": object_meta("CiliumPodIPPool", "blue", created=7.0, generation=True),
            "spec": {"ipv4": {"cidrs": ["10.20.0.0/16"], "maskSize": 24}},
        }
    )
    return objects


def test_multi_pool(serve: ServeFn) -> None:
    collection = serve(multi_pool_cluster()).collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    assert [str(c) for c in cluster.pod_cidrs or ()] == ["10.10.0.0/16", "10.20.0.0/16"]
    assert cluster.pod_cidrs_source == "ConfigMap kube-system/cilium-config multi-pool pools"
    cilium = cluster.cni.cilium
    assert cilium is not None and cilium.ipam_mode == "multi-pool"
    assert [(n.name, [str(c) for c in n.pool_cidrs]) for n in cilium.nodes or ()] == [
        (name, [f"10.10.{i}.0/24"]) for i, name in enumerate(NODES)
    ]
    topo = Topology(joined_snapshot(collection, "192.168.10.0/24"))
    assert {v.name: [str(b) for b in v.blocks] for v in topo.node_views.values()} == {
        name: [f"10.10.{i}.0/24"] for i, name in enumerate(NODES)
    }


def test_cilium_nodes_forbidden_is_a_gap_and_no_guess(serve: ServeFn) -> None:
    served = serve(cilium_fx.cilium_chart_published())
    served.api.inject_fault("cilium.io", "ciliumnodes", status=403)
    collection = served.collect()
    assert [g.source for g in collection.gaps] == ["cluster.cni.cilium.nodes"]
    assert "ciliumnodes.cilium.io" in collection.gaps[0].hint
    cilium = collection.cluster.cni.cilium
    assert cilium is not None and cilium.nodes is None
    assert [str(c) for c in collection.cluster.pod_cidrs or ()] == ["10.0.0.0/8"]
    # Per-node ranges are unknown: the Nodes' podCIDRs (10.244.N.0/24) are not used instead.
    topo = Topology(joined_snapshot(collection, "192.168.10.0/24"))
    assert all(v.blocks == () for v in topo.node_views.values())


def test_kubernetes_ipam_uses_the_node_pod_cidrs(serve: ServeFn) -> None:
    objects = cilium_fx.cilium_chart_published()
    data = config_of(objects)
    data["ipam"] = "kubernetes"
    del data["cluster-pool-ipv4-cidr"], data["cluster-pool-ipv4-mask-size"]
    served = serve(objects)
    collection = served.collect()
    assert collection.gaps == ()
    assert [str(c) for c in collection.cluster.pod_cidrs or ()] == ["10.244.0.0/16"]
    cilium = collection.cluster.cni.cilium
    assert cilium is not None and (cilium.ipam_mode, cilium.nodes) == ("kubernetes", None)
    assert served.requests(path="/apis/cilium.io/v2/ciliumnodes") == []  # not needed
    topo = Topology(joined_snapshot(collection, "192.168.10.0/24"))
    assert {v.name: [str(b) for b in v.blocks] for v in topo.node_views.values()} == {
        name: [f"10.244.{i}.0/24"] for i, name in enumerate(NODES)
    }


def test_unmodelled_ipam_leaves_pod_ranges_unknown(serve: ServeFn) -> None:
    objects = cilium_fx.cilium_chart_published()
    config_of(objects)["ipam"] = "eni"
    collection = serve(objects).collect()
    assert collection.cluster.pod_cidrs is None
    gap = next(g for g in collection.gaps if g.source == "cluster.pod_cidrs")
    assert "ipam 'eni'" in gap.error


def test_versions_from_the_daemonsets_when_pods_cannot_be_listed(serve: ServeFn) -> None:
    for objects, version in (
        (cilium_fx.cilium_chart_published(), "v1.18.2"),
        (flannel_fx.flannel_published(), "v0.28.9"),
    ):
        served = serve(objects)
        served.api.inject_fault("", "pods", status=403, verbs=frozenset({"list"}))
        collection = served.collect()
        assert "cluster.pods" in {g.source for g in collection.gaps}
        assert collection.cluster.cni.version == version
        daemonsets = [r for r in served.requests() if "/daemonsets/" in r]
        assert len(daemonsets) == 1, daemonsets
