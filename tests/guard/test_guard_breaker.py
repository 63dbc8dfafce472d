"""Mass drift: the circuit breaker holds, says so (log, report, metrics), and closes again."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_neutron import Seeder
from guard_testing import FIXED, GuardWorld, seed_api, world

from kostack.errors import ExitCode
from kostack.guard.breaker import BreakerSettings
from kostack.guard.metrics import GuardMetrics
from kostack_testkit.neutron_harness import NeutronHarness

pytestmark = pytest.mark.neutron


def metric(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the exposition")


def test_mass_drift_opens_the_breaker_and_nothing_changes(guard_world: GuardWorld) -> None:
    w = guard_world
    loop = w.loop("enforce")
    loop.metrics = GuardMetrics(loop.state, "test")
    revisions = {n: w.port(n).revision_number for n in w.port_ids}
    report = loop.run_pass()  # the seed: no port has pairs, 4 of 4 would change
    assert report.result == "held" and report.exit_code() == ExitCode.PARTIAL
    assert report.breaker is not None and report.breaker.open
    assert report.breaker.reasons == ("share",) and report.breaker.changing == 4
    assert report.done == ()
    assert {n: w.port(n).revision_number for n in w.port_ids} == revisions
    assert any("circuit breaker open" in line and "4 of 4 ports" in line for line in w.logs)
    exposition = loop.metrics.exposition().decode()
    assert metric(exposition, "kostack_guard_breaker_open") == 1
    assert metric(exposition, "kostack_guard_breaker_trips_total") == 1
    # it stays open while the drift lasts, without tripping again
    assert loop.run_pass().result == "held"
    assert metric(loop.metrics.exposition().decode(), "kostack_guard_breaker_trips_total") == 1
    # a person applies the reviewed fix to all but one port: within bounds again
    w.fix_by_hand(["k8s-cp-1", "k8s-w-1", "k8s-w-2"])
    report = loop.run_pass()
    assert report.result == "fixed" and report.breaker is not None and not report.breaker.open
    assert w.pairs("k8s-w-3") == sorted(FIXED)
    assert any("circuit breaker closed" in line for line in w.logs)
    assert metric(loop.metrics.exposition().decode(), "kostack_guard_breaker_open") == 0


def test_removals_on_many_ports_open_the_breaker(
    tmp_path: Path, neutron_harness: NeutronHarness, neutron_seeder: Seeder
) -> None:
    ids = neutron_seeder(8)
    with seed_api(8) as api:
        w = world(tmp_path, neutron_harness.endpoint, neutron_harness.endpoint, ids, api)
        w.fix_by_hand(["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"])
        setup = w.loop("enforce", name="setup", breaker=BreakerSettings(max_share=1.0))
        assert setup.run_pass().result == "fixed"  # guard owns the pairs of w-4 .. w-7
        for name in ("k8s-w-4", "k8s-w-5", "k8s-w-6", "k8s-w-7"):
            w.leave(name)  # e.g. an API server that answers an incomplete node list
        loop = w.loop("enforce", breaker=BreakerSettings(max_share=1.0, max_removals=3))
        report = loop.run_pass()
        assert report.result == "held" and report.breaker is not None
        assert report.breaker.reasons == ("removals",) and report.breaker.removals == 4
        assert all(
            w.pairs(n) == sorted(FIXED) for n in ("k8s-w-4", "k8s-w-5", "k8s-w-6", "k8s-w-7")
        )
        audit = w.loop("audit", breaker=BreakerSettings(max_share=1.0, max_removals=3)).run_pass()
        assert audit.result == "held"  # audit says the breaker would hold, too


def test_a_small_cluster_can_add_a_node_within_the_floor(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    w.join("k8s-w-4")
    w.join("k8s-w-5")
    report = w.loop("enforce").run_pass()  # 2 of 6 ports: 33 %, but the floor allows 2
    assert report.result == "fixed"
    assert report.breaker is not None and report.breaker.allowed == 2
