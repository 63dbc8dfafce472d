"""Fixtures for guard: a seeded Neutron with the matching cluster served by the API double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_neutron import Seeder
from guard_testing import GuardWorld, seed_api, world

from kostack_testkit.neutron_harness import NeutronHarness


@pytest.fixture
def guard_world(
    tmp_path: Path, neutron_harness: NeutronHarness, neutron_seeder: Seeder
) -> Iterator[GuardWorld]:
    ids = neutron_seeder()
    with seed_api(len(ids.nodes)) as api:
        yield world(tmp_path, neutron_harness.endpoint, neutron_harness.endpoint, ids, api)
