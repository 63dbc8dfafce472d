"""Create, patch, replace and delete through the official client, with the API
server's conflict, finalizer and reclaim semantics."""

from __future__ import annotations

import json
from typing import Any

import kubernetes
import kubernetes_validate
import pytest
from kubernetes.client.exceptions import ApiException

from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


def pvc(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": "harbor"}},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "5Gi"}},
            "storageClassName": "csi-cinder-sc-delete",
        },
    }


def bound_pair(
    claim: str, volume: str, policy: str, namespace: str = "default"
) -> list[dict[str, Any]]:
    """A PVC bound to a PV, as the binder leaves them (both protected by finalizers)."""
    claim_object = pvc(claim, namespace)
    claim_object["metadata"]["uid"] = f"{claim}-uid"
    claim_object["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    claim_object["spec"]["volumeName"] = volume
    claim_object["status"] = {"phase": "Bound", "capacity": {"storage": "5Gi"}}
    volume_object = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": volume, "finalizers": ["kubernetes.io/pv-protection"]},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "5Gi"},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": claim,
                "namespace": namespace,
                "uid": f"{claim}-uid",
            },
            "csi": {"driver": "cinder.csi.openstack.org", "volumeHandle": f"{volume}-handle"},
            "persistentVolumeReclaimPolicy": policy,
            "storageClassName": "csi-cinder-sc-delete",
        },
        "status": {"phase": "Bound"},
    }
    return [claim_object, volume_object]


