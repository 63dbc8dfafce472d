"""Shared pytest setup: fixtures for the real Neutron harness and the builders."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from kostack.model import Snapshot
from kostack_testkit.builders import build, example_doc, seed_doc

pytest_plugins = ["conftest_neutron", "conftest_octavia", "conftest_signals", "conftest_xdist"]


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
