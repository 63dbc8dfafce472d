"""Helpers for the `kostack release` tests: the seed's Helm state served by the API double.

`seed_state()` is the seed incident (harbor in default, the newer attempt in
harbor) plus the lookalikes that must never be touched and a PostgreSQL
release. `served` starts a fresh double with it for each test (tests change
it); `collected` reads it once per module through the official client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.release_checks import check_releases
from kostack.collect.helm import HelmCollection, collect_helm, load_client
from kostack.model import Snapshot, load_snapshot
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def seed_state() -> hf.HelmScenario:
    scenario = hf.harbor_seed()
    scenario.extend(hf.lookalikes())
    return scenario


@dataclass
class Served:
    api: KubeApiDouble
    kubeconfig: Path
    client: kubernetes.client.ApiClient
    scenario: hf.HelmScenario

    def collect(self, **options: Any) -> HelmCollection:
        return collect_helm(self.client, context_namespace="default", **options)

    def pvcs(self) -> dict[str, dict[str, object]]:
        return {
            f"{p['metadata']['namespace']}/{p['metadata']['name']}": p
            for p in self.api.list_objects("v1", "PersistentVolumeClaim")
        }

    def pvs(self) -> dict[str, dict[str, object]]:
        return {p["metadata"]["name"]: p for p in self.api.list_objects("v1", "PersistentVolume")}

    def releases(self) -> set[str]:
        return {
            f"{s['metadata']['namespace']}/{s['metadata']['name']}"
            for s in self.api.list_objects("v1", "Secret")
            if s.get("type") == "helm.sh/release.v1"
        }


@contextmanager
def serve(scenario: hf.HelmScenario, tmp_path: Path) -> Iterator[Served]:
    with KubeApiDouble(seed_cluster(extra=scenario.objects)) as api:
        scenario.set_logs(api)
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client, _ = load_client(str(kubeconfig), api.context_name)
        try:
            yield Served(api, kubeconfig, client, scenario)
        finally:
            client.close()


def with_helm(example: str, collection: HelmCollection) -> Snapshot:
    """An example network snapshot with the collected Helm state."""
    base = load_snapshot(EXAMPLES / example)
    return base.model_copy(update={"helm": collection.state, "gaps": base.gaps + collection.gaps})


def harbor(snapshot: Snapshot) -> tuple[Finding, list[str]]:
    """The chain of harbor/harbor (core times out reaching the database) and its lines."""
    d = diagnose(snapshot)
    (found,) = [
        f
        for f in check_releases(snapshot, d).findings
        if f.check_id == "rel-pods-ready"
        and f.status == Status.FAIL
        and f.resource.id == "harbor/harbor"
    ]
    return found, [str(e) for e in found.evidence]
