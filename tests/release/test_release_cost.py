"""The release checks and their reinstall advice run without the cyclic garbage collector
(kostack/collector.py): its full collections walked every live object of the snapshot again
and again, half the advice's time at 1,000 releases and the reason its cost grew faster than
the releases (benchmarks/release_advice_scale.py: scaling 20.6 for 10x the releases, target
15; 12.9 without them)."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path
from typing import Any

from kostack.analyze.release_checks import check_releases
from kostack.report.releases import release_troubles

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "release_advice_scale.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("release_advice_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_release_checks_and_advice_run_no_garbage_collection(collections: list[int]) -> None:
    snapshot = _bench().snapshot_of(100)
    collections.clear()
    assert gc.isenabled()
    report = check_releases(snapshot, None)
    troubles = release_troubles(snapshot, None)
    # none inside; one may come due as each returns (what it allocated meanwhile)
    assert len(collections) <= 2, collections
    assert gc.isenabled()  # and the collector is on again
    assert report.failing() and sum(1 for t in troubles if t.advice is not None) == 50
