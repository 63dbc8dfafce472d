"""Helpers for the watch tests: run `kostack watch` as a process, poll with deadlines, /proc.

(A module of its own, not conftest, so tests import it by name.)
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
KOSTACK = [sys.executable, "-c", "from kostack.cli.main import entrypoint; entrypoint()"]
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = probe()
        except Exception as exc:  # the thing polled may not answer yet
            value, last = None, exc
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what} (last: {last!r})"
            )
        time.sleep(0.05)  # polling interval, bounded by the deadline


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return int(answer.status), answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8")


@dataclass
class WatchProcess:
    """`kostack watch ARGS` (or ``command``: guard) in a child process; stderr lines
    collected as they come; ``port``: the one the start line names."""

    args: Sequence[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str] = field(default_factory=queue.Queue)
    port: int = 0
    command: str = "watch"

    def start(self, timeout: float = 60.0) -> WatchProcess:
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            [*KOSTACK, self.command, *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_line(r"http://[^ ]+:(\d+)/metrics", timeout)
        match = re.search(r"http://[^ ]+:(\d+)/metrics", line)
        assert match is not None
        self.port = int(match.group(1))
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self._queue.put(line.rstrip("\n"))

    def drain(self) -> list[str]:
        while True:
            try:
                self.lines.append(self._queue.get_nowait())
            except queue.Empty:
                return self.lines

    def wait_line(self, pattern: str, timeout: float = 30.0) -> str:
        regex = re.compile(pattern)
        seen = len(self.lines)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.drain()[seen:]:
                if regex.search(line):
                    return line
            seen = len(self.lines)
            if self.process is not None and self.process.poll() is not None:
                self.drain()
                raise AssertionError(
                    f"kostack watch exited {self.process.returncode}:\n" + "\n".join(self.lines)
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))
            with contextlib.suppress(queue.Empty):
                self.lines.append(self._queue.get(timeout=min(remaining, 0.5)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        return http_get(self.url + path)

    def status(self) -> dict[str, Any]:
        code, body = self.get("/status")
        assert code == 200
        return json.loads(body)  # type: ignore[no-any-return]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, float]:
        """Send ``sig``; (exit code, seconds until it exited)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def proc_stats(pid: int) -> dict[str, int]:
    """Threads, open fds and resident memory (kB) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "threads": int(fields["Threads"].strip()),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "rss_kb": int(fields["VmRSS"].split()[0]),
    }


def metric_value(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a text exposition (labels matched exactly as given)."""
    for line in exposition.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, label_text = head.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', label_text))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` listens on, from /proc (its socket inodes matched
    against the LISTEN rows of its network namespace's tcp tables)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: TCP_LISTEN
                    ports.add(int(fields[1].rpartition(":")[2], 16))
    return ports
