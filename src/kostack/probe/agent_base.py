"""The probe agent's shared parts: a probe's outcome, the plan error, sockets and HTTP lines.

Standard library only, Python 3.8 or newer: shipped beside ``agent.py`` (see there).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import time

AGENT = "kostack-probe"
AGENT_VERSION = 1
MAX_TRANSFER = 64 * 1024 * 1024

# Timeouts: a socket timeout is socket.timeout on 3.8/3.9 and TimeoutError later.
TIMEOUTS = (socket.timeout, TimeoutError)


class PlanError(ValueError):
    """A plan the agent refuses to run (nothing is sent)."""


class Outcome:
    """What one probe saw."""

    def __init__(self, verdict: str, detail: str, **extra: object) -> None:
        self.verdict = verdict
        self.detail = detail
        self.extra = extra


def now() -> float:
    return time.monotonic()


def family(host: str) -> int:
    """AF_INET6 for an IPv6 address, else AF_INET."""
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


def ip_version(host: str) -> int:
    """4 or 6."""
    return ipaddress.ip_address(host).version


def errno_name(exc: OSError) -> str:
    code = exc.errno or 0
    return errno.errorcode.get(code, str(code))


def connect_failure(exc: BaseException, timeout: float, answered_ok: bool) -> Outcome:
    """A failed TCP connect in plain words; a refusal proves the path when ``answered_ok``."""
    if isinstance(exc, TIMEOUTS):
        return Outcome("fail", f"timed out after {timeout:g}s", answered=False)
    if isinstance(exc, ConnectionRefusedError):
        if answered_ok:
            return Outcome(
                "pass",
                "connection refused: the target answered, so the path is open "
                "(nothing listens on that port)",
                answered=True,
            )
        return Outcome(
            "fail", "connection refused (the host answered; nothing accepts)", answered=True
        )
    if isinstance(exc, ConnectionResetError):
        return Outcome("fail", "connection reset by the target", answered=True)
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return Outcome("fail", "unreachable: %s" % (exc.strerror or exc), answered=False)
        return Outcome("fail", f"{errno_name(exc)}: {exc.strerror or exc}", answered=False)
    return Outcome("error", f"{type(exc).__name__}: {exc}")


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection of the host's family (IPv4 or IPv6)."""
    sock = socket.socket(family(host), socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def status_line(sock: socket.socket, deadline: float) -> str:
    """The first line of an HTTP answer ("" if the peer closed without one)."""
    data = b""
    while b"\r\n" not in data and len(data) < 4096:
        sock.settimeout(max(0.01, deadline - now()))
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1", "replace")


def status_code(line: str) -> int | None:
    parts = line.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def request(host: str, path: str) -> bytes:
    """A GET with the Host header in URL form (an IPv6 address in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return (
        f"GET {path} HTTP/1.1\r\nHost: {shown}\r\nUser-Agent: {AGENT}/{AGENT_VERSION}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
