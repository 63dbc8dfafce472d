"""`down` removes exactly the lab's namespaces and processes, also after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lab_testing import assert_nothing_left, lab_name

from kostack_lab import netns
from kostack_lab.errors import LabError, LabInputError
from kostack_lab.lab import Lab

pytestmark = pytest.mark.lab


def wait_gone(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while netns.process_alive(pid):
        assert time.monotonic() < deadline, f"pid {pid} did not exit"
        time.sleep(0.01)  # polling process exit, bounded


def test_down_leaves_nothing(lab: Lab) -> None:
    status = lab.up("seed")
    pids = [s.pid for s in status.servers]
    assert all(netns.process_alive(pid) for pid in pids)
    report = lab.down()
    assert len(report.namespaces_removed) == 15
    assert sorted(report.processes_stopped) == sorted(pids)
    assert not any(netns.process_alive(pid) for pid in pids)
    assert_nothing_left(lab_name())
    assert not lab.paths.root.exists()
    assert lab.down().namespaces_removed == ()  # idempotent


def test_down_after_a_crash(lab: Lab) -> None:
    """Lost state, dead and orphaned processes, a stray process in a lab namespace."""
    status = lab.up("seed-natoutgoing")
    servers = {s.name: s.pid for s in status.servers}
    # A server died; another one's namespace will be gone from the state.
    os.kill(servers["n2p1"], signal.SIGKILL)
    wait_gone(servers["n2p1"])
    # Something started by hand inside the lab (no pid file, no tag).
    stray = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            f"{lab.prefix}n3",
            sys.executable,
            "-c",
            "import time; time.sleep(600)",
        ],
        start_new_session=True,
    )
    # The process that ran `up` crashed and took the state file with it.
    lab.paths.state.unlink()
    lab.paths.portsec.unlink()
    # A namespace from an even older run of the same lab.
    netns.add_namespaces([f"{lab.prefix}n9"])

    fresh = Lab(name=lab_name(), state_dir=lab.paths.root)
    assert not fresh.status().up and fresh.status().problems  # leftovers are reported
    report = fresh.down()
    assert f"{lab.prefix}n9" in report.namespaces_removed and len(report.namespaces_removed) == 16
    assert stray.pid in report.processes_stopped
    stray.wait(timeout=5)
    assert not any(netns.process_alive(pid) for pid in servers.values())
    assert_nothing_left(lab_name())


def test_down_kills_orphans_found_only_by_tag(lab: Lab) -> None:
    """A lab process whose namespace is already gone is still found (by --lab-tag)."""
    status = lab.up("fixed")
    orphan = next(s for s in status.servers if s.name == "internet")
    for pid_file in lab.paths.pids.glob("*.pid"):
        pid_file.unlink()
    # Deleting the namespace does not stop the process inside it.
    netns.delete_namespaces([orphan.netns or ""])
    assert netns.process_alive(orphan.pid)
    report = lab.down()
    assert orphan.pid in report.processes_stopped
    assert_nothing_left(lab_name())


def test_failed_up_cleans_up(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise LabError("simulated failure while starting servers")

    monkeypatch.setattr(Lab, "_start_servers", broken)
    with pytest.raises(LabError, match="simulated"):
        lab.up("seed")
    assert_nothing_left(lab_name())


def test_up_refuses_a_second_lab_and_down_spares_other_labs(lab: Lab, tmp_path: Path) -> None:
    lab.up("seed")
    with pytest.raises(LabInputError, match="already up"):
        Lab(name=lab_name(), state_dir=tmp_path / "other").up("seed")
    other = Lab(name=f"{lab_name()[:7]}x", state_dir=tmp_path / "x")
    assert other.down().namespaces_removed == ()  # a different name touches nothing of ours
    assert lab.status().up
