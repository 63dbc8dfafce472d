"""coordination.k8s.io/v1 Leases: served, validated against 1.33, and updated only by CAS.

Leader election (kostack guard, client-go's leaderelection) rests on the API
server refusing a Lease update made from a stale read: these tests hold the
double to the real server's rules (pkg/registry/coordination/lease).
"""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import kubernetes_validate
import pytest
from kubernetes.client.exceptions import ApiException

from kostack_lab.kube_objects import namespace_object
from kostack_testkit.kubeapi import KubeApiDouble


def strict_1_33(obj: dict[str, Any]) -> list[str]:
    try:
        kubernetes_validate.validate(obj, "1.33.5", strict=True)
    except kubernetes_validate.ValidationError as error:
        return [str(error.message)]
    return []


@pytest.fixture
def coordination(tmp_path: Path) -> Iterator[kubernetes.client.CoordinationV1Api]:
    with KubeApiDouble([namespace_object("kostack")], validator=strict_1_33) as api:
        client = kubernetes.config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kc")), context=api.context_name
        )
        yield kubernetes.client.CoordinationV1Api(client)
        client.close()


def lease(holder: str, renew: str = "2026-01-02T03:04:05.5Z", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "kostack-guard", "namespace": "kostack"},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": renew,
            "renewTime": renew,
            "leaseTransitions": 0,
            **spec,
        },
    }


def status_of(error: ApiException) -> dict[str, Any]:
    return json.loads(error.body)  # type: ignore[no-any-return]


def test_leases_are_discovered_and_served_valid(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    created = coordination.create_namespaced_lease("kostack", lease("a"))
    assert created.spec.holder_identity == "a"
    dynamic = kubernetes.dynamic.DynamicClient(coordination.api_client)
    leases = dynamic.resources.get(api_version="coordination.k8s.io/v1", kind="Lease")
    raw = leases.get(name="kostack-guard", namespace="kostack").to_dict()
    # MicroTime is stored and served with six fractional digits in UTC
    assert raw["spec"]["renewTime"] == "2026-01-02T03:04:05.500000Z"
    kubernetes_validate.validate(raw, "1.33.5", strict=True)
    group = kubernetes.client.ApisApi(coordination.api_client).get_api_versions()
    assert "coordination.k8s.io" in {g.name for g in group.groups}
    resources = coordination.get_api_resources()
    assert [r.name for r in resources.resources] == ["leases"]


def test_an_update_from_a_stale_read_is_a_conflict(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    first = coordination.create_namespaced_lease("kostack", lease("a"))
    read_by_b = coordination.read_namespaced_lease("kostack-guard", "kostack")
    read_by_c = coordination.read_namespaced_lease("kostack-guard", "kostack")
    read_by_b.spec.holder_identity = "b"
    read_by_b.spec.lease_transitions = 1
    won = coordination.replace_namespaced_lease("kostack-guard", "kostack", read_by_b)
    assert won.spec.holder_identity == "b"
    assert int(won.metadata.resource_version) > int(first.metadata.resource_version)
    read_by_c.spec.holder_identity = "c"
    with pytest.raises(ApiException) as raised:
        coordination.replace_namespaced_lease("kostack-guard", "kostack", read_by_c)
    assert raised.value.status == 409
    assert status_of(raised.value)["reason"] == "Conflict"
    assert (
        coordination.read_namespaced_lease("kostack-guard", "kostack").spec.holder_identity == "b"
    )


def test_an_update_without_resource_version_is_refused(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    coordination.create_namespaced_lease("kostack", lease("a"))
    with pytest.raises(ApiException) as raised:
        coordination.replace_namespaced_lease("kostack-guard", "kostack", lease("b"))
    assert raised.value.status == 422
    assert "metadata.resourceVersion" in status_of(raised.value)["message"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"leaseDurationSeconds": 0}, "spec.leaseDurationSeconds"),
        ({"leaseTransitions": -1}, "spec.leaseTransitions"),
        ({"preferredHolder": "b"}, "spec.preferredHolder"),
        ({"strategy": "Newest", "preferredHolder": "b"}, "spec.strategy"),
    ],
)
def test_lease_spec_validation(
    coordination: kubernetes.client.CoordinationV1Api, spec: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApiException) as raised:
        coordination.create_namespaced_lease("kostack", lease("a", **spec))
    assert raised.value.status == 422
    assert field in status_of(raised.value)["message"]


def test_a_renew_time_that_is_not_a_time_is_a_bad_request(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    # the typed client would refuse to send it: go through the dynamic client
    dynamic = kubernetes.dynamic.DynamicClient(coordination.api_client)
    leases = dynamic.resources.get(api_version="coordination.k8s.io/v1", kind="Lease")
    with pytest.raises(kubernetes.dynamic.exceptions.BadRequestError):
        leases.create(body=lease("a", renew="yesterday"), namespace="kostack")


def test_two_candidates_racing_from_one_read_elect_exactly_one(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    coordination.create_namespaced_lease("kostack", lease(""))
    reads = [coordination.read_namespaced_lease("kostack-guard", "kostack") for _ in range(8)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(reads))

    def take(index: int) -> None:
        body = reads[index]
        body.spec.holder_identity = f"candidate-{index}"
        body.spec.renew_time = datetime.datetime.now(datetime.UTC)
        barrier.wait()
        try:
            coordination.replace_namespaced_lease("kostack-guard", "kostack", body)
            outcomes.append(f"won {index}")
        except ApiException as error:
            outcomes.append(str(error.status))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(reads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("409") == len(reads) - 1
    holder = coordination.read_namespaced_lease("kostack-guard", "kostack").spec.holder_identity
    assert winners[0] == f"won {holder.rsplit('-', 1)[1]}"


def test_leases_can_be_watched(coordination: kubernetes.client.CoordinationV1Api) -> None:
    created = coordination.create_namespaced_lease("kostack", lease("a"))
    watch = kubernetes.watch.Watch()
    stream = watch.stream(
        coordination.list_namespaced_lease,
        "kostack",
        resource_version=created.metadata.resource_version,
        timeout_seconds=10,
    )
    current = coordination.read_namespaced_lease("kostack-guard", "kostack")
    current.spec.holder_identity = "b"
    coordination.replace_namespaced_lease("kostack-guard", "kostack", current)
    event = next(stream)
    watch.stop()
    assert event["type"] == "MODIFIED" and event["object"].spec.holder_identity == "b"
