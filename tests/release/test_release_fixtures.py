"""The Helm fixtures are shaped exactly as Helm, harbor-helm v1.18 and the cluster make them."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import kubernetes_validate
import pytest
from release_testing import seed_state

from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_fixture_storage import encode_release, go_json, go_time

K8S_VERSION = "1.33.5"


def by(
    objects: list[dict[str, Any]], kind: str, namespace: str | None, name: str
) -> dict[str, Any]:
    return next(
        o
        for o in objects
        if o["kind"] == kind
        and o["metadata"]["name"] == name
        and o["metadata"].get("namespace") == namespace
    )


def test_every_object_is_a_valid_kubernetes_1_33_object() -> None:
    objects = seed_state().objects
    assert len(objects) > 140
    for obj in objects:
        # strict: an unknown field is an error, so a typo cannot hide
        assert kubernetes_validate.validate(obj, K8S_VERSION, strict=True) == "1.33"


def test_release_secret_is_stored_as_helm_stores_it() -> None:
    objects = seed_state().objects
    secret = by(objects, "Secret", "default", "sh.helm.release.v1.harbor.v2")
    assert secret["type"] == "helm.sh/release.v1"
    labels = secret["metadata"]["labels"]
    assert {k: labels[k] for k in ("owner", "name", "status", "version")} == {
        "owner": "helm",
        "name": "harbor",
        "status": "failed",
        "version": "2",
    }
    assert labels["createdAt"].isdigit() and labels["modifiedAt"].isdigit()
    # data.release: base64 (Kubernetes) of base64 of gzip of JSON
    helm_encoded = base64.b64decode(secret["data"]["release"])
    compressed = base64.b64decode(helm_encoded)
    assert compressed[:3] == b"\x1f\x8b\x08"
    record = json.loads(gzip.decompress(compressed))
    assert list(record) == ["name", "info", "chart", "config", "manifest", "version", "namespace"]
    assert list(record["info"]) == [
        "first_deployed",
        "last_deployed",
        "deleted",
        "description",
        "status",
        "notes",
    ]
    assert record["info"]["deleted"] == ""  # helm's zero time
    assert record["info"]["first_deployed"].endswith("+09:00")
    assert record["chart"]["metadata"]["name"] == "harbor"
    assert record["chart"]["metadata"]["version"] == "1.18.0"
    assert record["chart"]["metadata"]["appVersion"] == "2.14.0"
    assert record["config"]["harborAdminPassword"] == hf.CANARIES[0]
    assert "# Source: harbor/templates/registry/registry-pvc.yaml" in record["manifest"]


def test_go_json_escapes_and_go_time() -> None:
    assert go_json({"b": "<a&b>"}) == b'{"b":"\\u003ca\\u0026b\\u003e"}'
    assert go_time(hf.KST.fromutc(hf.at(0).replace(tzinfo=hf.KST))).count("+09:00") == 1
    record = {"name": "x", "version": 1}
    assert json.loads(gzip.decompress(base64.b64decode(encode_release(record)))) == record


def test_harbor_pvcs_are_the_charts() -> None:
    objects = seed_state().objects
    registry = by(objects, "PersistentVolumeClaim", "default", "harbor-registry")
    meta = registry["metadata"]
    assert meta["annotations"]["helm.sh/resource-policy"] == "keep"
    assert meta["annotations"]["meta.helm.sh/release-name"] == "harbor"
    assert meta["annotations"]["meta.helm.sh/release-namespace"] == "default"
    assert meta["labels"] == {
        "heritage": "Helm",
        "release": "harbor",
        "chart": "harbor",
        "app": "harbor",
        "app.kubernetes.io/instance": "harbor",
        "app.kubernetes.io/name": "harbor",
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "harbor",
        "app.kubernetes.io/version": "2.14.0",
        "component": "registry",
        "app.kubernetes.io/component": "registry",
    }
    assert registry["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert registry["status"]["phase"] == "Bound"
    # StatefulSet claims: the template's legacy labels plus the selector, no Helm annotations
    database = by(objects, "PersistentVolumeClaim", "default", "database-data-harbor-database-0")
    assert database["metadata"]["labels"] == {
        "heritage": "Helm",
        "release": "harbor",
        "chart": "harbor",
        "app": "harbor",
        "component": "database",
    }
    assert "annotations" not in database["metadata"] or not any(
        k.startswith("meta.helm.sh/") for k in database["metadata"]["annotations"]
    )
    assert "ownerReferences" not in database["metadata"]
    sts = by(objects, "StatefulSet", "default", "harbor-database")
    template = sts["spec"]["volumeClaimTemplates"][0]
    assert template["metadata"]["name"] == "database-data"
    assert sts["spec"]["selector"]["matchLabels"] == {
        "release": "harbor",
        "app": "harbor",
        "component": "database",
    }
    for name in ("data-harbor-redis-0", "data-harbor-trivy-0"):
        assert by(objects, "PersistentVolumeClaim", "default", name)["spec"]["volumeName"]


def test_seed_state_is_the_incident() -> None:
    objects = seed_state().objects
    default_pvcs = {
        o["metadata"]["name"]
        for o in objects
        if o["kind"] == "PersistentVolumeClaim"
        and o["metadata"]["namespace"] == "default"
        and o["metadata"].get("labels", {}).get("release") == "harbor"
    }
    assert default_pvcs == {
        "harbor-registry",
        "harbor-jobservice",
        "database-data-harbor-database-0",
        "data-harbor-redis-0",
        "data-harbor-trivy-0",
    }
    database = by(objects, "PersistentVolumeClaim", "default", "database-data-harbor-database-0")
    assert (
        database["metadata"]["creationTimestamp"] < "2025-10-22T02:02:03Z"
    )  # before the reinstall
    job = by(objects, "Pod", "harbor", "harbor-jobservice-5c8d7f9b4-k8p2n")
    status = job["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["lastState"]["terminated"]["exitCode"] == 2
    core = by(objects, "Pod", "harbor", "harbor-core-7d9f8b6c5d-q2x7m")
    ready = next(c for c in core["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    logs = {(log.namespace, log.pod): log for log in seed_state().logs}
    assert "connection refused" in logs[("harbor", "harbor-jobservice-5c8d7f9b4-k8p2n")].text
    assert logs[("harbor", "harbor-jobservice-5c8d7f9b4-k8p2n")].previous


@pytest.mark.parametrize(
    ("release", "values", "fullname"),
    [
        ("harbor", {}, "harbor"),
        ("my-harbor-2", {}, "my-harbor-2"),
        ("registry", {}, "registry-harbor"),
        ("registry", {"nameOverride": "hub"}, "registry-hub"),
        ("registry", {"fullnameOverride": "hub"}, "hub"),
    ],
)
def test_harbor_fullname(release: str, values: dict[str, str], fullname: str) -> None:
    assert hf.harbor_fullname(release, values) == fullname
    names = {o["metadata"]["name"] for _, o in hf.harbor_objects(release, "ns", values)}
    assert f"{fullname}-registry" in names and f"{fullname}-database" in names


def test_postgresql_claim_carries_the_selector_labels() -> None:
    objects = hf.postgresql_release("pg", "default").objects
    claim = by(objects, "PersistentVolumeClaim", "default", "data-pg-postgresql-0")
    assert claim["metadata"]["labels"] == {
        "app.kubernetes.io/instance": "pg",
        "app.kubernetes.io/name": "postgresql",
        "app.kubernetes.io/component": "primary",
    }
