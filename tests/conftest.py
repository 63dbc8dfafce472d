"""Shared pytest setup: fixtures for the real Neutron harness and the builders."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

import kostack.analyze.diagnose
from kostack.analyze.checks.base import Check, CheckContext, Role
from kostack.analyze.findings import Finding, Status
from kostack.model import Snapshot
from kostack_testkit.builders import build, example_doc, seed_doc

FAILING = (Status.FAIL, Status.CONDITIONAL)
pytest_plugins = ["conftest_neutron", "conftest_octavia", "conftest_signals", "conftest_xdist"]


def _declared(check: Check, everyone: frozenset[str]) -> Callable[[CheckContext], list[Finding]]:
    """``check.run``, failing when a finding carries a remedy the check does not declare, or
    a failing finding a cause it does not declare (a symptom, ROLE = Role.SYMPTOM: no check
    declares)."""
    causes = everyone if Role.SYMPTOM in check.role else frozenset(check.causes)

    def run(ctx: CheckContext) -> list[Finding]:
        found = check.run(ctx)
        ops = {r.op for f in found for g in (f, *f.consequences) for r in g.remedies}
        assert ops <= check.remedies, (
            f"{check.id} drives {sorted(ops - check.remedies)} but its REMEDIES does not say "
            "so: guard would not hold its removals on the check's UNKNOWN (guard/drift_model.py)"
        )
        named = {g.cause for f in found for g in (f, *f.consequences) if g.status in FAILING}
        assert named <= causes, (
            f"{check.id} names {sorted(named - causes)} but its CAUSE_KINDS does not say so "
            "(nor is it a symptom, ROLE = Role.SYMPTOM, naming a cause another check declares): "
            "diagnose would not know it as a warning, a port cause or an address cause"
        )
        return found

    return run


@pytest.fixture(autouse=True, scope="session")
def _checks_drive_what_they_declare() -> Iterator[None]:
    """Every diagnosis in every test in-process holds each check to its REMEDIES."""
    checks = kostack.analyze.diagnose.CHECKS
    everyone = frozenset(c for check in checks for c in check.causes)
    kostack.analyze.diagnose.CHECKS = tuple(replace(c, run=_declared(c, everyone)) for c in checks)
    yield
    kostack.analyze.diagnose.CHECKS = checks


@pytest.fixture
def seed() -> Snapshot:
    return build(seed_doc())


@pytest.fixture
def example():  # type: ignore[no-untyped-def]
    def load(name: str) -> Snapshot:
        return build(example_doc(name))

    return load


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
