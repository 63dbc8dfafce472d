"""Deadlines that hold whatever the server or the client library does.

The servers: a Keystone that answers 401 to everything (keystoneauth then
deadlocks on its own lock: the call never returns by itself), one that
accepts and never answers, one that answers only after a minute, and one
that trickles its answer a byte at a time (each read succeeds, so socket
timeouts never fire). Each real `kostack` process must end within its
deadline plus a margin, with exit 3 and a one-line error; each in-process
check shows which part held (the watchdog, the phase budget).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from safety_proc import Kostack
from safety_servers import Credentials, Keystone, Silent, Slow, _Base, wait_for

from kostack.collect import _os_connection
from kostack.collect.live import CollectOptions, collect_snapshot
from kostack.collect.openstack import current_project, open_connection
from kostack.deadline import DeadlineExceeded, each, within
from kostack.errors import AuthError, CollectError
from kostack_testkit.quiet_http import QuietHTTPServer

TIMEOUT_S = 2.0


def creds() -> Credentials:
    return Credentials("u1", "pw-not-a-canary", "app-id", "app-secret", "tok", "gAAAAAissued")


def clouds(tmp_path: Path, auth_url: str) -> Path:
    path = tmp_path / "clouds.yaml"
    cloud = {
        "auth_type": "password",
        "auth": {
            "auth_url": f"{auth_url}/v3",
            "username": "u1",
            "password": "pw-not-a-canary",
            "project_name": "k8s",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
    }
    path.write_text(yaml.safe_dump({"clouds": {"c": cloud}}), encoding="utf-8")
    return path


class Trickle(_Base):
    """200 with a long body sent one byte at a time: every read gets data, none times out."""

    def __init__(self) -> None:
        super().__init__()
        self.stop = threading.Event()

    def respond(self, arrival: Any) -> tuple[int, bytes, dict[str, str]]:
        raise NotImplementedError  # replaced by the streaming handler below

    def __enter__(self) -> Trickle:
        import http.server

        trickle = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                trickle.arrived.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                try:
                    while not trickle.stop.wait(0.1):  # the server's pace
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:
                    return

            do_POST = do_GET

        self._server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # shutdown() waits for serve_forever to notice: poll often, or every stop costs 0.25 s
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *args: Any) -> None:
        self.stop.set()
        super().__exit__(*args)


@pytest.fixture
def refusing(tmp_path: Path) -> Iterator[Keystone]:
    with Keystone(creds(), "http://127.0.0.1:9/", refuse_all=True) as keystone:
        yield keystone


# --------------------------------------------------------------------------- real processes


@pytest.mark.parametrize("command", ["collect", "diagnose"])
def test_keystone_401_on_discovery_ends_at_once_with_one_line(
    refusing: Keystone, tmp_path: Path, command: str
) -> None:
    """keystoneauth deadlocks here (the `openstack` CLI hangs); kostack says who refused what."""
    environ = {"OS_CLIENT_CONFIG_FILE": str(clouds(tmp_path, refusing.url)), "HOME": str(tmp_path)}
    extra = ["--no-kubernetes"] if command == "collect" else []
    run = Kostack.start(
        command, "--os-cloud", "c", "--timeout", str(TIMEOUT_S), *extra, environ=environ
    )
    wait_for(refusing.arrived, "the version discovery request")
    ended = run.ended()
    assert ended.code == 3, ended.stderr
    lines = ended.stderr.splitlines()
    assert lines[0] == (
        f"error: OpenStack rejected the credentials: {refusing.url}/v3 answered 401 to GET /v3 "
        "with the password of user u1 in domain Default (cloud 'c', auth type password)"
    )
    assert lines[1].startswith("hint: Check that credential in clouds.yaml")
    assert len(lines) == 2  # no keystoneauth log line before it, no traceback
    assert "pw-not-a-canary" not in ended.stderr + ended.stdout


@pytest.mark.parametrize("server", ["silent", "slow"])
@pytest.mark.parametrize("command", ["collect", "diagnose"])
def test_a_keystone_that_does_not_answer_ends_within_the_deadline(
    tmp_path: Path, server: str, command: str
) -> None:
    with Silent() if server == "silent" else Slow(60.0) as keystone:
        environ = {
            "OS_CLIENT_CONFIG_FILE": str(clouds(tmp_path, keystone.url)),
            "HOME": str(tmp_path),
        }
        extra = ["--no-kubernetes"] if command == "collect" else []
        run = Kostack.start(
            command, "--os-cloud", "c", "--timeout", str(TIMEOUT_S), *extra, environ=environ
        )
        wait_for(keystone.arrived, "the first request")
        ended = run.ended()  # a hang guard (30 s) below the server's 60 s: the deadline ended it
    assert ended.code == 3, ended.stderr
    lines = ended.stderr.splitlines()
    assert lines[0].startswith(f"error: Keystone at {keystone.url}")
    assert "did not answer" in lines[0] and lines[1].startswith("hint: ")
    assert f"within {TIMEOUT_S:g} s" in lines[0]  # the deadline's kind and length, reported


def test_a_trickling_api_server_ends_within_the_deadline(tmp_path: Path) -> None:
    """Each byte resets the socket timeout: only the watchdog can end this request."""
    with Trickle() as api:
        kubeconfig = tmp_path / "kc"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "clusters": [{"name": "c", "cluster": {"server": api.url}}],
                    "users": [{"name": "u", "user": {"token": "t0ken-not-a-canary"}}],
                    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                    "current-context": "x",
                }
            ),
            encoding="utf-8",
        )
        run = Kostack.start(
            "collect",
            "--no-openstack",
            "--kubeconfig",
            str(kubeconfig),
            "--timeout",
            str(TIMEOUT_S),
            environ={"HOME": str(tmp_path)},
        )
        wait_for(api.arrived, "the first request")
        ended = run.ended()  # a hang guard (30 s): the trickle never ends by itself
    assert ended.code == 3, ended.stderr
    assert ended.stderr.startswith("error: the Kubernetes API server did not answer (GET /version")
    assert f"no complete answer within {TIMEOUT_S:g} s" in ended.stderr


# --------------------------------------------------------------------------- in-process


def test_within_abandons_a_call_that_never_returns() -> None:
    release = threading.Event()  # never set before the call is abandoned: only the deadline ends it
    with pytest.raises(DeadlineExceeded) as caught:
        within(0.2, "a call stuck on a lock", release.wait)
    assert not release.is_set()
    assert caught.value.message == "a call stuck on a lock did not finish within 0.2 s"
    assert caught.value.exit_code == 3
    release.set()


# The kernel hands a process's SIGINT to any thread that does not block it;
# here the worker's thread gets it, as it may on a busy machine (a fresh-clone
# CI run saw a reinstall ignore Ctrl-C while its PATCH was held).
SIGINT_TO_THE_WORKER = """
import signal, sys, threading
from kostack.deadline import within

