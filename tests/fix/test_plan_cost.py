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
from collections.abc import Iterator
from typing import Any

import pytest

import kostack.plan.build
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
