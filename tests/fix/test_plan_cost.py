"""What `fix plan` costs beyond `diagnose`: its verification walks no snapshot for garbage.

Verifying a plan diagnoses the snapshot with the changes applied (two or three times: the
anti-spoofing fix reveals a missing route back, then the last check). Each of those diagnoses
makes as many objects as the first, so Python's cyclic collector came due again and again and
walked every object of the snapshot and its diagnosis, none of them garbage: a third of the
verification's CPU at 5,000 nodes. The speed target itself lives in
benchmarks/diagnose_scale.py --fix-plan (no timed tests).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import run_cli

import kostack.analyze.diagnose
import kostack.plan.build
import kostack.report.fixplan
import kostack.report.jsonout
from kostack.analyze.diagnose import Diagnosis, diagnose
from kostack.plan.build import build_plan
from kostack.plan.codec import plan_to_dict
from kostack_testkit.builders import build, synthetic_doc


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection the cyclic collector starts meanwhile."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)


def test_verifying_a_plan_runs_no_garbage_collection(
    collections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = build(synthetic_doc(60, groups=4, rules=40, pods_per_node=5))
    during: list[int] = []  # collections started inside each verifying diagnosis

    def counted(*args: Any, **kwargs: Any) -> Diagnosis:
        before = len(collections)
        try:
            return diagnose(*args, **kwargs)
        finally:
            during.append(len(collections) - before)

    monkeypatch.setattr(kostack.plan.build, "diagnose", counted)
    assert gc.isenabled()
    plan = build_plan(snapshot)
    # the verification took three diagnoses (the first, the revealed route back, the last)
    assert plan.verification.iterations == 2 and plan.verification.revealed
    assert during == [0, 0, 0]
    assert gc.isenabled()  # and the collector is on again


@pytest.mark.parametrize("output", ["json", "text"])
def test_fix_plan_runs_no_collection_from_the_diagnosis_to_the_written_plan(
    collections: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, output: str
) -> None:
    """All `fix plan` makes after reading the snapshot lives until it ends: collections there
    walked the snapshot, its diagnosis and the plan for nothing (at 10,000 nodes 2.7 s after the
    verification, more while the plan was rendered)."""
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(synthetic_doc(60, groups=4, rules=40, pods_per_node=5)))
    marks: list[int] = []  # collections so far: at the first diagnosis, when the plan is written

    def first(*args: Any, **kwargs: Any) -> Diagnosis:
        marks.append(len(collections))
        return diagnose(*args, **kwargs)

    def written(render: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> str:
            text: str = render(*args, **kwargs)
            marks.append(len(collections))
            return text

        return recorded

    monkeypatch.setattr(kostack.analyze.diagnose, "diagnose", first)
    monkeypatch.setattr(kostack.report.jsonout, "dumps", written(kostack.report.jsonout.dumps))
    monkeypatch.setattr(
        kostack.report.fixplan, "render_plan", written(kostack.report.fixplan.render_plan)
    )
    run = run_cli("fix", "plan", "--snapshot", str(path), "-o", output, environ={})
    assert run.code == 0, run.stderr
    assert "antispoof" in run.stdout and "router-no-route-back" in run.stdout
    assert len(marks) == 2 and marks[0] == marks[1]
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    snapshot = build(synthetic_doc(3, groups=3, rules=6, pods_per_node=1))
    gc.disable()
    try:
        build_plan(snapshot)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_digest_of_the_written_plan_is_the_plans() -> None:
    snapshot = build(synthetic_doc(20, groups=3, rules=10, pods_per_node=3))
    plan = build_plan(snapshot)
    assert plan_to_dict(plan, "1.0")["digest"] == plan.digest()