def status_of(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    return body


def test_pvc_create_patch_delete(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespaced_persistent_volume_claim("default", pvc("harbor-registry"))
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.status.phase == "Pending"
    # A dict body makes the client send a strategic merge patch.
    patched = core.patch_namespaced_persistent_volume_claim(
        "harbor-registry",
        "default",
        {"metadata": {"annotations": {"helm.sh/resource-policy": "keep"}, "labels": {"tier": "x"}}},
    )
    assert patched.metadata.annotations == {"helm.sh/resource-policy": "keep"}
    assert patched.metadata.labels == {"app": "harbor", "tier": "x"}
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    merged = core.patch_namespaced_persistent_volume_claim(
        "harbor-registry",
        "default",
        {"metadata": {"labels": {"tier": None}}},
        _content_type="application/merge-patch+json",
    )
    assert merged.metadata.labels == {"app": "harbor"}
    listed = core.list_namespaced_persistent_volume_claim("default", label_selector="app=harbor")
    assert [c.metadata.name for c in listed.items] == ["harbor-registry"]
    core.delete_namespaced_persistent_volume_claim("harbor-registry", "default")
    assert core.list_namespaced_persistent_volume_claim("default").items == []
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_persistent_volume_claim("harbor-registry", "default")
    assert raised.value.status == 404
    assert status_of(raised.value)["message"] == (
        'persistentvolumeclaims "harbor-registry" not found'
    )


def test_create_errors(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_persistent_volume_claim("default", pvc("data"))
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_persistent_volume_claim("default", pvc("data"))
    assert raised.value.status == 409
    assert status_of(raised.value)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_persistent_volume_claim("harbor", pvc("data", "harbor"))
    assert raised.value.status == 404
    assert status_of(raised.value)["message"] == 'namespaces "harbor" not found'
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_persistent_volume_claim("default", pvc("Not_A_Name"))
    assert raised.value.status == 422


def test_generate_name_and_dry_run(core: kubernetes.client.CoreV1Api) -> None:
    body = pvc("")
    body["metadata"] = {"generateName": "scratch-"}
    created = core.create_namespaced_persistent_volume_claim("default", body)
    assert created.metadata.name.startswith("scratch-") and len(created.metadata.name) == 13
    dry = core.create_namespaced_persistent_volume_claim("default", pvc("dry"), dry_run="All")
    assert dry.metadata.name == "dry"
    assert [
        c.metadata.name for c in core.list_namespaced_persistent_volume_claim("default").items
    ] == [created.metadata.name]
    core.delete_namespaced_persistent_volume_claim(created.metadata.name, "default", dry_run="All")
    assert core.list_namespaced_persistent_volume_claim("default").items


def test_replace_with_a_stale_resource_version_conflicts(core: kubernetes.client.CoreV1Api) -> None:
    config = core.read_namespaced_config_map("kube-proxy", "kube-system")
    stale = config.metadata.resource_version
    config.data["config.conf"] = config.data["config.conf"].replace('mode: ""', "mode: ipvs")
    replaced = core.replace_namespaced_config_map("kube-proxy", "kube-system", config)
    assert "mode: ipvs" in replaced.data["config.conf"]
    assert replaced.metadata.uid == config.metadata.uid
    config.metadata.resource_version = stale
    with pytest.raises(ApiException) as raised:
        core.replace_namespaced_config_map("kube-proxy", "kube-system", config)
    assert raised.value.status == 409
    status = status_of(raised.value)
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]
    # A patch carrying the stale resourceVersion is a conflict too.
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_config_map(
            "kube-proxy",
            "kube-system",
            {"metadata": {"resourceVersion": stale}, "data": {"x": "y"}},
        )
    assert raised.value.status == 409


def test_pv_reclaim_policy_patch_then_release(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    seed_api.add_all(bound_pair("harbor-jobservice", "pvc-1111", "Delete"))
    seed_api.add_all(bound_pair("harbor-registry", "pvc-2222", "Delete"))
    patched = core.patch_persistent_volume(
        "pvc-1111", {"spec": {"persistentVolumeReclaimPolicy": "Retain"}}
    )
    assert patched.spec.persistent_volume_reclaim_policy == "Retain"
    assert patched.status.phase == "Bound"  # status is not touched by a main-resource patch
    core.delete_namespaced_persistent_volume_claim("harbor-jobservice", "default")
    core.delete_namespaced_persistent_volume_claim("harbor-registry", "default")
    assert core.list_namespaced_persistent_volume_claim("default").items == []
    volumes = {v.metadata.name: v for v in core.list_persistent_volume().items}
    assert list(volumes) == ["pvc-1111"]  # the Delete one went with its claim
    assert volumes["pvc-1111"].status.phase == "Released"
    assert volumes["pvc-1111"].spec.claim_ref.name == "harbor-jobservice"
    core.delete_persistent_volume("pvc-1111")
    assert core.list_persistent_volume().items == []


def test_a_claim_in_use_stays_terminating_until_its_pod_goes(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    seed_api.add_all(bound_pair("data-db-0", "pvc-3333", "Retain", namespace="demo"))
    core.create_namespaced_pod(
        "demo",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "db-0"},
            "spec": {
                "containers": [{"name": "db", "image": "postgres"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}],
            },
        },
    )
    core.delete_namespaced_persistent_volume_claim("data-db-0", "demo")
    claim = core.read_namespaced_persistent_volume_claim("data-db-0", "demo")
    assert claim.metadata.deletion_timestamp is not None
    assert claim.metadata.finalizers == ["kubernetes.io/pvc-protection"]
    core.delete_namespaced_pod("db-0", "demo")
    assert core.list_namespaced_persistent_volume_claim("demo").items == []
    assert core.read_persistent_volume("pvc-3333").status.phase == "Released"


def test_custom_finalizers_hold_deletion_until_removed(core: kubernetes.client.CoreV1Api) -> None:
    body = pvc("held")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    core.create_namespaced_persistent_volume_claim("default", body)
    core.delete_namespaced_persistent_volume_claim("held", "default")
    assert core.read_namespaced_persistent_volume_claim(
        "held", "default"
    ).metadata.deletion_timestamp
    core.patch_namespaced_persistent_volume_claim(
        "held", "default", [{"op": "remove", "path": "/metadata/finalizers"}]
    )
    assert core.list_namespaced_persistent_volume_claim("default").items == []


def test_json_patch_and_its_test_operation(core: kubernetes.client.CoreV1Api) -> None:
    patched = core.patch_node(
        "k8s-w-3",
        [
            {"op": "test", "path": "/spec/podCIDR", "value": "10.244.3.0/24"},
            {"op": "add", "path": "/metadata/labels/kostack~1probe", "value": "yes"},
        ],
    )
    assert patched.metadata.labels["kostack/probe"] == "yes"
    with pytest.raises(ApiException) as raised:
        core.patch_node("k8s-w-3", [{"op": "test", "path": "/spec/podCIDR", "value": "nope"}])
    assert raised.value.status == 422


def test_strategic_merge_lists_and_custom_resource_merge_patch(
    api_client: kubernetes.client.ApiClient,
) -> None:
    apps = kubernetes.client.AppsV1Api(api_client)
    patched = apps.patch_namespaced_deployment(
        "coredns",
        "kube-system",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "coredns", "env": [{"name": "X", "value": "1"}]}]
                    }
                }
            }
        },
    )
    containers = patched.spec.template.spec.containers
    assert len(containers) == 1 and containers[0].image.startswith("registry.k8s.io/coredns")
    assert containers[0].env[0].name == "X"
    assert patched.metadata.generation == 2
    custom = kubernetes.client.CustomObjectsApi(api_client)
    pool = custom.patch_cluster_custom_object(
        "crd.projectcalico.org",
        "v1",
        "ippools",
        "default-ipv4-ippool",
        {"spec": {"natOutgoing": True}},
    )
    assert pool["spec"]["natOutgoing"] is True and pool["spec"]["vxlanMode"] == "CrossSubnet"
    # The v3 view reads the same stored pool.
    v3 = custom.get_cluster_custom_object(
        "projectcalico.org", "v3", "ippools", "default-ipv4-ippool"
    )
    assert v3["spec"]["natOutgoing"] is True
    with pytest.raises(ApiException) as raised:
        custom.patch_cluster_custom_object(
            "crd.projectcalico.org",
            "v1",
            "ippools",
            "default-ipv4-ippool",
            {"spec": {"natOutgoing": False}},
            _content_type="application/strategic-merge-patch+json",
        )
    assert raised.value.status == 415


