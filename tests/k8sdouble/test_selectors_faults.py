"""Selectors, pagination and injected faults, seen through the official client."""

from __future__ import annotations

import json
import time

import kubernetes
import pytest
import urllib3
from kubernetes.client.exceptions import ApiException

from kostack_lab.kubeapi_selectors import (
    SelectorError,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)
from kostack_testkit.kubeapi import KubeApiDouble


def pod_names(pods: kubernetes.client.V1PodList) -> set[str]:
    return {p.metadata.name for p in pods.items}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("k8s-app=kube-dns", 2),
        ("k8s-app==kube-dns", 2),
        ("k8s-app in (kube-dns,calico-node)", 6),
        ("k8s-app notin (kube-dns,calico-node)", 17 - 6),
        ("k8s-app!=calico-node", 17 - 4),
        # coredns, calico-node, kube-proxy, calico-kube-controllers, tigera-operator
        ("k8s-app", 2 + 4 + 4 + 1 + 1),
        ("!k8s-app", 5),  # the 4 static control-plane pods and netshoot
        ("k8s-app=kube-dns,pod-template-hash", 2),
        ("tier=control-plane,component in (etcd)", 1),
    ],
)
def test_label_selectors(core: kubernetes.client.CoreV1Api, selector: str, expected: int) -> None:
    assert len(core.list_pod_for_all_namespaces(label_selector=selector).items) == expected


def test_field_selectors(core: kubernetes.client.CoreV1Api) -> None:
    on_w1 = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=k8s-w-1")
    assert {p.spec.node_name for p in on_w1.items} == {"k8s-w-1"}
    assert "netshoot" in pod_names(on_w1)
    running_in_demo = core.list_pod_for_all_namespaces(
        field_selector="status.phase=Running,metadata.namespace=demo"
    )
    assert pod_names(running_in_demo) == {"netshoot"}
    assert not core.list_pod_for_all_namespaces(field_selector="status.phase=Pending").items
    by_name = core.list_node(field_selector="metadata.name=k8s-w-2")
    assert [n.metadata.name for n in by_name.items] == ["k8s-w-2"]
    not_cp = core.list_node(field_selector="metadata.name!=k8s-cp-1")
    assert len(not_cp.items) == 3
    host_network = core.list_namespaced_pod("kube-system", field_selector="spec.hostNetwork=false")
    assert {p.metadata.labels["k8s-app"] for p in host_network.items} == {"kube-dns"}


