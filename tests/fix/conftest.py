"""Fixtures of the `kostack fix` tests; the helpers they build on are in fix_cloud."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_neutron import SeededNeutron
from fix_cloud import SeedCloud, harness_snapshot

from kostack.model import dump_snapshot
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.neutron_harness import write_noauth_clouds


@pytest.fixture
def seed_cloud(seeded_neutron: SeededNeutron, tmp_path: Path) -> SeedCloud:
    snapshot = harness_snapshot(seeded_neutron.endpoint)
    path = tmp_path / "snap.json"
    path.write_text(dump_snapshot(snapshot))
    home = tmp_path / "home"
    home.mkdir()
    return SeedCloud(
        seeded_neutron,
        snapshot,
        path,
        write_noauth_clouds(tmp_path / "clouds.yaml", seeded_neutron.endpoint),
        home,
    )


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    """The seed cluster served by the Kubernetes API double (for live `fix plan`/`apply`)."""
    with KubeApiDouble(seed_cluster()) as api:
        yield api