def test_status_subresource_rules(
    custom: kubernetes.client.CustomObjectsApi, core: kubernetes.client.CoreV1Api
) -> None:
    installation = custom.patch_cluster_custom_object(
        "operator.tigera.io", "v1", "installations", "default", {"status": {"mtu": 9000}}
    )
    assert installation["status"]["mtu"] == 1400  # main resource ignores status
    installation = custom.patch_cluster_custom_object_status(
        "operator.tigera.io", "v1", "installations", "default", {"status": {"mtu": 1350}}
    )
    assert installation["status"]["mtu"] == 1350
    node = core.patch_node_status(
        "k8s-w-2", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    )
    ready = [c for c in node.status.conditions if c.type == "Ready"]
    assert len(ready) == 1 and ready[0].status == "False"  # merged by type, not replaced
    assert len(node.status.conditions) == 5


def test_namespace_deletion_removes_its_contents(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    core.create_namespace({"metadata": {"name": "harbor"}})
    namespace = core.read_namespace("harbor")
    assert namespace.status.phase == "Active"
    assert namespace.metadata.labels["kubernetes.io/metadata.name"] == "harbor"
    core.create_namespaced_persistent_volume_claim("harbor", pvc("harbor-registry", "harbor"))
    core.create_namespaced_config_map("harbor", {"metadata": {"name": "harbor-core"}, "data": {}})
    core.delete_namespace("harbor")
    assert "harbor" not in {n.metadata.name for n in core.list_namespace().items}
    assert seed_api.list_objects("v1", "ConfigMap", "harbor") == []
    assert seed_api.list_objects("v1", "PersistentVolumeClaim", "harbor") == []


def test_delete_preconditions_and_collection(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_persistent_volume_claim("default", pvc("a", tier="db"))
    core.create_namespaced_persistent_volume_claim("default", pvc("b", tier="db"))
    core.create_namespaced_persistent_volume_claim("default", pvc("c", tier="web"))
    with pytest.raises(ApiException) as raised:
        core.delete_namespaced_persistent_volume_claim(
            "a", "default", body={"preconditions": {"uid": "someone-else"}}
        )
    assert raised.value.status == 409
    core.delete_collection_namespaced_persistent_volume_claim("default", label_selector="tier=db")
    remaining = core.list_namespaced_persistent_volume_claim("default").items
    assert [c.metadata.name for c in remaining] == ["c"]


def test_creating_a_crd_serves_its_resources(api_client: kubernetes.client.ApiClient) -> None:
    extensions = kubernetes.client.ApiextensionsV1Api(api_client)
    extensions.create_custom_resource_definition(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "ciliumnodes.cilium.io"},
            "spec": {
                "group": "cilium.io",
                "names": {"kind": "CiliumNode", "plural": "ciliumnodes", "singular": "ciliumnode"},
                "scope": "Cluster",
                "versions": [
                    {
                        "name": "v2",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        }
    )
    crd = extensions.read_custom_resource_definition("ciliumnodes.cilium.io")
    assert {c.type for c in crd.status.conditions} == {"NamesAccepted", "Established"}
    custom = kubernetes.client.CustomObjectsApi(api_client)
    custom.create_cluster_custom_object(
        "cilium.io",
        "v2",
        "ciliumnodes",
        {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNode",
            "metadata": {"name": "k8s-w-1"},
            "spec": {},
        },
    )
    assert [
        n["metadata"]["name"]
        for n in custom.list_cluster_custom_object("cilium.io", "v2", "ciliumnodes")["items"]
    ] == ["k8s-w-1"]
    extensions.delete_custom_resource_definition("ciliumnodes.cilium.io")
    with pytest.raises(ApiException) as raised:
        custom.list_cluster_custom_object("cilium.io", "v2", "ciliumnodes")
    assert raised.value.status == 404


def test_service_create_allocates_a_cluster_ip(core: kubernetes.client.CoreV1Api) -> None:
    service = core.create_namespaced_service(
        "demo",
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"run": "netshoot"}, "ports": [{"port": 80}], "type": "NodePort"},
        },
    )
    assert service.spec.cluster_ip == "10.96.0.2"  # .1 and .10 are taken
    assert service.spec.ports[0].protocol == "TCP" and service.spec.ports[0].target_port == 80
    assert service.spec.ports[0].node_port == 30000


