"""The probe agent's TCP probes: connect, TLS handshake, HTTP status line, transfer.

Standard library only, Python 3.8 or newer: shipped beside ``agent.py`` (see there).
Every probe works over IPv4 and IPv6 alike: the socket takes the target's family.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # part of kostack (tests, the DaemonSet image)
    from kostack.probe import agent_base as base
else:  # a file beside agent.py in a pod: agent.py put its folder on sys.path
    import agent_base as base


def probe_tcp(spec: dict[str, Any], timeout: float) -> base.Outcome:
    try:
        sock = base.connect(spec["host"], int(spec["port"]), timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return base.connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    sock.close()
    return base.Outcome("pass", "connected", answered=True)


def probe_tls(spec: dict[str, Any], timeout: float) -> base.Outcome:
    import ssl  # imported by the one probe that needs it: every agent start pays for imports

    host, port = spec["host"], int(spec.get("port", 443))
    deadline = base.now() + timeout
    try:
        raw = base.connect(host, port, timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return base.connect_failure(exc, timeout, False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Reachability, not trust: kostack has no CA to check against, and a
    # certificate error would prove connectivity anyway.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    server_name = spec.get("server_name") or None
    try:
        raw.settimeout(max(0.01, deadline - base.now()))
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            version = tls.version() or "TLS"
            tls.sendall(base.request(host, str(spec.get("path", "/version"))))
            try:
                line = base.status_line(tls, deadline)
            except (*base.TIMEOUTS, OSError):
                line = ""
            code = base.status_code(line)
            if code in (401, 403):
                return base.Outcome(
                    "pass",
                    f"reachable: HTTP {code} proves connectivity ({version} handshake completed)",
                    answered=True,
                    status=code,
                    tls=version,
                )
            if code is not None:
                return base.Outcome(
                    "pass",
                    f"HTTP {code} over {version}",
                    answered=True,
                    status=code,
                    tls=version,
                )
            return base.Outcome(
                "pass",
                f"{version} handshake completed (no HTTP answer)",
                answered=True,
                tls=version,
            )
    except ssl.SSLError as exc:
        return base.Outcome(
            "pass",
            "reachable: TLS handshake error proves connectivity (%s)" % (exc.reason or exc),
            answered=True,
        )
    except base.TIMEOUTS:
        return base.Outcome(
            "fail",
            f"TCP connected but the TLS handshake stalled for {timeout:g}s (large packets lost? see the MTU probe)",
            answered=True,
        )
    except OSError as exc:
        return base.connect_failure(exc, timeout, False)
    finally:
        raw.close()


def probe_http(spec: dict[str, Any], timeout: float) -> base.Outcome:
    host, port = spec["host"], int(spec.get("port", 80))
    deadline = base.now() + timeout
    try:
        sock = base.connect(host, port, timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return base.connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    with sock:
        try:
            sock.sendall(base.request(host, str(spec.get("path", "/"))))
            line = base.status_line(sock, deadline)
        except base.TIMEOUTS:
            return base.Outcome(
                "fail", f"connected, no HTTP answer within {timeout:g}s", answered=True
            )
        except OSError as exc:
            return base.connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    code = base.status_code(line)
    if code is None:
        return base.Outcome("fail", "connected, but the answer is not HTTP", answered=True)
    return base.Outcome("pass", f"HTTP {code}", answered=True, status=code)


def _transfer_one(host: str, port: int, size: int, deadline: float) -> tuple[bool, int, str]:
    """GET /bytes/SIZE; (complete, bytes of body received, how it ended)."""
    sock = base.connect(host, port, max(0.01, deadline - base.now()))
    with sock:
        sock.sendall(base.request(host, f"/bytes/{size}"))
        data = b""
        while b"\r\n\r\n" not in data:
            sock.settimeout(max(0.01, deadline - base.now()))
            chunk = sock.recv(65536)
            if not chunk:
                return False, 0, "closed before the response head"
            data += chunk
        received = len(data.split(b"\r\n\r\n", 1)[1])
        try:
            while received < size:
                sock.settimeout(max(0.01, deadline - base.now()))
                chunk = sock.recv(1 << 20)
                if not chunk:
                    return False, received, f"closed after {received} of {size} bytes"
                received += len(chunk)
        except base.TIMEOUTS:
            return False, received, f"stalled after {received} of {size} bytes"
    return True, received, "complete"


def probe_transfer(spec: dict[str, Any], timeout: float) -> base.Outcome:
    host, port = spec["host"], int(spec.get("port", 8080))
    sizes = sorted({max(1, min(int(s), base.MAX_TRANSFER)) for s in spec.get("sizes") or [1 << 20]})
    started = base.now()
    deadline = started + timeout
    ended: dict[int, tuple[bool, int, str]] = {}
    failures: list[BaseException] = []

    def fetch(size: int) -> None:
        try:
            ended[size] = _transfer_one(host, port, size, deadline)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=fetch, args=(s,), daemon=True) for s in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - base.now()) + 1.0)
    if failures and not ended:
        return base.connect_failure(failures[0], timeout, bool(spec.get("answered_ok")))
    ok = [s for s in sizes if ended.get(s, (False, 0, ""))[0]]
    largest = max(ok) if ok else None
    seconds = base.now() - started
    states = {str(s): (ended[s][2] if s in ended else "no answer") for s in sizes}
    if len(ok) == len(sizes):
        return base.Outcome(
            "pass",
            f"{max(sizes)} bytes in {seconds:.2f}s",
            answered=True,
            largest_ok=largest,
            sizes=states,
        )
    worst = min(s for s in sizes if s not in ok)
    how = ended[worst][2] if worst in ended else f"no answer within {timeout:g}s"
    passed = f" ({largest} bytes passed)" if largest else ""
    return base.Outcome(
        "fail",
        f"{worst}-byte transfer {how}{passed}",
        answered=bool(ended),
        largest_ok=largest,
        sizes=states,
    )
