"""Fixtures: clusters served by the Kubernetes API double (see k8s_collect_served)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from k8s_collect_served import Served, ServeFn
from rbac_grants import ungranted

from kostack_testkit.kubeapi import KubeApiDouble


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeFn]:
    """serve(objects, **double_options) -> Served; every double is stopped after the test."""
    started: list[KubeApiDouble] = []

    def start(objects: Iterable[Mapping[str, Any]], **options: Any) -> Served:
        api = KubeApiDouble(objects, **options).start()
        started.append(api)
        kubeconfig = api.write_kubeconfig(tmp_path / f"kubeconfig-{len(started)}")
        return Served(api, kubeconfig)

    yield start
    for api in started:
        api.stop()
    missing = [line for api in started for line in ungranted(api.requests)]
    assert not missing, "reads the shipped roles do not grant:\n" + "\n".join(missing)
