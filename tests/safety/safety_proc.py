"""Running kostack as a real process, for deadline and Ctrl-C tests.

`Kostack.start` launches `kostack ARGS` (the installed entry point) with its
own environment; `ended` waits for the exit with a generous bound and says
when it happened, so a test asserts that it ended and how, measured from an
event the test synchronised on (a request arriving at a server), never from
a sleep. The process runs in its own session: a signal goes to it alone.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostack_testkit.kubeapi import KubeApiDouble

KOSTACK = str(Path(sys.executable).parent / "kostack")
# The tests' upper bound for "ended": generous (the machine may be busy); what was
# measured is printed and documented, the requirement is far tighter.
ENDED_WITHIN_S = 30.0


@dataclass
class Ended:
    code: int
    stdout: str
    stderr: str
    at: float  # time.monotonic() when the exit was seen


@dataclass
class Kostack:
    process: subprocess.Popen[str]

    @classmethod
    def start(cls, *args: str, environ: Mapping[str, str], cwd: Path | None = None) -> Kostack:
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C", **environ}
        process = subprocess.Popen(
            [KOSTACK, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        return cls(process)

    def interrupt(self) -> float:
        """Send SIGINT (what Ctrl-C sends); returns when it was sent."""
        self.process.send_signal(signal.SIGINT)
        return time.monotonic()

    def ended(self, within_s: float = ENDED_WITHIN_S) -> Ended:
        try:
            out, err = self.process.communicate(timeout=within_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(
                f"kostack did not end within {within_s:g} s\nstdout:\n{out}\nstderr:\n{err}"
            ) from None
        return Ended(self.process.returncode, out, err, time.monotonic())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


class WatchedApi(KubeApiDouble):
    """The Kubernetes API double, setting ``seen`` when a request matching ``method path`` arrives."""

    def __init__(self, objects: Any, *, method: str, path: str, **kwargs: Any) -> None:
        super().__init__(objects, **kwargs)
        self.seen = threading.Event()
        self._watched = (method, re.compile(path))

    async def _handle(self, request: Any) -> Any:
        method, path = self._watched
        if request.method == method and path.search(request.path):
            self.seen.set()
        return await super()._handle(request)
