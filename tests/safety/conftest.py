"""Fixtures for the safety tests: the canary world (see safety_world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_neutron import SeededNeutron
from safety_world import World, start_world

from kostack_testkit.faultproxy import FaultProxy


@pytest.fixture
def world(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path
) -> Iterator[World]:
    yield from start_world(tmp_path, fault_proxy.endpoint)