finished = threading.Event()
main = threading.main_thread().ident

def stuck():
    # once the caller's thread waits (it handles a signal at once while it runs)
    while sys._current_frames()[main].f_code.co_name != "wait":
        pass
    threading.Event().wait(0.2)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)
    threading.Event().wait(10)  # a request the server holds
    finished.set()

try:
    within(60, "a held request", stuck)
except KeyboardInterrupt:
    print("interrupted while the call was", "over" if finished.is_set() else "in flight")
"""


def test_ctrl_c_that_the_worker_thread_received_is_raised_in_the_caller() -> None:
    """The caller's thread wakes in slices: it does not wait for the held call to end."""
    done = subprocess.run(
        [sys.executable, "-c", SIGINT_TO_THE_WORKER],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "interrupted while the call was in flight", done.stderr


def test_within_passes_results_and_errors_through() -> None:
    assert within(5, "adding", lambda: 2 + 2) == 4
    with pytest.raises(ZeroDivisionError):
        within(5, "dividing", lambda: 1 / 0)


def test_the_watchdog_alone_ends_the_keystoneauth_deadlock(
    refusing: Keystone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the 401 hook, keystoneauth really hangs: the deadline still ends the call."""
    monkeypatch.setattr(_os_connection, "watch_identity", lambda conn: None)
    conn = open_connection(
        "c", environ={"OS_CLIENT_CONFIG_FILE": str(clouds(tmp_path, refusing.url))}, timeout_s=1.0
    )
    with pytest.raises(CollectError) as caught:
        current_project(conn)
    assert caught.value.message == (
        f"Keystone at {refusing.url}/v3 did not answer within 1 s while authenticating the "
        "password of user u1 in domain Default (cloud 'c', auth type password)"
    )
    # the abandoned call is still stuck inside keystoneauth: it never cooperated
    stuck = [t for t in threading.enumerate() if t.name.startswith("kostack: authenticating")]
    assert stuck and all(t.is_alive() for t in stuck)


def test_the_401_hook_names_the_refused_credential(refusing: Keystone, tmp_path: Path) -> None:
    conn = open_connection(
        "c", environ={"OS_CLIENT_CONFIG_FILE": str(clouds(tmp_path, refusing.url))}, timeout_s=5
    )
    # an AuthError at once, not the deadline's DeadlineExceeded/CollectError after 5 s
    with pytest.raises(AuthError) as caught:
        current_project(conn)
    assert "answered 401 to GET /v3 with the password of user u1" in caught.value.message


def test_a_phase_has_a_budget_of_its_own(tmp_path: Path) -> None:
    """Each request may take 5 s; the OpenStack phase as a whole gets 1 s."""
    with Silent() as keystone:
        options = CollectOptions(
            os_cloud="c",
            kubernetes=False,
            timeout_s=5.0,
            phase_timeout_s=1.0,
            environ={"OS_CLIENT_CONFIG_FILE": str(clouds(tmp_path, keystone.url))},
        )
        with pytest.raises(DeadlineExceeded) as caught:
            collect_snapshot(options)
    # the phase's deadline (1 s) fired, not one request's (5 s): its message says which
    assert caught.value.message == "reading OpenStack did not finish within 1 s"


def test_each_keeps_the_order_the_limit_and_the_first_error() -> None:
    running, most = [0], [0]
    lock = threading.Lock()
    gate = threading.Barrier(3)  # three calls are in flight together before any ends

    def call(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if n < 3:
            gate.wait(30)
        with lock:
            running[0] -= 1
        return n * n

    assert each(call, list(range(10)), parallel=3, what="squaring") == [n * n for n in range(10)]
    assert most[0] == 3
    assert each(call, [], parallel=3, what="nothing") == []

    def fails(n: int) -> int:
        if n == 4:
            raise ValueError("four")
        return n

    with pytest.raises(ValueError, match="four"):
        each(fails, list(range(8)), parallel=2, what="failing")
