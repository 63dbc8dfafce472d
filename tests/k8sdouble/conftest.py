"""Fixtures: a running Kubernetes API double and official-client APIs pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import kubernetes
import pytest

from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    """The seed cluster served on a free port; stopped after the test."""
    # typha=False keeps the pod counts the selector tests were written for
    with KubeApiDouble(seed_cluster(typha=False)) as api:
        yield api


@pytest.fixture
def kubeconfig(seed_api: KubeApiDouble, tmp_path: Path) -> Path:
    return seed_api.write_kubeconfig(tmp_path / "kubeconfig", namespace="default")


@pytest.fixture
def api_client(seed_api: KubeApiDouble, kubeconfig: Path) -> Iterator[kubernetes.client.ApiClient]:
    client = kubernetes.config.new_client_from_config(
        config_file=str(kubeconfig), context=seed_api.context_name
    )
    yield client
    client.close()


@pytest.fixture
def core(api_client: kubernetes.client.ApiClient) -> kubernetes.client.CoreV1Api:
    return kubernetes.client.CoreV1Api(api_client)


@pytest.fixture
def custom(api_client: kubernetes.client.ApiClient) -> kubernetes.client.CustomObjectsApi:
    return kubernetes.client.CustomObjectsApi(api_client)