def strict_1_33(obj: dict[str, Any]) -> list[str]:
    """A validator for the double: what kubernetes-validate says about built-in objects."""
    if "." in str(obj["apiVersion"]).split("/")[0] and "k8s.io" not in str(obj["apiVersion"]):
        return []
    try:
        kubernetes_validate.validate(obj, "1.33.5", strict=True)
    except kubernetes_validate.ValidationError as error:
        return [str(error.message)]
    return []


def test_a_validator_rejects_malformed_objects(tmp_path: Any) -> None:
    with KubeApiDouble(seed_cluster(), validator=strict_1_33) as api:
        client = kubernetes.config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kc")), context=api.context_name
        )
        # The typed client refuses unknown fields itself (pydantic); the dynamic
        # client sends dicts as they are, so the server has to catch it.
        config_maps = kubernetes.dynamic.DynamicClient(client).resources.get(
            api_version="v1", kind="ConfigMap"
        )
        bad = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "bad"},
            "data": {"ok": "yes"},
            "dataa": {"typo": "here"},
        }
        with pytest.raises(kubernetes.dynamic.exceptions.UnprocessibleEntityError) as raised:
            config_maps.create(body=bad, namespace="default")
        status = json.loads(raised.value.body)
        assert status["reason"] == "Invalid" and "dataa" in status["message"]
        del bad["dataa"]
        assert config_maps.create(body=bad, namespace="default").data.ok == "yes"
        client.close()


def test_scale_subresource(api_client: kubernetes.client.ApiClient) -> None:
    apps = kubernetes.client.AppsV1Api(api_client)
    scale = apps.read_namespaced_deployment_scale("coredns", "kube-system")
    assert (scale.spec.replicas, scale.status.selector) == (2, "k8s-app=kube-dns")
    apps.patch_namespaced_deployment_scale("coredns", "kube-system", {"spec": {"replicas": 3}})
    assert apps.read_namespaced_deployment("coredns", "kube-system").spec.replicas == 3
