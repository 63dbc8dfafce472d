"""A collector that fails on an unexpected error during `kostack watch` (live collection).

The Kubernetes API double serves the seed cluster; one cycle's node parsing
raises a TypeError, as a collector bug on an answer nobody foresaw would. The
source is down for that cycle (``kostack_up`` 0, the error said), never a
crashed cycle that leaves the last cycle's ``up`` 1 published; the next cycle
reads it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from watch_testing import metric_value

from kostack.collect import _kube_core
from kostack.collect.live import CollectOptions
from kostack.watch.loop import LoopSettings, WatchLoop
from kostack.watch.metrics import WatchMetrics
from kostack.watch.sources import LiveSource
from kostack.watch.state import WatchState
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


@pytest.fixture
def api() -> Iterator[KubeApiDouble]:
    with KubeApiDouble(seed_cluster()) as double:
        yield double


def test_a_collector_bug_is_its_source_down_not_a_crashed_cycle_with_up_left_at_1(
    api: KubeApiDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
    options = CollectOptions(
        kubeconfig=str(kubeconfig), openstack=False, helm=False, timeout_s=5.0, environ={}
    )
    state = WatchState(interval=60.0)
    metrics = WatchMetrics(state, "test")
    log: list[str] = []
    loop = WatchLoop(
        LiveSource(options), state, metrics, LoopSettings(interval=60.0), "test", log.append
    )
    real = _kube_core.parse_node
    broken = [False]

    def parse_node(obj: Any, notes: Any) -> Any:
        if broken[0]:
            raise TypeError("'int' object is not iterable")
        return real(obj, notes)

    monkeypatch.setattr(_kube_core, "parse_node", parse_node)
    seen = []
    for bug in (False, True, False):
        broken[0] = bug
        log.clear()
        record = loop.run_cycle()
        up = metric_value(metrics.exposition().decode(), "kostack_up", source="kubernetes")
        seen.append((record.result, up, [line for line in log if line.startswith("source")]))
    assert seen == [
        ("ok", 1, []),
        (
            "stale",
            0,
            ["source kubernetes is down: TypeError: 'int' object is not iterable"],
        ),
        ("ok", 1, ["source kubernetes answers again"]),
    ]
