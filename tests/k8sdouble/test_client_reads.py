"""The official kubernetes client reads the seed cluster through the double, unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from kostack_testkit.k8s_fixtures import calico_manifest_cluster, seed_device_id
from kostack_testkit.kubeapi import KubeApiDouble


def test_version(api_client: kubernetes.client.ApiClient) -> None:
    version = kubernetes.client.VersionApi(api_client).get_code()
    assert (version.major, version.minor, version.git_version) == ("1", "33", "v1.33.5")


def test_nodes(core: kubernetes.client.CoreV1Api) -> None:
    nodes = core.list_node()
    assert [n.metadata.name for n in nodes.items] == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert nodes.metadata.resource_version
    worker = core.read_node("k8s-w-1")
    assert worker.spec.provider_id == f"openstack:///{seed_device_id('k8s-w-1')}"
    assert worker.spec.pod_cidr == "10.244.1.0/24"
    assert [a.address for a in worker.status.addresses if a.type == "InternalIP"] == ["10.0.0.12"]
    assert worker.metadata.resource_version and worker.metadata.uid


def test_configmaps(core: kubernetes.client.CoreV1Api) -> None:
    kubeadm = core.read_namespaced_config_map("kubeadm-config", "kube-system")
    networking = yaml.safe_load(kubeadm.data["ClusterConfiguration"])["networking"]
    assert networking["podSubnet"] == "10.244.0.0/16"
    names = {c.metadata.name for c in core.list_namespaced_config_map("kube-system").items}
    assert {"kubeadm-config", "kube-proxy", "kubelet-config", "coredns"} <= names


def test_services_and_endpointslices(api_client: kubernetes.client.ApiClient) -> None:
    core = kubernetes.client.CoreV1Api(api_client)
    services = {
        (s.metadata.namespace, s.metadata.name): s.spec.cluster_ip
        for s in core.list_service_for_all_namespaces().items
    }
    assert services[("default", "kubernetes")] == "10.96.0.1"
    assert services[("kube-system", "kube-dns")] == "10.96.0.10"
    discovery = kubernetes.client.DiscoveryV1Api(api_client)
    slices = discovery.list_namespaced_endpoint_slice(
        "kube-system", label_selector="kubernetes.io/service-name=kube-dns"
    ).items
    assert len(slices) == 1
    assert sorted(e.addresses[0] for e in slices[0].endpoints) == ["10.244.0.2", "10.244.1.2"]
    assert {(p.port, p.protocol) for p in slices[0].ports} == {
        (53, "UDP"),
        (53, "TCP"),
        (9153, "TCP"),
    }
    endpoints = core.read_namespaced_endpoints("kubernetes", "default")
    assert endpoints.subsets[0].addresses[0].ip == "10.0.0.11"


def test_calico_custom_resources(custom: kubernetes.client.CustomObjectsApi) -> None:
    pools = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "ippools")
    assert pools["kind"] == "IPPoolList"
    assert [p["spec"]["vxlanMode"] for p in pools["items"]] == ["CrossSubnet"]
    assert pools["items"][0]["apiVersion"] == "crd.projectcalico.org/v1"
    # calico-apiserver's v3 view of the same pool.
    v3_pool = custom.get_cluster_custom_object(
        "projectcalico.org", "v3", "ippools", "default-ipv4-ippool"
    )
    assert v3_pool["apiVersion"] == "projectcalico.org/v3"
    assert v3_pool["spec"]["cidr"] == "10.244.0.0/16"
    blocks = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "ipamblocks")
    assert len(blocks["items"]) == 4
    installation = custom.get_cluster_custom_object(
        "operator.tigera.io", "v1", "installations", "default"
    )
    assert installation["status"]["mtu"] == 1400
    felix = custom.get_cluster_custom_object(
        "crd.projectcalico.org", "v1", "felixconfigurations", "default"
    )
    assert felix["metadata"]["name"] == "default"
    bgp = custom.get_cluster_custom_object(
        "crd.projectcalico.org", "v1", "bgpconfigurations", "default"
    )
    assert bgp["spec"]["asNumber"] == 64512


def test_custom_resources_absent_without_their_crd(tmp_path: Path) -> None:
    with KubeApiDouble(calico_manifest_cluster()) as api:
        client = kubernetes.config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kc")), context=api.context_name
        )
        custom = kubernetes.client.CustomObjectsApi(client)
        with pytest.raises(ApiException) as raised:
            custom.list_cluster_custom_object("operator.tigera.io", "v1", "installations")
        assert raised.value.status == 404
        with pytest.raises(ApiException) as raised:
            custom.list_cluster_custom_object("projectcalico.org", "v3", "ippools")
        assert raised.value.status == 404
        client.close()


def test_discovery_documents(api_client: kubernetes.client.ApiClient) -> None:
    core_resources = kubernetes.client.CoreV1Api(api_client).get_api_resources()
    by_name = {r.name: r for r in core_resources.resources}
    for name in (
        "nodes",
        "pods",
        "services",
        "endpoints",
        "configmaps",
        "secrets",
        "namespaces",
        "persistentvolumeclaims",
        "persistentvolumes",
        "events",
        "pods/log",
    ):
        assert name in by_name
    assert by_name["nodes"].namespaced is False
    assert by_name["pods"].namespaced is True
    assert by_name["pvc" if "pvc" in by_name else "persistentvolumeclaims"].short_names == ["pvc"]
    groups = kubernetes.client.ApisApi(api_client).get_api_versions()
    names = {g.name: g.preferred_version.group_version for g in groups.groups}
    assert names["apps"] == "apps/v1"
    assert names["discovery.k8s.io"] == "discovery.k8s.io/v1"
    assert names["batch"] == "batch/v1"
    assert names["crd.projectcalico.org"] == "crd.projectcalico.org/v1"
    assert names["projectcalico.org"] == "projectcalico.org/v3"
    assert names["operator.tigera.io"] == "operator.tigera.io/v1"
    calico = kubernetes.client.CustomObjectsApi(api_client).get_api_resources(
        "crd.projectcalico.org", "v1"
    )
    scopes = {r.name: r.namespaced for r in calico.resources}
    assert scopes["ippools"] is False and scopes["ipamblocks"] is False
    apps = kubernetes.client.AppsV1Api(api_client).get_api_resources()
    assert {"deployments", "daemonsets", "statefulsets", "replicasets"} <= {
        r.name for r in apps.resources
    }
    versions = kubernetes.client.CoreApi(api_client).get_api_versions()
    assert versions.versions == ["v1"]


def test_dynamic_client_discovers_and_reads(api_client: kubernetes.client.ApiClient) -> None:
    dynamic = kubernetes.dynamic.DynamicClient(api_client)
    pools = dynamic.resources.get(api_version="crd.projectcalico.org/v1", kind="IPPool")
    assert [p.metadata.name for p in pools.get().items] == ["default-ipv4-ippool"]
    daemonsets = dynamic.resources.get(api_version="apps/v1", kind="DaemonSet")
    names = {d.metadata.name for d in daemonsets.get().items}
    assert names == {"kube-proxy", "calico-node"}


def test_list_items_look_like_the_real_servers(seed_api: KubeApiDouble, kubeconfig: Path) -> None:
    """Built-in list items carry no kind/apiVersion; custom resource items do."""
    client = kubernetes.config.new_client_from_config(
        config_file=str(kubeconfig), context=seed_api.context_name
    )
    raw: Any = client.call_api(
        *client.param_serialize(
            "GET", "/api/v1/namespaces/kube-system/configmaps", auth_settings=["BearerToken"]
        )
    )
    body = json.loads(raw.read())
    assert body["kind"] == "ConfigMapList" and body["apiVersion"] == "v1"
    assert "kind" not in body["items"][0]
    client.close()


def test_load_kube_config_with_context(seed_api: KubeApiDouble, tmp_path: Path) -> None:
    path = seed_api.write_kubeconfig(tmp_path / "config", context="seed", namespace="demo")
    assert path.stat().st_mode & 0o777 == 0o600
    saved = kubernetes.client.Configuration.get_default_copy()
    try:
        kubernetes.config.load_kube_config(config_file=str(path), context="seed")
        pods = kubernetes.client.CoreV1Api().list_namespaced_pod("demo")
        assert [p.metadata.name for p in pods.items] == ["netshoot"]
        _, active = kubernetes.config.list_kube_config_contexts(config_file=str(path))
        assert active["name"] == "seed"
        assert active["context"]["namespace"] == "demo"
    finally:
        kubernetes.client.Configuration.set_default(saved)
    document = yaml.safe_load(path.read_text())
    assert document["clusters"][0]["cluster"]["server"].startswith("http://127.0.0.1:")
    assert document["users"][0]["user"]["token"] == seed_api.token


def test_a_wrong_token_is_unauthorized(seed_api: KubeApiDouble) -> None:
    document = seed_api.kubeconfig(namespace="default")
    document["users"][0]["user"]["token"] = "not-the-token"
    client = kubernetes.config.new_client_from_config_dict(document)
    with pytest.raises(ApiException) as raised:
        kubernetes.client.CoreV1Api(client).list_node()
    assert raised.value.status == 401
    assert json.loads(raised.value.body)["reason"] == "Unauthorized"
    # /version stays readable anonymously, as on a real cluster.
    assert kubernetes.client.VersionApi(client).get_code().git_version == "v1.33.5"
    client.close()
