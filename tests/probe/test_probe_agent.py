"""The probe agent: one stdlib file, Python 3.8, probes that never mislead.

Run as a real process (`python3 agent.py '<plan>'`) against servers on
127.0.0.1 started by the test, plus unit checks of the verdict logic.
"""

from __future__ import annotations

import ast
import contextlib
import json
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kostack.probe import agent, agent_icmp
from kostack.probe.results import AGENT_FILES, AGENT_PATH, parse_agent_output
from kostack_testkit.tls import self_signed


def run_agent(
    plan: dict[str, Any], *args: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-I", "-B", str(AGENT_PATH), *args, json.dumps(plan)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def results_of(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    output = parse_agent_output(done.stdout)
    assert output.summary is not None and output.summary["done"] is True, done.stdout + done.stderr
    assert output.garbage == 0
    return {r["id"]: r for r in output.results}


# ---------------------------------------------------------------------------- portability


@pytest.mark.parametrize("path", AGENT_FILES, ids=lambda p: p.name)
def test_agent_is_python_3_8_syntax_and_stdlib_only(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    # kostack only under `if TYPE_CHECKING or __package__` (imported from the package); a
    # pod imports the siblings shipped with it.
    siblings = {p.stem for p in AGENT_FILES}
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "kostack"} | siblings
    if "kostack" in imported:
        assert "if TYPE_CHECKING or __package__:" in path.read_text(encoding="utf-8")


def test_vermin_finds_nothing_newer_than_python_3_8() -> None:
    vermin = Path(sys.executable).with_name("vermin")
    done = subprocess.run(
        [str(vermin), "-t=3.8-", "--no-tips", "--violations", *map(str, AGENT_FILES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_shipped_files_are_all_it_needs(tmp_path: Path) -> None:
    """A folder with AGENT_FILES only (what a pod gets), run isolated, no site-packages."""
    for path in AGENT_FILES:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    plan = {"probes": [{"id": "x", "kind": "dns", "host": "127.0.0.1", "port": 9, "timeout": 0.2}]}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(tmp_path / "agent.py"), json.dumps(plan)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert results_of(done)["x"]["verdict"] == "fail", done.stderr
    shipped = {p.stem for p in AGENT_FILES}
    on_disk = {p.stem for p in AGENT_PATH.parent.glob("agent*.py")} - {
        "agent_daemon",
        "agents_runner",
    }
    assert on_disk == shipped  # a new module of the agent must be shipped too


def test_runs_with_the_system_python3_too() -> None:
    done = run_agent(
        {"probes": [{"id": "x", "kind": "tcp", "host": "127.0.0.1", "port": 9}]}, python="python3"
    )
    assert results_of(done)["x"]["verdict"] in ("fail", "pass")


# ---------------------------------------------------------------------------- refusing bad plans


@pytest.mark.parametrize(
    ("plan", "why"),
    [
        (
            {"probes": [{"id": "a", "kind": "tcp", "host": "example.com", "port": 80}]},
            "not an IP address",
        ),
        ({"probes": [{"id": "a", "kind": "nmap", "host": "10.0.0.1"}]}, "unknown kind"),
        ({"probes": []}, "no probes"),
        ({"probes": [{"id": "a", "kind": "tcp", "host": "10.0.0.1", "port": 70000}]}, "bad port"),
        ({"probes": [{"id": "a", "kind": "tcp", "host": "10.0.0.1", "port": 1}] * 2}, "unique"),
    ],
)
def test_a_bad_plan_sends_nothing_and_says_why(plan: dict[str, Any], why: str) -> None:
    done = run_agent(plan)
    assert done.returncode == 2
    summary = parse_agent_output(done.stdout).summary
    assert summary is not None and why in summary["error"] and summary["probes"] == 0


def test_not_json_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(AGENT_PATH), "{nope"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "not JSON" in done.stdout


# ---------------------------------------------------------------------------- servers for the probes


class _Echo:
    """The agent's own echo server (`--serve 0`) on the free port it binds and prints.

    Port 0 is bound by the server itself: a port picked here and closed before
    the child bound it could be taken meanwhile ("Address already in use").
    """

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-B",
                str(AGENT_PATH),
                "--serve",
                "0",
                "--serve-seconds",
                "60",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = json.loads(self.process.stdout.readline())  # printed once listening
        self.port = int(line["serving"])
        assert self.port > 0

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def echo() -> Iterator[_Echo]:
    server = _Echo()
    yield server
    server.stop()


def _udp_and_tcp_on_one_port() -> tuple[socket.socket, socket.socket, int]:
    """A UDP and a listening TCP socket bound to the same free port, both held.

    The kernel picks a free TCP port (port 0) and UDP binds the same number; a
    UDP port that is taken (TCP and UDP ports are separate spaces) means another
    pick, never a port chosen and closed to be bound again later.
    """
    for _attempt in range(100):
        tcp = socket.create_server(("127.0.0.1", 0), backlog=8)
        port = int(tcp.getsockname()[1])
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        return udp, tcp, port
    raise AssertionError("no port free for both UDP and TCP in 100 picks")


def _answer(query: bytes) -> bytes:
    from kostack_lab.servers import dns_answer

    return dns_answer(query, {"kubernetes.default.svc.cluster.local": "10.96.0.1"})


@pytest.fixture
def dns() -> Iterator[int]:
    """A DNS server on one port, UDP and TCP (the lab's CoreDNS stand-in answers)."""
    udp, tcp, port = _udp_and_tcp_on_one_port()
    stop = threading.Event()

    def serve_udp() -> None:
        udp.settimeout(0.2)
        while not stop.is_set():
            try:
                query, peer = udp.recvfrom(4096)
            except TimeoutError:
                continue
            udp.sendto(_answer(query), peer)

    def serve_tcp() -> None:
        tcp.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = tcp.accept()
            except TimeoutError:
                continue
            with conn:
                size = int.from_bytes(conn.recv(2), "big")
                reply = _answer(conn.recv(size))
                conn.sendall(len(reply).to_bytes(2, "big") + reply)

    threads = [threading.Thread(target=f, daemon=True) for f in (serve_udp, serve_tcp)]
    for thread in threads:
        thread.start()
    yield port
    stop.set()
    for thread in threads:
        thread.join()
    udp.close()
    tcp.close()


def _certificate(directory: Path) -> tuple[Path, Path]:
    return self_signed(directory, "kube-apiserver")


class _Tls(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def _tls_server(context: ssl.SSLContext, reply: bytes) -> _Tls:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                with context.wrap_socket(self.request, server_side=True) as tls:
                    tls.recv(4096)
                    tls.sendall(reply)
            except (OSError, ssl.SSLError):
                return

    server = _Tls(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def tls_servers(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """(port answering 403 like an API server, port whose handshake always fails)."""
    cert, key = _certificate(tmp_path)
    good = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    good.load_cert_chain(cert, key)
    forbidden = _tls_server(
        good, b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    broken = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    broken.load_cert_chain(cert, key)
    broken.set_ciphers("NULL")  # no cipher the client accepts: a handshake failure alert
    broken.maximum_version = ssl.TLSVersion.TLSv1_2
    failing = _tls_server(broken, b"")
    yield forbidden.server_address[1], failing.server_address[1]
    forbidden.shutdown()
    failing.shutdown()


# ---------------------------------------------------------------------------- probes, for real


def test_every_kind_against_real_servers(
    echo: _Echo, dns: int, tls_servers: tuple[int, int]
) -> None:
    forbidden, failing = tls_servers
    closed = echo.port + 1 if echo.port < 65535 else echo.port - 1
    host = "127.0.0.1"
    plan = {
        "timeout": 2.0,
        "probes": [
            {
                "id": "dns-udp",
                "kind": "dns",
                "host": host,
                "port": dns,
                "name": "kubernetes.default.svc.cluster.local",
                "expect": "10.96.0.1",
            },
            {
                "id": "dns-tcp",
                "kind": "dns",
                "host": host,
                "port": dns,
                "transport": "tcp",
                "name": "kubernetes.default.svc.cluster.local",
                "expect": "10.96.0.1",
            },
            {"id": "dns-nx", "kind": "dns", "host": host, "port": dns, "name": "nothing.example"},
            {"id": "tls-403", "kind": "tls", "host": host, "port": forbidden},
            {"id": "tls-alert", "kind": "tls", "host": host, "port": failing},
            {"id": "http", "kind": "http", "host": host, "port": echo.port, "path": "/"},
            {
                "id": "transfer",
                "kind": "transfer",
                "host": host,
                "port": echo.port,
                "sizes": [65536, 1048576],
            },
            {"id": "tcp-refused", "kind": "tcp", "host": host, "port": closed},
            {
                "id": "egress-refused",
                "kind": "tcp",
                "host": host,
                "port": closed,
                "answered_ok": True,
            },
            {"id": "ping", "kind": "icmp", "host": host},
            {"id": "clusterip", "kind": "icmp", "host": host, "virtual": True},
            {"id": "mtu", "kind": "mtu", "host": host, "sizes": [1000, 1400, 1500], "expect": 1400},
        ],
    }
    done = run_agent(plan)
    assert done.returncode == 0, done.stderr
    r = results_of(done)
    assert r["dns-udp"]["verdict"] == "pass" and "10.96.0.1" in r["dns-udp"]["detail"]
    assert r["dns-tcp"]["verdict"] == "pass" and "over TCP" in r["dns-tcp"]["detail"]
    assert r["dns-nx"]["verdict"] == "fail" and "NXDOMAIN" in r["dns-nx"]["detail"]
    assert r["dns-nx"]["extra"]["answered"] is True
    # a 403 and a handshake error both prove the path
    assert r["tls-403"]["verdict"] == "pass"
    assert r["tls-403"]["detail"].startswith("reachable: HTTP 403 proves connectivity")
    assert r["tls-alert"]["verdict"] == "pass"
    assert r["tls-alert"]["detail"].startswith("reachable: TLS handshake error proves connectivity")
    assert r["http"]["verdict"] == "pass" and r["http"]["extra"]["status"] == 200
    assert r["transfer"]["verdict"] == "pass" and r["transfer"]["extra"]["largest_ok"] == 1048576
    assert r["tcp-refused"]["verdict"] == "fail" and "refused" in r["tcp-refused"]["detail"]
    assert r["egress-refused"]["verdict"] == "pass"
    assert r["ping"]["verdict"] in ("pass", "skipped")  # skipped only without a raw socket
    assert r["clusterip"]["verdict"] == "expected-no-reply"
    assert r["clusterip"]["detail"].startswith("not judged: virtual IP")
    assert r["mtu"]["verdict"] in ("pass", "skipped")
    if r["mtu"]["verdict"] == "pass":
        assert r["mtu"]["extra"]["largest_ok"] == 1500


class Barrier:
    """An HTTP server that answers no request until `n` requests are open at the same time.

    Probes run at once all get their answer; probes run one after another never
    reach `n` and each times out. How many were open at once is counted.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.most_at_once = 0
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Barrier:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        # shutdown() wakes the accept() blocked in the thread; close() alone does not (on
        # Linux), so the join below waited out its whole bound, twice per test
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(10)
        assert not self._thread.is_alive(), "the barrier server did not stop"

    def _serve(self) -> None:
        held: list[socket.socket] = []
        try:
            while True:
                conn, _ = self._listener.accept()
                data = b""
                conn.settimeout(30)
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                held = [c for c in held if c.fileno() != -1 and not _closed_by_peer(c)]
                held.append(conn)
                self.most_at_once = max(self.most_at_once, len(held))
                if len(held) >= self.n:
                    for c in held:
                        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        c.close()
                    held = []
        except OSError:  # the listener closed: the test is over
            for c in held:
                c.close()


def _closed_by_peer(conn: socket.socket) -> bool:
    """The probe gave up on this connection (it timed out and closed it)."""
    conn.setblocking(False)
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    finally:
        conn.setblocking(True)


def test_probes_run_at_once_each_with_its_own_timeout() -> None:
    # Ten UDP DNS queries to a socket that never answers: each ends with its own timeout.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    plan = {
        "timeout": 1.0,
        "probes": [
            {"id": f"q{i}", "kind": "dns", "host": "127.0.0.1", "port": port, "name": "x.y"}
            for i in range(10)
        ],
    }
    r = results_of(run_agent(plan))
    silent.close()
    assert {v["verdict"] for v in r.values()} == {"fail"}
    assert all("timed out after 1s" in v["detail"] for v in r.values())

    # At once: ten requests are open together, so the barrier of ten answers every one
    # (the 30 s timeout only ends a hang; nothing here is timed).
    with Barrier(10) as barrier:
        at_once = {
            "timeout": 30.0,
            "probes": [
                {"id": f"h{i}", "kind": "http", "host": "127.0.0.1", "port": barrier.port}
                for i in range(10)
            ],
        }
        r = results_of(run_agent(at_once))
    assert {v["verdict"] for v in r.values()} == {"pass"}, r
    assert barrier.most_at_once == 10

    # One after another (parallel: false): never two open together, each times out alone.
    with Barrier(2) as barrier:
        probes = [
            {"id": f"s{i}", "kind": "http", "host": "127.0.0.1", "port": barrier.port}
            for i in range(3)
        ]
        sequential = {"timeout": 1.0, "parallel": False, "probes": probes}
        r = results_of(run_agent(sequential))
    assert {v["verdict"] for v in r.values()} == {"fail"}, r
    assert all("no HTTP answer within 1s" in v["detail"] for v in r.values()), r
    assert barrier.most_at_once == 1


def test_summary_names_the_source_address() -> None:
    done = run_agent({"probes": [{"id": "a", "kind": "tcp", "host": "127.0.0.1", "port": 9}]})
    summary = parse_agent_output(done.stdout).summary
    assert summary is not None and summary["source_ip"] == "127.0.0.1"


# ---------------------------------------------------------------------------- verdict logic


def test_no_raw_socket_is_skipped_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.socket

    def no_icmp(family: int = -1, kind: int = -1, proto: int = -1, *rest: Any) -> socket.socket:
        if proto == socket.IPPROTO_ICMP:
            raise PermissionError(1, "Operation not permitted")
        return real(family, kind, proto, *rest)

    monkeypatch.setattr(agent.socket, "socket", no_icmp)
    ping = agent.run_one({"id": "p", "kind": "icmp", "host": "10.0.0.1"}, 1.0)
    assert ping["verdict"] == "skipped" and ping["detail"].startswith("skipped: no raw socket")
    virtual = agent.run_one({"id": "v", "kind": "icmp", "host": "10.96.0.1", "virtual": True}, 1.0)
    assert virtual["verdict"] == "expected-no-reply"
    assert virtual["detail"] == "not judged: virtual IP (not sent: no raw socket)"
    mtu = agent.run_one({"id": "m", "kind": "mtu", "host": "10.0.0.1"}, 1.0)
    assert mtu["verdict"] == "skipped"


@pytest.mark.parametrize(
    ("status", "expect", "verdict", "largest"),
    [
        ({1000: "ok", 1400: "ok", 1450: "lost", 1500: "lost"}, 1450, "fail", 1400),
        ({1000: "ok", 1400: "ok", 1450: "local", 1500: "local"}, 1400, "pass", 1400),
        ({1000: "ok", 1400: "ok", 1450: "ok", 1500: "ok"}, 1450, "pass", 1500),
        ({1000: "lost", 1400: "lost", 1450: "lost", 1500: "lost"}, 1400, "skipped", None),
        ({1000: "ok", 1400: "frag-needed", 1450: "lost", 1500: "lost"}, None, "fail", 1000),
    ],
)
def test_mtu_reports_the_largest_size_that_passed(
    monkeypatch: pytest.MonkeyPatch,
    status: dict[int, str],
    expect: int | None,
    verdict: str,
    largest: int | None,
) -> None:
    monkeypatch.setattr(
        agent_icmp, "_echo_exchange", lambda host, sizes, timeout, df: (dict(status), "raw", "")
    )
    spec: dict[str, Any] = {
        "id": "m",
        "kind": "mtu",
        "host": "10.244.0.12",
        "sizes": sorted(status),
    }
    if expect is not None:
        spec["expect"] = expect
    result = agent.run_one(spec, 1.0)
    assert result["verdict"] == verdict, result
    assert result["extra"]["largest_ok"] == largest


def test_dns_wire_format_round_trips() -> None:
    query = agent.dns_query("kubernetes.default.svc.cluster.local", 0x1234)
    from kostack_lab.servers import dns_answer

    reply = dns_answer(query, {"kubernetes.default.svc.cluster.local": "10.96.0.1"})
    assert agent.dns_answer(reply, 0x1234) == (0, ["10.96.0.1"])
    with pytest.raises(ValueError):
        agent.dns_answer(reply, 0x4321)


def test_dns_aaaa_wire_format_round_trips() -> None:
    name = "kubernetes.default.svc.cluster.local"
    records = {name: "10.96.0.1,fd00:10:96::1"}
    from kostack_lab.servers import dns_answer

    query = agent.dns_query(name, 0x2345, 28)
    assert agent.dns_answer(dns_answer(query, records), 0x2345, 28) == (0, ["fd00:10:96::1"])
    a_query = agent.dns_query(name, 0x2346)
    assert agent.dns_answer(dns_answer(a_query, records), 0x2346) == (0, ["10.96.0.1"])
    # An IPv4-only name: AAAA is NOERROR with no address (not NXDOMAIN), as CoreDNS answers.
    only_v4 = agent.dns_query(name, 0x2347, 28)
    assert agent.dns_answer(dns_answer(only_v4, {name: "10.96.0.1"}), 0x2347, 28) == (0, [])


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_dns_with_no_route_is_a_failed_path_not_an_error(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENETUNREACH (the pod has no route to the DNS address) is the path failing: a fail,
    as for TCP, not "could not run" (UDP let it out of the probe as an error)."""
    real = socket.socket

    class NoRoute(real):  # type: ignore[misc, valid-type]
        def connect(self, address: Any) -> None:
            raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "socket", NoRoute)
    spec = {"id": "d", "kind": "dns", "host": "10.96.0.10", "transport": transport}
    result = agent.run_one(spec, 1.0)
    assert result["verdict"] == "fail", result
    assert "unreachable" in result["detail"]
