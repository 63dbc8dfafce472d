"""Start, reset and drive the real Octavia API server (octavia_server.py) for tests.

TEST SUPPORT, never shipped. The server runs with the interpreter of the test
Octavia venv (`octavia_venv.py`: the user cache, made by `scripts/setup.sh
--all`). Usage::

    with OctaviaHarness(neutron_endpoint=neutron) as octavia:
        conn = openstack_connection(neutron, octavia.endpoint)
        ...
        octavia.settle()          # the simulated provider finishes pending work
        octavia.reset()           # an empty Octavia again (~10 ms)

Facts and measured numbers: docs/dev/octavia-harness.md.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from kostack_testkit.octavia_venv import find_octavia_python

SERVER_SCRIPT = Path(__file__).with_name("octavia_server.py")
LOG_FILE = "octavia-server.log"


class OctaviaHarnessError(RuntimeError):
    """The Octavia server could not start, answer or stop."""


class OctaviaHarness:
    """One real Octavia API server in a state dir, optionally against a Neutron."""

    def __init__(
        self,
        *,
        neutron_endpoint: str | None = None,
        python: Path | None = None,
        default_provider: str = "amphora",
        settle_delay: str = "0",
        startup_timeout_s: float = 120.0,
    ) -> None:
        self._neutron = neutron_endpoint
        self._python = python
        self._provider = default_provider
        self._settle_delay = settle_delay
        self._startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._state_dir: Path | None = None
        self._owns_state_dir = False
        self._endpoint: str | None = None
        self.last_start_seconds: float | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self, state_dir: Path | None = None) -> str:
        if self.running:
            raise OctaviaHarnessError(f"Octavia already runs at {self._endpoint}")
        if state_dir is None:
            state_dir = Path(tempfile.mkdtemp(prefix="kostack-octavia-"))
            self._owns_state_dir = True
        state_dir.mkdir(parents=True, exist_ok=True)
        self._state_dir = state_dir.resolve()
        python = self._python or find_octavia_python()
        command = [
            str(python),
            str(SERVER_SCRIPT),
            "--state-dir",
            str(self._state_dir),
            "--default-provider",
            self._provider,
            "--settle-delay",
            self._settle_delay,
            "--parent-pid",
            str(os.getpid()),
        ]
        if self._neutron:
            command += ["--neutron", self._neutron]
        started = time.monotonic()
        with (self._state_dir / LOG_FILE).open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=self._state_dir,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        try:
            self._endpoint = self._wait_ready(started + self._startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        self.last_start_seconds = time.monotonic() - started
        return self._endpoint

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        finally:
            if process.stdout is not None:
                process.stdout.close()
            self._process = None
            self._endpoint = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def endpoint(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT/`` (the SDK wants the root, not /v2)."""
        if self._endpoint is None or not self.running:
            raise OctaviaHarnessError("Octavia is not running")
        return self._endpoint

    @property
    def log_path(self) -> Path:
        assert self._state_dir is not None
        return self._state_dir / LOG_FILE

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if self._owns_state_dir and self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir = None

    # -- the test-only side channel ------------------------------------------------

    def settle(self) -> dict[str, Any]:
        """Let the simulated provider finish every pending object that is not held."""
        return self._sim("settle", {})

    def report(self, status: Mapping[str, Any]) -> dict[str, Any]:
        """Report statuses as a provider driver would (octavia-lib status dict)."""
        answer = self._sim("status", dict(status))
        if answer.get("status_code") not in (None, "OK", 200):
            raise OctaviaHarnessError(f"status update refused: {answer}")
        return answer

    def hold(self, ids: Iterable[str] = (), names: Iterable[str] = ()) -> None:
        """Never settle these load balancers (by id or name) and their children."""
        self._sim("hold", {"ids": list(ids), "names": list(names)})

    def backdate(self, lb_ids: Iterable[str], seconds: float) -> None:
        """Move the LBs' (and their children's) created_at/updated_at into the past."""
        self._sim("backdate", {"ids": list(lb_ids), "seconds": seconds})

    def reset(self) -> float:
        """An empty Octavia again (every table back to the template); returns server seconds."""
        return float(self._sim("reset", {}).get("seconds", 0.0))

    def _sim(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.endpoint + "_sim/" + action,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise OctaviaHarnessError(
                f"POST /_sim/{action}: HTTP {exc.code}: {exc.read()[:500]!r}"
            ) from exc
        return answer

    # -- internals -------------------------------------------------------------------

    def _wait_ready(self, deadline: float) -> str:
        process = self._process
        assert process is not None and process.stdout is not None
        buffered = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OctaviaHarnessError(
                        f"Octavia did not get ready in time; see {self.log_path}"
                    )
                if not selector.select(timeout=min(remaining, 0.5)):
                    if process.poll() is not None:
                        raise OctaviaHarnessError(
                            f"Octavia exited with {process.returncode}: {self._log_tail()}"
                        )
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    process.wait(timeout=10)
                    raise OctaviaHarnessError(
                        f"Octavia exited with {process.returncode}: {self._log_tail()}"
                    )
                buffered += chunk
                for line in buffered.decode(errors="replace").splitlines():
                    if line.startswith("ready "):
                        return line.split()[1]

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"
