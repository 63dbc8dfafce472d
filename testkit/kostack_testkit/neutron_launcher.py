"""`NeutronServer`: start, stop and restart the product's Neutron server script, for tests.

It runs `kostack_lab/neutron_server.py` (`kostack_lab.neutron.SERVER_SCRIPT`)
with the interpreter of the Neutron venv (`kostack_lab.neutron_venv`): the
same server `kostack lab up` starts as a tagged daemon (`kostack_lab.own_neutron`).
`NeutronHarness` (neutron_harness.py) adds a fast reset and snapshots on top.
Measured numbers and the Neutron behaviours worth knowing are in
docs/dev/neutron-harness.md.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from kostack.catalog import Msg, register
from kostack_lab.neutron import SERVER_SCRIPT
from kostack_lab.neutron_venv import NeutronError, find_neutron_python

# The launcher's errors, keyed as every LabError is (kostack_lab.texts).
register(
    {
        "testkit.neutron.running": {
            "en": "Neutron is already running at {url}",
            "ko": "Neutron이 이미 {url}에서 실행 중입니다",
        },
        "testkit.neutron.stop_first": {"en": "call stop() first", "ko": "먼저 stop()을 호출하세요"},
        "testkit.neutron.never_started": {
            "en": "Neutron was never started",
            "ko": "Neutron이 시작된 적이 없습니다",
        },
        "testkit.neutron.start_first": {
            "en": "call start() first",
            "ko": "먼저 start()를 호출하세요",
        },
        "testkit.neutron.not_running": {
            "en": "Neutron is not running",
            "ko": "Neutron이 실행 중이 아닙니다",
        },
        "testkit.neutron.start": {
            "en": "call start() or ensure_running()",
            "ko": "start()나 ensure_running()을 호출하세요",
        },
        "testkit.neutron.slow": {
            "en": "Neutron did not become ready within {seconds}s",
            "ko": "Neutron이 {seconds}초 안에 준비되지 않았습니다",
        },
        "testkit.neutron.exited": {
            "en": "Neutron exited with status {status} before it was ready",
            "ko": "Neutron이 준비되기 전에 종료되었습니다 (종료 코드 {status})",
        },
        "testkit.neutron.see_log_lines": {
            "en": "see {log}:\n{tail}",
            "ko": "{log:을/를} 확인하세요. 마지막 줄:\n“{tail}”",
        },
        "testkit.neutron.silent": {
            "en": "Neutron printed ready but {url} does not answer: {why}",
            "ko": "Neutron이 준비되었다고 했지만 {url:이/가} 응답하지 않습니다: “{why}”",
        },
    }
)

__all__ = ["LOG_FILE", "NeutronServer"]

LOG_FILE = "neutron-server.log"

_READY = re.compile(r"^ready (?P<url>http://\S+/) pid=(?P<pid>\d+)$")


class NeutronServer:
    """Start, stop and restart one real Neutron API server on 127.0.0.1.

    Usage::

        with NeutronServer() as server:      # starts in a temporary state dir
            conn = openstack_connection(server.endpoint)
            ...

    The state dir keeps the sqlite database, the config and the server log
    (`neutron-server.log`); `restart()` keeps all of it and the port. With
    `follow_parent` (the default) the server exits when this process does, so
    nothing is left behind; a daemon that must outlive its starter passes False.
    """

    def __init__(
        self,
        *,
        python: Path | None = None,
        startup_timeout_s: float = 60.0,
        stop_timeout_s: float = 10.0,
        follow_parent: bool = True,
    ) -> None:
        self._python = python
        self._follow_parent = follow_parent
        self._startup_timeout_s = startup_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._state_dir: Path | None = None
        self._owns_state_dir = False
        self._endpoint: str | None = None
        self._port = 0
        self.last_start_seconds: float | None = None
        self.last_returncode: int | None = None

    # -- lifecycle -------------------------------------------------------

    def start(self, state_dir: Path | None = None, port: int = 0) -> str:
        """Start the server and return its endpoint once it answers.

        `state_dir` None reuses the dir of an earlier start, else makes a
        temporary one, removed when the server is used as a context manager
        and exits. `port` 0 lets the server pick a free port (no race between
        choosing and binding it).
        """
        if self.running:
            raise NeutronError(
                Msg("testkit.neutron.running", url=self._endpoint),
                Msg("testkit.neutron.stop_first"),
            )
        if state_dir is None:
            state_dir = self._state_dir
        if state_dir is None:
            state_dir = Path(tempfile.mkdtemp(prefix="kostack-neutron-"))
            self._owns_state_dir = True
        state_dir.mkdir(parents=True, exist_ok=True)
        self._state_dir = state_dir.resolve()
        self._port = port
        return self._launch()

    def stop(self) -> None:
        """Stop the server: SIGTERM, wait, then SIGKILL. Leaves nothing running."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self._stop_timeout_s)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=self._stop_timeout_s)
        finally:
            self._release(process)

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would (the database stays)."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=self._stop_timeout_s)
        finally:
            self._release(process)

    def restart(self, *, hard: bool = False) -> str:
        """Stop (or kill, with `hard`) and start again on the same port and database."""
        if self._state_dir is None:
            raise NeutronError(
                Msg("testkit.neutron.never_started"), Msg("testkit.neutron.start_first")
            )
        if hard:
            self.kill()
        else:
            self.stop()
        return self._launch()

    def ensure_running(self) -> str:
        """Start again (same port and database) if the server died; return the endpoint."""
        if self.running:
            return self.endpoint
        return self.restart()

    # -- state -----------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def endpoint(self) -> str:
        """Root URL of the API, e.g. `http://127.0.0.1:PORT/` (not /v2.0/)."""
        if self._endpoint is None or not self.running:
            raise NeutronError(Msg("testkit.neutron.not_running"), Msg("testkit.neutron.start"))
        return self._endpoint

    @property
    def pid(self) -> int:
        """Process id of the server."""
        if self._process is None or not self.running:
            raise NeutronError(Msg("testkit.neutron.not_running"), Msg("testkit.neutron.start"))
        return self._process.pid

    @property
    def state_dir(self) -> Path:
        """The directory holding the database, config and log."""
        if self._state_dir is None:
            raise NeutronError(
                Msg("testkit.neutron.never_started"), Msg("testkit.neutron.start_first")
            )
        return self._state_dir

    @property
    def log_path(self) -> Path:
        """The server's stderr log (Neutron's own log lines)."""
        return self.state_dir / LOG_FILE

    # -- context manager ------------------------------------------------------

    def __enter__(self) -> Self:
        if not self.running:
            self.start(self._state_dir)
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
            self._owns_state_dir = False

    # -- internals --------------------------------------------------------------

    def _server_command(self, state_dir: Path, port: int) -> list[str]:
        """The server script and its arguments (the Neutron venv's python runs them)."""
        command = [str(SERVER_SCRIPT), "--state-dir", str(state_dir), "--port", str(port)]
        if self._follow_parent:
            command += ["--parent-pid", str(os.getpid())]
        return command

    def _launch(self) -> str:
        python = self._python or find_neutron_python()
        state_dir = self.state_dir
        command = [str(python), *self._server_command(state_dir, self._port)]
        started = time.monotonic()
        with (state_dir / LOG_FILE).open("ab") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=state_dir,
            )
        self._process = process
        try:
            url = self._wait_ready(process, deadline=started + self._startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        self._endpoint = url
        # Later restarts reuse the port so clients keep their endpoint.
        self._port = int(url.rsplit(":", 1)[1].rstrip("/"))
        self.last_start_seconds = time.monotonic() - started
        return url

    def _wait_ready(self, process: subprocess.Popen[bytes], deadline: float) -> str:
        """Read the server's stdout until its `ready` line, then check it answers."""
        assert process.stdout is not None  # Popen(stdout=PIPE) always sets it
        buffered = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NeutronError(
                        Msg("testkit.neutron.slow", seconds=f"{self._startup_timeout_s:.0f}"),
                        Msg(
                            "testkit.neutron.see_log_lines",
                            log=str(self.log_path),
                            tail=self._log_tail(),
                        ),
                    )
                if not selector.select(timeout=min(remaining, 0.5)):
                    if process.poll() is not None:
                        break
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                buffered += chunk
                for line in buffered.decode(errors="replace").splitlines():
                    ready = _READY.match(line.strip())
                    if ready:
                        url = ready.group("url")
                        self._check_answers(url, deadline)
                        return url
        process.wait(timeout=self._stop_timeout_s)
        raise NeutronError(
            Msg("testkit.neutron.exited", status=process.returncode),
            Msg("testkit.neutron.see_log_lines", log=str(self.log_path), tail=self._log_tail()),
        )

    def _check_answers(self, url: str, deadline: float) -> None:
        """Poll the root URL until it answers 200 (bounded by the start deadline)."""
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError as exc:
                last_error = exc
            time.sleep(0.02)
        raise NeutronError(Msg("testkit.neutron.silent", url=url, why=str(last_error)))

    def _release(self, process: subprocess.Popen[bytes]) -> None:
        self.last_returncode = process.poll()
        if process.stdout is not None:
            process.stdout.close()
        if self._process is process:
            self._process = None
            self._endpoint = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.state_dir / LOG_FILE).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
