"""Reading a snapshot and diagnosing it run with the cyclic garbage collector paused
(kostack/collector.py)."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from kostack.model import loads_snapshot
from kostack_testkit.builders import synthetic_doc


def test_reading_a_snapshot_runs_no_garbage_collection(collections: list[int]) -> None:
    """Validating a snapshot builds its records and drops nothing (37% of a 3,000-node load's
    CPU went to full collections: 0.46 s, now 0.29 s)."""
    text = json.dumps(synthetic_doc(300, groups=4, rules=40, pods_per_node=5))
    collections.clear()
    snapshot = loads_snapshot(text)
    assert len(collections) <= 1, collections  # none inside; one may come due as it returns
    assert gc.isenabled() and len(snapshot.cluster.nodes) == 300  # type: ignore[union-attr]


def test_a_diagnosis_runs_no_garbage_collection(collections: list[int]) -> None:
    """A diagnosis builds its classes, traces and findings and drops next to nothing; full
    collections walked them all again (5,000 nodes: 1.42 s -> 1.07 s of CPU; per-node
    stateless groups at 1,000 nodes: 3.38 s -> 2.98 s)."""
    from kostack.analyze.diagnose import diagnose

    snapshot = loads_snapshot(json.dumps(synthetic_doc(300, groups=4, rules=40, pods_per_node=5)))
    collections.clear()
    d = diagnose(snapshot)
    assert len(collections) <= 1, collections  # none inside; one may come due as it returns
    assert gc.isenabled() and d.root_causes


def test_the_flow_families_are_gone_before_the_collector_is_back(
    collections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`diagnose` keeps no flow families, so the collector comes back on after they are
    dropped: the first collection then walks the diagnosis, not the families' classes and
    traces (per-node stateless groups at 1,000 nodes: that collection took 0.2 s of 1.9)."""
    from kostack.analyze import flows as flows_module
    from kostack.analyze.diagnose import diagnose

    alive: list[weakref.ref[object]] = []
    seen_alive: list[bool] = []
    made = flows_module.ClusterFlows.__init__

    def init(self: object, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)  # type: ignore[arg-type]
        alive.append(weakref.ref(self))

    def record(phase: str, info: dict[str, object]) -> None:
        if phase == "start":
            seen_alive.append(any(r() is not None for r in alive))

    monkeypatch.setattr(flows_module.ClusterFlows, "__init__", init)
    snapshot = loads_snapshot(json.dumps(synthetic_doc(30, groups=4, rules=40, pods_per_node=3)))
    old = gc.get_threshold()
    gc.callbacks.append(record)
    gc.set_threshold(1)  # a collection at the first allocation the collector sees
    try:
        d = diagnose(snapshot)
    finally:
        gc.set_threshold(*old)
        gc.callbacks.remove(record)
    assert alive and seen_alive and not any(seen_alive), seen_alive
    assert gc.isenabled() and d.root_causes


def test_a_json_answer_runs_no_garbage_collection(collections: list[int]) -> None:
    """Building and writing `-o json` makes many containers and drops none: collections
    walked the whole diagnosis again (per-node stateless groups at 1,000 nodes: a gen-1
    and a full one, 0.28 s of the answer's 0.85)."""
    from kostack.analyze.diagnose import diagnose
    from kostack.report.jsonout import diagnosis_dict, dumps

    snapshot = loads_snapshot(json.dumps(synthetic_doc(300, groups=4, rules=40, pods_per_node=5)))
    d = diagnose(snapshot)
    old = gc.get_threshold()
    gc.set_threshold(50, 1, 1)  # the collector eager: any collection inside would be seen
    collections.clear()
    try:
        text = dumps(diagnosis_dict(d, "test"))
    finally:
        gc.set_threshold(*old)
    assert len(collections) <= 2, collections  # none inside; one may come due as each returns
    assert gc.isenabled() and json.loads(text)["root_causes"]
