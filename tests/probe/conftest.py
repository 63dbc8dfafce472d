"""Fixtures for the probe tests.

Lab tests need root (network namespaces); they skip only when not root,
since CI runs as root. Every lab is named after the test process
(`ks-p<pid>-*`) and torn down even when the test fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from probe_testing import SimulatedKubelet, assert_nothing_left, lab_name

from kostack_lab.lab import Lab
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


@pytest.fixture
def root_only() -> None:
    """Skip unless running as root (the only reason a lab test may skip)."""
    if os.geteuid() != 0:
        pytest.skip("network lab tests need root (CI runs them as root)")


@pytest.fixture
def lab(root_only: None, tmp_path: Path) -> Iterator[Lab]:
    """A Lab (not up yet) that is down, with nothing left, after the test."""
    made = Lab(name=lab_name(), state_dir=tmp_path / "lab")
    yield made
    made.down()
    assert_nothing_left(lab_name())


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    """The seed cluster (4 nodes) in the Kubernetes API double."""
    with KubeApiDouble(seed_cluster()) as api:
        yield api


@pytest.fixture
def kubelet_factory(
    seed_api: KubeApiDouble,
) -> Callable[..., SimulatedKubelet]:
    """A SimulatedKubelet on the seed double; the test gives the verdict rule."""

    def make(rule: Callable[..., tuple[str, str]]) -> SimulatedKubelet:
        return SimulatedKubelet(seed_api, rule).attach()

    return make


@pytest.fixture
def seed_kubeconfig(seed_api: KubeApiDouble, tmp_path: Path) -> Path:
    return seed_api.write_kubeconfig(tmp_path / "kubeconfig")