def test_unsupported_field_selector_is_a_bad_request(core: kubernetes.client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        core.list_node(field_selector="status.phase=Running")
    assert raised.value.status == 400
    assert "field label not supported" in json.loads(raised.value.body)["message"]


def test_bad_label_selector_is_a_bad_request(core: kubernetes.client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        core.list_node(label_selector="a in (b")
    assert raised.value.status == 400


def test_pagination_walks_every_pod_once(core: kubernetes.client.CoreV1Api) -> None:
    everything = [
        (p.metadata.namespace, p.metadata.name) for p in core.list_pod_for_all_namespaces().items
    ]
    seen: list[tuple[str, str]] = []
    token = None
    pages = 0
    while True:
        page = core.list_pod_for_all_namespaces(limit=5, _continue=token)
        pages += 1
        seen.extend((p.metadata.namespace, p.metadata.name) for p in page.items)
        assert page.metadata.resource_version
        token = page.metadata._continue
        if not token:
            assert page.metadata.remaining_item_count is None
            break
        assert page.metadata.remaining_item_count == len(everything) - len(seen)
    assert seen == everything
    assert pages == -(-len(everything) // 5)


def test_pagination_with_a_selector_and_custom_objects(
    core: kubernetes.client.CoreV1Api, custom: kubernetes.client.CustomObjectsApi
) -> None:
    first = core.list_pod_for_all_namespaces(label_selector="k8s-app=calico-node", limit=3)
    assert len(first.items) == 3 and first.metadata._continue
    rest = core.list_pod_for_all_namespaces(
        label_selector="k8s-app=calico-node", limit=3, _continue=first.metadata._continue
    )
    assert len(rest.items) == 1 and not rest.metadata._continue
    blocks = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "ipamblocks", limit=2)
    assert len(blocks["items"]) == 2 and blocks["metadata"]["continue"]


def test_an_invalid_continue_token_is_a_bad_request(core: kubernetes.client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        core.list_node(limit=1, _continue="not-a-token")
    assert raised.value.status == 400


def test_forbidden_surfaces_as_api_exception_403(
    seed_api: KubeApiDouble,
    core: kubernetes.client.CoreV1Api,
    custom: kubernetes.client.CustomObjectsApi,
) -> None:
    seed_api.inject_fault("", "nodes", status=403)
    with pytest.raises(ApiException) as raised:
        core.list_node()
    assert raised.value.status == 403
    status = json.loads(raised.value.body)
    assert status["kind"] == "Status" and status["reason"] == "Forbidden"
    assert status["message"] == (
        'nodes is forbidden: User "kostack-lab-user" cannot list resource "nodes" '
        'in API group "" at the cluster scope'
    )
    # Other resources are unaffected.
    assert core.list_namespaced_pod("demo").items
    seed_api.inject_fault("crd.projectcalico.org", "ippools", status=403, verbs=["get"])
    assert custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "ippools")["items"]
    with pytest.raises(ApiException) as raised:
        custom.get_cluster_custom_object(
            "crd.projectcalico.org", "v1", "ippools", "default-ipv4-ippool"
        )
    assert raised.value.status == 403
    assert (
        'ippools.crd.projectcalico.org "default-ipv4-ippool" is forbidden'
        in json.loads(raised.value.body)["message"]
    )
    seed_api.inject_fault("", "secrets", status=403, namespace="kube-system")
    with pytest.raises(ApiException) as raised:
        core.list_namespaced_secret("kube-system")
    assert 'in the namespace "kube-system"' in json.loads(raised.value.body)["message"]
    assert core.list_namespaced_secret("default").items == []


def test_server_errors_delays_and_counts(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    fault = seed_api.inject_fault("", "configmaps", status=500, times=1)
    with pytest.raises(ApiException) as raised:
        core.list_namespaced_config_map("kube-system")
    assert raised.value.status == 500
    assert json.loads(raised.value.body)["reason"] == "InternalError"
    assert core.list_namespaced_config_map("kube-system").items  # only once
    assert fault.hits == 1
    seed_api.inject_fault("", "services", delay=0.3)
    started = time.monotonic()
    core.list_service_for_all_namespaces()
    assert time.monotonic() - started >= 0.3
    assert seed_api.request_count(resource="configmaps", verb="list") == 2
    assert seed_api.request_count(resource="configmaps", status=500) == 1
    assert seed_api.request_count(resource="services") == 1
    seed_api.clear_faults()
    seed_api.reset_requests()
    core.list_node()
    assert [(r.verb, r.resource, r.status) for r in seed_api.requests] == [("list", "nodes", 200)]


def test_a_fault_can_time_out_the_client(
    seed_api: KubeApiDouble, core: kubernetes.client.CoreV1Api
) -> None:
    fault = seed_api.inject_fault("", "nodes", delay=5.0)
    # The client retries a timed-out read (urllib3's default 3 retries), then gives up.
    with pytest.raises(urllib3.exceptions.MaxRetryError) as raised:
        core.list_node(_request_timeout=0.2)
    assert isinstance(raised.value.reason, urllib3.exceptions.ReadTimeoutError)
    assert fault.hits >= 1


def test_label_selector_parser_semantics() -> None:
    requirements = parse_label_selector("a=b, c!=d, e in (f, g), h notin (i), j, !k, n>3")
    assert [r.operator for r in requirements] == ["=", "!=", "in", "notin", "exists", "!", ">"]
    assert labels_match(requirements, {"a": "b", "e": "g", "j": "", "n": "4"})
    assert not labels_match(requirements, {"a": "b", "e": "g", "j": "", "n": "3"})
    # Objects without the key match != and notin, as in Kubernetes.
    assert labels_match(parse_label_selector("x!=y,z notin (w)"), {})
    with pytest.raises(SelectorError):
        parse_label_selector("a=b=c")
    assert [(r.field, r.negated, r.value) for r in parse_field_selector("a.b=c\\,d,e!=f")] == [
        ("a.b", False, "c,d"),
        ("e", True, "f"),
    ]
