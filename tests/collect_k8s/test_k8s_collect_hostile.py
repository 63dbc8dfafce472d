"""Cluster content nested past the parsers' depth (anyone who may annotate a Node or edit a
ConfigMap can write it): the field is unread, the collection goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.collect.kubernetes import collect_kubernetes
from kostack.errors import ConfigError
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_scale import with_node_annotations

DEEP_JSON = "[" * 100_000 + "]" * 100_000  # 200 KB: a Node annotation or ConfigMap holds it
DEEP_YAML = "a: " + "[" * 100_000 + "]" * 100_000


def _configmap(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name)


def test_deeply_nested_annotations_and_configmaps_do_not_stop_the_collection(
    serve: ServeFn,
) -> None:
    objects = with_node_annotations(
        fx.flannel_cluster(), {"k8s-w-2": {"k8s.ovn.org/l3-gateway-config": DEEP_JSON}}
    )
    _configmap(objects, "kube-flannel-cfg")["data"]["net-conf.json"] = DEEP_JSON
    _configmap(objects, "kubeadm-config")["data"]["ClusterConfiguration"] = DEEP_YAML
    collection = serve(objects).collect()
    cluster = collection.cluster
    assert cluster.cni.type == "flannel" and cluster.cni.flannel is None  # net-conf unread
    assert {n.name for n in collection.nodes_raw} >= {"k8s-w-2"}
    assert {n.name: n.macs for n in collection.nodes_raw}["k8s-w-2"] == ()
    assert cluster.nodes and len(cluster.nodes) == 4


def test_a_kubeconfig_nested_past_the_parser_is_a_usage_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"users: {DEEP_JSON}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={})
    assert caught.value.exit_code == 2
    assert caught.value.message == f"kubeconfig {kubeconfig} is not valid YAML"
