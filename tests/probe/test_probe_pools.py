"""Probes per Calico IP pool (docs/probes.md, "Several IP pools"): with two pools on a node,
the plan probes between pods of each pool, the Kubernetes runner pins those pods to the pool
with Calico's annotation, and the results say which pool. Failed on the code before: the
plan took each node's first pod, so a pool without allowed pairs was never probed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes
from probe_testing import SimulatedKubelet

from kostack.probe.k8s_runner import run_in_kubernetes
from kostack.probe.plan import build_probe_plan
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.multipool import (
    multipool_example_doc,
    synthetic_multipool_doc,
)

NATIVE = "calico-two-pools-native-no-pairs"


def _pooled(plan: Any, pool: str) -> dict[str, Any]:
    return {p.id: p for p in plan.probes if p.pool == pool}


def test_a_pool_without_pairs_is_probed_and_predicted_blocked_while_the_other_passes() -> None:
    plan = build_probe_plan(build(multipool_example_doc(NATIVE)))
    b = _pooled(plan, "ipip-pool")
    # pool B is on k8s-w-2 and k8s-w-3 only (one node class): its pods are probed there
    assert set(b) == {
        f"{kind}/k8s-w-2->k8s-w-3@ipip-pool" for kind in ("pod-http", "icmp-pod", "mtu")
    }, sorted(b)
    assert all(p.prediction.outcome == "blocked" and p.prediction.cause == "antispoof"
               for p in b.values())  # fmt: skip
    a = _pooled(plan, "default-ipv4-ippool")
    assert a and all(p.prediction.outcome == "open" for p in a.values())
    assert ("k8s-w-2", "ipip-pool") in plan.pool_sources
    assert ("k8s-w-3", "ipip-pool") in plan.pool_echoes
    assert dict(plan.pool_families) == {"default-ipv4-ippool": 4, "ipip-pool": 4}


def test_one_pool_plans_as_before() -> None:
    plan = build_probe_plan(build(seed_doc()))
    assert all(p.pool == "" for p in plan.probes)
    assert plan.pool_sources == plan.pool_echoes == plan.pool_families == ()


def test_pooled_probes_grow_with_classes_and_pools_not_node_pairs() -> None:
    small = build_probe_plan(build(synthetic_multipool_doc(60, pods_per_node=2)))
    big = build_probe_plan(build(synthetic_multipool_doc(600, pods_per_node=2)))
    pooled = [sum(1 for p in plan.probes if p.pool) for plan in (small, big)]
    assert pooled[0] > 0
    # three pools, three kinds, the same class pairs at 60 and at 600 nodes
    assert pooled[1] <= pooled[0] * 2, pooled
    assert len(big.pool_sources) <= 3 * big.class_count * 2


def test_watch_plans_no_pinned_probes() -> None:
    plan = build_probe_plan(build(multipool_example_doc(NATIVE)), per_pool=False)
    assert all(p.pool == "" for p in plan.probes)


def test_kubernetes_runner_pins_the_pods_to_the_pool(
    seed_api: KubeApiDouble,
    seed_kubeconfig: Path,
    kubelet_factory: Callable[..., SimulatedKubelet],
) -> None:
    kubelet = kubelet_factory(lambda spec, node: ("pass", "answered"))
    plan = build_probe_plan(build(multipool_example_doc(NATIVE)), timeout=1.0)
    client = kubernetes.config.new_client_from_config(
        config_file=str(seed_kubeconfig), context=seed_api.context_name
    )
    round_ = run_in_kubernetes(plan, client)
    assert [r.id for r in round_.results] == [p.id for p in plan.probes]

    def pool_of(pod: dict[str, Any]) -> str | None:
        return pod["metadata"]["annotations"].get("cni.projectcalico.org/ipv4pools")

    pinned = {
        (p["metadata"]["labels"]["app.kubernetes.io/component"], p["spec"]["nodeName"],
         pool_of(p))
        for p in kubelet.created
        if pool_of(p) is not None
    }  # fmt: skip
    assert ("echo", "k8s-w-3", '["ipip-pool"]') in pinned
    assert ("probe", "k8s-w-2", '["ipip-pool"]') in pinned
    # an unpinned pod per source and target node, as before
    free = [p for p in kubelet.created if pool_of(p) is None]
    assert sorted(p["spec"]["nodeName"] for p in free if "echo" in p["metadata"]["name"]) == list(
        plan.echo_nodes
    )
    # a pinned probe aims at the pinned echo pod on its node, not the node's other echo pod
    probe_pod = next(
        p for p in kubelet.created
        if p["spec"]["nodeName"] == "k8s-w-2" and pool_of(p) == '["ipip-pool"]'
        and p["metadata"]["labels"]["app.kubernetes.io/component"] == "probe"
    )  # fmt: skip
    handed = json.loads(probe_pod["spec"]["containers"][0]["command"][-1])
    assert {s["id"] for s in handed["probes"]} == {
        f"{k}/k8s-w-2->k8s-w-3@ipip-pool" for k in ("pod-http", "icmp-pod", "mtu")
    }
    echo_b = next(
        p for p in kubelet.created
        if p["spec"]["nodeName"] == "k8s-w-3" and pool_of(p) == '["ipip-pool"]'
    )  # fmt: skip
    echo_free = next(
        p for p in free if p["spec"]["nodeName"] == "k8s-w-3" and "echo" in p["metadata"]["name"]
    )
    by_id = {r.id: r for r in round_.results}
    target = by_id["pod-http/k8s-w-2->k8s-w-3@ipip-pool"].target_ip
    ips = {name: p["status"].get("podIP") for name, p in (("b", echo_b), ("free", echo_free))}
    assert target == ips["b"] != ips["free"], (target, ips)
