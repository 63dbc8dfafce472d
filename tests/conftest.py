"""Shared pytest setup: fixtures for the real Neutron harness and the builders."""

from __future__ import annotations

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
