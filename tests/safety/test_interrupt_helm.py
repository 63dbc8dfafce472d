"""Ctrl-C at the terminal while helm runs a reinstall step: helm is not cut.

A terminal's Ctrl-C sends SIGINT to its whole foreground process group. The
test does exactly that (``killpg`` on the group of a real kostack process)
while a slow fake helm (kostack_testkit.helm_slow) is in the middle of
`helm uninstall`, holding there until the test says go. helm runs in a session
of its own, so the signal reaches kostack alone: kostack says at once that it
lets the step finish, helm finishes (its ``done`` line), kostack journals the
step and stops before the next one (exit 130), the journal consistent. A
second Ctrl-C stops kostack's waiting, never helm. Synchronised on the fake's
socket lines and kostack's stderr lines, never on time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from safety_proc import KOSTACK, WatchedApi
from safety_servers import wait_for
from test_interrupts import kubeconfig

from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_slow import SOCKET_VAR, script
from kostack_testkit.k8s_fixtures import seed_cluster

ROOT = Path(__file__).resolve().parents[2]
HELD = "Ctrl-C: step "
WAIT_S = 120.0  # generous: the test fails, it never hangs


@dataclass
class Watched:
    """A real kostack in its own process group, its stderr read line by line as it comes."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith(HELD):
                self.held.set()

    def ctrl_c(self) -> None:
        """What the terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def ended(self) -> tuple[int, str]:
        try:
            self.process.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("kostack did not end:\n" + "".join(self.lines)) from None
        return self.process.returncode, "".join(self.lines)


@pytest.fixture
def helm_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, Path]]:
    where = tmp_path / "h.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(where))
        server.listen(1)
        server.settimeout(WAIT_S)
        yield server, where


def start(tmp_path: Path, api: WatchedApi, where: Path) -> tuple[Watched, Path]:
    helm = tmp_path / "helm"
    helm.write_text(script(sys.executable), encoding="utf-8")
    helm.chmod(0o755)
    config = kubeconfig(tmp_path / "kc", api.url, api.token)
    journal = tmp_path / "reinstall.jsonl"
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C",
        "HOME": str(tmp_path),
        "KOSTACK_HELM": str(helm),
        SOCKET_VAR: str(where),
    }
    argv = [
        *("release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor"),
        *("--snapshot", str(ROOT / "examples" / "seed-fixed.json")),
        *("--kubeconfig", str(config), "--yes", "--journal", str(journal), "--timeout", "60"),
    ]
    process = subprocess.Popen(
        [KOSTACK, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environ,
        start_new_session=True,  # its own group: the test's "terminal"
    )
    watched = Watched(process)
    threading.Thread(target=watched.read, daemon=True).start()
    return watched, journal


def harbor_api() -> WatchedApi:
    scenario = hf.harbor_seed().extend(hf.lookalikes())
    api = WatchedApi(seed_cluster(extra=scenario.objects), method="GET", path="^/never$")
    api.__enter__()
    scenario.set_logs(api)
    return api


def records(journal: Path) -> list[dict[str, object]]:
    """The journal's records, checked consistent: each step's intent followed by its one
    result, the steps in order, the run's end last."""
    written = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    steps = [r for r in written if r["type"] in ("intent", "result")]
    assert [r["type"] for r in steps] == ["intent", "result"] * (len(steps) // 2)
    assert all(a["step"] == b["step"] for a, b in zip(steps[::2], steps[1::2], strict=True))
    assert [r["step"] for r in steps[::2]] == list(range(1, len(steps) // 2 + 1))
    assert [r["type"] for r in written].count("end") == 1 and written[-1]["type"] == "end"
    return written


def test_ctrl_c_lets_helm_finish_its_step(
    tmp_path: Path, helm_socket: tuple[socket.socket, Path]
) -> None:
    server, where = helm_socket
    api = harbor_api()
    try:
        run, journal = start(tmp_path, api, where)
        conn, _ = server.accept()  # helm uninstall has started and waits for "go"
        stream = conn.makefile("rw", encoding="utf-8", newline="\n")
        started = stream.readline().split()
        assert started[0] == "started"
        pid, pgid, sid = map(int, started[1:])
        assert pgid != run.process.pid and sid != os.getsid(run.process.pid)
        run.ctrl_c()
        wait_for(run.held, "kostack's notice that it lets helm finish", WAIT_S)
        stream.write("go\n")
        stream.flush()
        assert stream.readline().split() == ["done", "0"], "helm was cut mid-uninstall"
        code, err = run.ended()
        conn.close()
    finally:
        api.__exit__(None, None, None)
    assert code == 130, err
    assert pid != run.process.pid
    notice = next(line for line in err.splitlines() if line.startswith(HELD))
    assert "(helm-uninstall " in notice and "Ctrl-C again stops waiting" in notice
    error = next(line for line in err.splitlines() if line.startswith("error: "))
    assert "ran to its end first (applied), then the run stopped" in error, error
    assert (
        "hint: The journal " in err and "`kostack release check harbor --namespace harbor`" in err
    )
    written = records(journal)
    assert written[-1]["type"] == "end" and written[-1]["status"] == "interrupted"
    steps = [r for r in written if r["type"] in ("intent", "result")]
    last_intent, last_result = steps[-2], steps[-1]
    assert last_intent["type"] == "intent" and last_intent["op"] == "helm-uninstall"
    assert last_result["type"] == "result" and last_result["op"] == "helm-uninstall"
    assert last_result["outcome"] == "applied"
    assert last_result["after"] == {"revisions": []}  # helm removed every release record


def test_a_second_ctrl_c_stops_waiting_not_helm(
    tmp_path: Path, helm_socket: tuple[socket.socket, Path]
) -> None:
    server, where = helm_socket
    api = harbor_api()
    try:
        run, journal = start(tmp_path, api, where)
        conn, _ = server.accept()
        stream = conn.makefile("rw", encoding="utf-8", newline="\n")
        assert stream.readline().startswith("started ")
        run.ctrl_c()
        wait_for(run.held, "kostack's notice that it lets helm finish", WAIT_S)
        run.ctrl_c()
        code, err = run.ended()  # kostack has gone; helm still waits for "go"
        stream.write("go\n")
        stream.flush()
        assert stream.readline().split() == ["done", "0"], "helm did not run to completion"
        conn.close()
    finally:
        api.__exit__(None, None, None)
    assert code == 130, err
    error = next(line for line in err.splitlines() if line.startswith("error: "))
    assert "(helm-uninstall " in error and "it cannot be told whether it landed" in error, error
    assert "helm (pid " in error, error
    written = records(journal)
    assert written[-1]["type"] == "end" and written[-1]["status"] == "interrupted"
    last = written[-2]
    assert last["type"] == "result" and last["op"] == "helm-uninstall"
    assert last["outcome"] == "interrupted" and last["landed"] is None
    assert isinstance(last["helm_pid"], int)
