"""pytest fixtures for the real Neutron harness (a plugin module).

Load it from tests/conftest.py with::

    pytest_plugins = ["conftest_neutron"]

(tests/ is on sys.path because pytest imports tests/conftest.py in its
default "prepend" mode.) Fixtures:

- `neutron_harness` (session): one real Neutron server for the whole run,
  stopped at the end even when tests fail. Skips the tests that use it when
  no Neutron venv exists, unless KOSTACK_REQUIRE_NEUTRON=1 (CI), which fails.
- `neutron` (function): resets Neutron to an empty cloud; gives the endpoint.
- `neutron_seeder` (function): `seed(nodes=4, second_subnet_nodes=0)` puts
  the seed incident's topology in place and returns its `SeedIds`. The first
  call per variant seeds through the API and snapshots the database; later
  calls restore the snapshot (~20 ms), so ids are the same every time.
- `seeded_neutron` (function): `neutron_seeder()` with the defaults; gives a
  `SeededNeutron(endpoint, ids)`.
- `openstack_conn` (function): an openstacksdk Connection to the (reset)
  Neutron.
- `fault_proxy` (function): a started `FaultProxy` in front of Neutron; point
  clients at `fault_proxy.endpoint`.
- `openstack_cli` (function): runs the real `openstack` CLI from the Neutron
  venv against Neutron (or a given endpoint) and returns the CompletedProcess.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from kostack_lab.neutron import NeutronError, openstack_connection
from kostack_lab.neutron_seed import SeedIds, seed_topology
from kostack_lab.neutron_venv import find_neutron_python
from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.neutron_harness import NeutronHarness

__all__ = [
    "SeededNeutron",
    "fault_proxy",
    "neutron",
    "neutron_harness",
    "neutron_seeder",
    "openstack_cli",
    "openstack_conn",
    "seeded_neutron",
]

REQUIRE_ENV = "KOSTACK_REQUIRE_NEUTRON"

# Seeded variants by snapshot name. Only trusted while the harness's state dir
# still has that snapshot, so a new harness seeds afresh. A module global, not a
# fixture, so `from conftest_neutron import *` brings everything needed.
_SEED_CACHE: dict[str, SeedIds] = {}


@dataclass(frozen=True)
class SeededNeutron:
    """A Neutron holding the seed incident's topology."""

    endpoint: str
    ids: SeedIds


class Seeder(Protocol):
    def __call__(
        self, nodes: int = 4, *, second_subnet_nodes: int = 0, dual_stack: bool = False
    ) -> SeedIds: ...


class OpenstackCli(Protocol):
    def __call__(
        self, *args: str, endpoint: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture(scope="session")
def neutron_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeutronHarness]:
    """One real Neutron API server for the session."""
    try:
        python = find_neutron_python()
    except NeutronError as exc:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{exc} ({REQUIRE_ENV} is set)")
        pytest.skip(str(exc))
    # 180 s, not the product's 60 s: under xdist every worker starts its own Neutron at the same
    # moment, and a first start on a loaded machine (load average 16 on 2 cores) took over 60 s
    harness = NeutronHarness(python=python, startup_timeout_s=180.0)
    try:
        harness.start(tmp_path_factory.mktemp("neutron"))
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def neutron(neutron_harness: NeutronHarness) -> str:
    """An empty Neutron (restarted first if a test killed it); the root endpoint."""
    neutron_harness.ensure_running()
    neutron_harness.reset()
    return neutron_harness.endpoint


@pytest.fixture
def neutron_seeder(neutron: str, neutron_harness: NeutronHarness) -> Seeder:
    """Seed (or restore the snapshot of) the seed incident's topology."""

    def seed(nodes: int = 4, *, second_subnet_nodes: int = 0, dual_stack: bool = False) -> SeedIds:
        name = f"seed-{nodes}-{second_subnet_nodes}{'-ds' if dual_stack else ''}"
        cached = _SEED_CACHE.get(name)
        if cached is not None and neutron_harness.has_snapshot(name):
            neutron_harness.reset(to=name)
            return cached
        neutron_harness.reset()
        ids = seed_topology(
            neutron, nodes, second_subnet_nodes=second_subnet_nodes, dual_stack=dual_stack
        )
        neutron_harness.snapshot(name)
        _SEED_CACHE[name] = ids
        return ids

    return seed


@pytest.fixture
def seeded_neutron(neutron: str, neutron_seeder: Seeder) -> SeededNeutron:
    """Neutron with the 4-node seed topology (fresh for every test)."""
    return SeededNeutron(endpoint=neutron, ids=neutron_seeder())


@pytest.fixture
def openstack_conn(neutron: str) -> Any:
    """An openstacksdk Connection to the harness Neutron."""
    return openstack_connection(neutron)


@pytest.fixture
def fault_proxy(neutron: str) -> Iterator[FaultProxy]:
    """A started fault-injecting proxy in front of the harness Neutron."""
    with FaultProxy(neutron) as proxy:
        yield proxy


@pytest.fixture
def openstack_cli(neutron: str, neutron_harness: NeutronHarness) -> OpenstackCli:
    """Run `openstack ARGS...` (python-openstackclient from the Neutron venv)."""
    cli = Path(find_neutron_python()).parent / "openstack"

    def run(
        *args: str, endpoint: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_AUTH_TYPE="none", OS_ENDPOINT=endpoint or neutron)
        result = subprocess.run(
            [str(cli), *args], env=env, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"openstack {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    return run
