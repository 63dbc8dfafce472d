"""pytest fixtures for the real Octavia API (a plugin module, loaded by tests/conftest.py).

- ``octavia_harness`` (session): one real Octavia API server (octavia 19,
  kostack_testkit.octavia_server) against the session's real Neutron, so VIP
  ports are real Neutron ports. Started once per session (~7 s idle; the
  first start in a state dir also builds the schema template). Skips the
  tests that use it when the test Octavia venv does not exist, unless
  KOSTACK_REQUIRE_NEUTRON=1 (CI), which fails instead.
- ``octavia`` (function): an empty Octavia (every table back to the template,
  ~10-50 ms) over a freshly reset Neutron; gives the harness.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kostack_testkit.neutron_harness import NeutronHarness
from kostack_testkit.octavia_harness import OctaviaHarness, OctaviaHarnessError
from kostack_testkit.octavia_venv import OctaviaUnavailable, find_octavia_python

REQUIRE_ENV = "KOSTACK_REQUIRE_NEUTRON"

__all__ = ["octavia", "octavia_harness"]


@pytest.fixture(scope="session")
def octavia_harness(
    neutron_harness: NeutronHarness, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OctaviaHarness]:
    """One real Octavia for the session, using the session's Neutron."""
    try:
        python = find_octavia_python()
    except OctaviaUnavailable as exc:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{exc} ({REQUIRE_ENV} is set)")
        pytest.skip(str(exc))
    neutron_harness.ensure_running()
    harness = OctaviaHarness(neutron_endpoint=neutron_harness.endpoint, python=python)
    try:
        harness.start(tmp_path_factory.mktemp("octavia"))
    except OctaviaHarnessError as exc:
        pytest.fail(str(exc))
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def octavia(octavia_harness: OctaviaHarness, neutron: str) -> OctaviaHarness:
    """An empty Octavia (the ``neutron`` fixture has reset Neutron first)."""
    if not octavia_harness.running:
        octavia_harness.start()
    octavia_harness.reset()
    return octavia_harness
