"""Fixtures for live collection: the seed cloud (real Neutron) and the seed cluster (API double)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collect_live_support import LiveSeed
from conftest_neutron import SeededNeutron

from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.neutron_harness import write_noauth_clouds


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    """The seed cluster (kubeadm + Calico operator, VXLANCrossSubnet) on a free port."""
    with KubeApiDouble(seed_cluster()) as api:
        yield api


@pytest.fixture
def live_seed(
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    seed_api: KubeApiDouble,
    tmp_path: Path,
) -> LiveSeed:
    home = tmp_path / "home"
    home.mkdir()
    return LiveSeed(
        neutron=seeded_neutron,
        proxy=fault_proxy,
        api=seed_api,
        clouds=write_noauth_clouds(tmp_path / "clouds.yaml", fault_proxy.endpoint),
        kubeconfig=seed_api.write_kubeconfig(tmp_path / "kubeconfig"),
        home=home,
    )
