"""A running guard: served endpoints, the Lease, and Kubernetes watches that start a pass early.

The interval is a minute; a joining node is fixed within seconds because the
Node (and Calico IPAM block) watches wake the loop. Waits are on observable
state (Neutron's port, the endpoints) with deadlines, never sleeps.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from guard_testing import FIXED, GuardWorld

from kostack.guard.breaker import BreakerSettings
from kostack.guard.drift import DriftOptions
from kostack.guard.loop import GuardSettings
from kostack.guard.run import GuardConfig, run_guard
from kostack.serve.events import Workload
from kostack.serve.status import ModeServer
from kostack_testkit.k8s_fixture_calico import calico_ipam
from kostack_testkit.k8s_fixture_objects import NodeSpec

pytestmark = pytest.mark.neutron

INTERVAL = 60.0
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = probe()
        except Exception as exc:  # what is polled may not answer yet
            value, last = None, exc
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what} ({last!r})")
        time.sleep(0.05)  # polling interval, bounded by the deadline


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


class Running:
    def __init__(self, w: GuardWorld, tmp: Path, **settings: Any) -> None:
        self.stop = threading.Event()
        self.served: list[ModeServer] = []
        self.log = _Lines()
        config = GuardConfig(
            settings=GuardSettings(
                mode="enforce", interval=INTERVAL, jitter=0.0, settle_s=0.2, **settings
            ),
            collect=w.options(),
            listen=("127.0.0.1", 0),
            journal_dir=tmp / "journal",
            instance="guard-a",
            lease=("kostack", "kostack-guard"),
            events=True,
            workload=Workload("kostack", "kostack-guard"),
        )
        self.code: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.code.append(
                run_guard(
                    config,
                    stderr=self.log,  # type: ignore[arg-type]
                    version="test",
                    stop=self.stop,
                    signals=False,
                    on_serving=self.served.append,
                )
            ),
            daemon=True,
        )
        self.thread.start()
        server = wait_for("the server", lambda: self.served[0] if self.served else None)
        self.url = f"http://127.0.0.1:{server.port}"

    def status(self) -> dict[str, Any]:
        return json.loads(get(self.url + "/status")[1])  # type: ignore[no-any-return]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive()


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.extend(line for line in text.splitlines() if line)

    def flush(self) -> None:
        return


@pytest.fixture
def running(guard_world: GuardWorld, tmp_path: Path) -> Iterator[tuple[GuardWorld, Running]]:
    guard_world.fix_by_hand()
    run = Running(guard_world, tmp_path)
    try:
        yield guard_world, run
    finally:
        run.close()


def test_a_joining_node_is_fixed_long_before_the_interval(
    running: tuple[GuardWorld, Running],
) -> None:
    w, run = running
    wait_for("the first pass", lambda: (run.status()["last_pass"] or {}).get("result") == "clean")
    assert run.status()["leader"] is True
    assert get(run.url + "/healthz") == (200, "ok: kostack guard is running\n")
    assert get(run.url + "/readyz")[0] == 200
    joined = time.monotonic()
    w.join("k8s-w-4")
    wait_for("k8s-w-4 fixed", lambda: w.pairs("k8s-w-4") == sorted(FIXED), timeout=INTERVAL / 2)
    assert time.monotonic() - joined < INTERVAL / 2
    status = wait_for(
        "the pass to be published",
        lambda: (st := run.status())["last_pass"]["result"] == "fixed" and st,
    )
    assert status["passes"] == 2  # one at start, one woken by the Node watch: not by the interval
    exposition = get(run.url + "/metrics")[1]
    assert 'kostack_guard_actions_total{action="add-pairs",outcome="applied"} 1.0' in exposition
    assert "kostack_guard_leader 1.0" in exposition
    assert 'kostack_guard_mode{mode="enforce"} 1.0' in exposition
    events = w.api.list_objects("v1", "Event", "default")
    added = [e for e in events if e["reason"] == "PairsAdded"]
    assert [e["involvedObject"]["name"] for e in added] == ["k8s-w-4"]
    assert added[0]["source"]["component"] == "kostack-guard"
    run.close()
    lease = w.api.get("coordination.k8s.io/v1", "Lease", "kostack-guard", "kostack")
    assert lease is not None and not lease["spec"].get("holderIdentity")  # released on stop
    assert any("stopped after" in line for line in run.log.lines)


def test_a_new_ipam_block_wakes_guard_in_tight_mode(
    guard_world: GuardWorld, tmp_path: Path
) -> None:
    w = guard_world
    run = Running(
        w,
        tmp_path,
        drift=DriftOptions(tight=True, service_cidr=False),
        breaker=BreakerSettings(max_share=1.0),
    )
    try:
        first = "10.244.1.0/26"  # k8s-w-1's block, from the seed
        wait_for("the first pass fixed the blocks", lambda: first in w.pairs("k8s-w-1"))
        passes = run.status()["passes"]
        # Calico gives k8s-w-1 a second block as its first fills
        spec = NodeSpec("k8s-w-1", "10.0.0.12", "10.244.1.64/26")
        for obj in calico_ipam([spec], [], block_size=26, tunnel_type=None):
            w.api.add(obj)
        wait_for(
            "the new block's pair", lambda: "10.244.1.64/26" in w.pairs("k8s-w-1"), INTERVAL / 2
        )
        assert run.status()["passes"] == passes + 1
    finally:
        run.close()
