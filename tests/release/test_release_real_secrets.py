"""kostack decodes release Secrets that Helm itself wrote, not only those of its own fixtures.

The Secrets (tests/data/helm/release-secrets.yaml, each with its source as
repo@commit:path) come from other projects' tests: one a Helm 3 CLI installed
in a real cluster, four written by Helm 3's storage code. They are decoded
directly, turned into kostack's HelmRelease, and collected through the
Kubernetes API double with the official client, as `kostack release check`
reads a cluster. The fixture encoder (kostack_testkit) is checked against
them too: it must write the very JSON Helm writes.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml

from kostack.collect.helm import Scrubber, collect_helm, decode_release, load_client
from kostack.collect.helm_release import release_from_records
from kostack_testkit.helm_fixture_storage import go_json
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

DATA = Path(__file__).resolve().parents[1] / "data" / "helm" / "release-secrets.yaml"
SECRETS: list[dict[str, Any]] = list(yaml.safe_load_all(DATA.read_text(encoding="utf-8")))
FOOING, TEST_CHART, MULTIDOC, CRD, CONFIGMAP = SECRETS

# What each Secret holds: (name, namespace, revision, status, chart, chart version,
# app version ("" when the chart has none), first deployed, the manifest's objects as (kind, name, namespace)).
EXPECTED = {
    id(FOOING): (
        "fooing",
        "d8-system",
        1,
        "deployed",
        "foo",
        "0.1.0",
        "1.16.0",
        "2022-06-09T13:32:43.885763629Z",
        [("Ingress", "foo", None)],
    ),
    id(TEST_CHART): (
        "test-chart",
        "test-two",
        1,
        "deployed",
        "test-chart",
        "0.1.0",
        "",  # the chart has no appVersion
        None,  # a dry run: Helm wrote empty times
        [("Deployment", "deploy-1", "test-one"), ("Deployment", "deploy-2", None)],
    ),
    id(MULTIDOC): (
        "namespace-test",
        "test-two",
        1,
        "deployed",
        "test-chart",
        "0.1.0",
        "",
        None,
        [("Deployment", "deploy-1", "test-one"), ("Deployment", "deploy-2", "test-two")],
    ),
    id(CRD): (
        "namespace-test",
        "test-two",
        1,
        "deployed",
        "test-chart",
        "0.1.0",
        "",
        None,
        [("CustomResourceDefinition", "example-crd", None)],
    ),
    id(CONFIGMAP): (
        "test-chart",
        "test-two",
        1,
        "deployed",
        "test-chart",
        "0.1.0",
        "",
        None,
        [("ConfigMap", "config-map", None)],
    ),
}


def secret_id(secret: dict[str, Any]) -> str:
    first_object = EXPECTED[id(secret)][8][0]
    return f"{secret['metadata']['name']}:{first_object[1]}"


@pytest.mark.parametrize("secret", SECRETS, ids=secret_id)
def test_a_secret_helm_wrote_decodes(secret: dict[str, Any]) -> None:
    record = decode_release(secret["data"]["release"])
    name, namespace, revision, status, chart, version, _app, _first, _objects = EXPECTED[id(secret)]
    assert (record["name"], record["namespace"], record["version"]) == (name, namespace, revision)
    assert record["info"]["status"] == status == secret["metadata"]["labels"]["status"]
    assert (record["chart"]["metadata"]["name"], record["chart"]["metadata"]["version"]) == (
        chart,
        version,
    )
    assert record["manifest"].startswith("---\n# Source: ")


@pytest.mark.parametrize("secret", SECRETS, ids=secret_id)
def test_a_secret_helm_wrote_becomes_a_release(secret: dict[str, Any]) -> None:
    record = decode_release(secret["data"]["release"])
    release = release_from_records(
        [(record, secret["metadata"]["name"], "7")], "secret", Scrubber()
    )
    name, namespace, revision, status, chart, version, app, first, objects = EXPECTED[id(secret)]
    assert (release.name, release.namespace, release.revision, release.status) == (
        name,
        namespace,
        revision,
        status,
    )
    assert (release.chart, release.chart_version, release.app_version) == (chart, version, app)
    assert release.first_deployed == first
    assert [(o.kind, o.name, o.namespace) for o in release.objects] == objects
    assert (release.storage, release.storage_object) == ("secret", secret["metadata"]["name"])
    assert [h.revision for h in release.history] == [1]


def test_a_manifest_with_a_duplicated_key_still_gives_its_object() -> None:
    """Helm keeps a template's duplicated `spec:` as rendered; kostack still reads the object."""
    record = decode_release(FOOING["data"]["release"])
    assert record["manifest"].count("\nspec:\n") == 2
    release = release_from_records(
        [(record, "sh.helm.release.v1.fooing.v1", None)], "secret", Scrubber()
    )
    assert [(o.api_version, o.kind, o.name) for o in release.objects] == [
        ("networking.k8s.io/v1", "Ingress", "foo")
    ]


def test_the_collector_reads_them_from_a_cluster(tmp_path: Path) -> None:
    """Served by the API double and read with the official client, as from a real cluster."""
    served = [FOOING, TEST_CHART, MULTIDOC]  # distinct Secret names; the other two share them
    with KubeApiDouble(seed_cluster(extra=served)) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client, _ = load_client(str(kubeconfig), api.context_name)
        try:
            collection = collect_helm(client, logs=False)
        finally:
            client.close()
    assert collection.gaps == ()
    releases = {(r.namespace, r.name): r for r in collection.state.releases or ()}
    assert set(releases) == {
        ("d8-system", "fooing"),
        ("test-two", "test-chart"),
        ("test-two", "namespace-test"),
    }
    fooing = releases[("d8-system", "fooing")]
    assert (fooing.chart, fooing.chart_version, fooing.status, fooing.revision) == (
        "foo",
        "0.1.0",
        "deployed",
        1,
    )
    assert fooing.storage_object == "sh.helm.release.v1.fooing.v1"
    multidoc = releases[("test-two", "namespace-test")]
    assert [(o.kind, o.name, o.namespace) for o in multidoc.objects] == EXPECTED[id(MULTIDOC)][8]


@pytest.mark.parametrize("secret", SECRETS, ids=secret_id)
def test_the_fixture_encoder_writes_the_json_helm_writes(secret: dict[str, Any]) -> None:
    """kostack's fixtures encode releases as Helm does: the same JSON, byte for byte."""
    helm_json = gzip.decompress(base64.b64decode(base64.b64decode(secret["data"]["release"])))
    assert go_json(decode_release(secret["data"]["release"])) == helm_json
