#!/usr/bin/env python3
"""kostack probe agent: run a plan of network probes from inside a pod and print what each saw.

One file, standard library only, Python 3.8 or newer, so it runs in any image
that has python3 (the image is the operator's choice; air-gapped registries
included). kostack hands it a plan and reads its output; it needs no kostack
installation, no credentials and no Kubernetes API access.

    python3 agent.py '<json plan>'          run the plan
    python3 agent.py --plan-file FILE       the same, plan read from FILE ("-" = stdin)
    python3 agent.py --serve PORT [--serve-seconds S]
                                            HTTP echo for pod-to-pod and MTU probes

A plan is ``{"version": 1, "timeout": 2.0, "parallel": true, "probes": [...]}``;
each probe has ``id``, ``kind`` and ``host`` (an IP address: the agent never
resolves names and never sends to anything that is not in its plan) and, by
kind:

- ``dns``: ``port`` (53), ``transport`` udp|tcp, ``name``, ``expect`` (an
  address the answer must hold). A hand-built A query; no resolver involved.
- ``tcp``: ``port``. TCP connect.
- ``tls``: ``port``. TLS handshake, then ``GET /version``: a handshake or
  certificate error, or HTTP 401/403, proves the path works ("reachable").
- ``http``: ``port``, ``path``. Any HTTP status line proves the path works.
- ``transfer``: ``port``, ``sizes`` (bytes). ``GET /bytes/N`` from a peer
  echo server; a transfer that stalls is the classic MTU symptom.
- ``icmp``: echo request (raw socket, else an unprivileged ICMP datagram
  socket, else "skipped: no raw socket"). ``virtual: true`` marks a
  ClusterIP: not judged, whatever comes back (it depends on the proxy mode).
- ``mtu``: ``sizes`` (IP packet sizes), ``expect``: DF-bit echo requests
  (IP_MTU_DISCOVER = IP_PMTUDISC_DO) of each size; reports the largest that
  passed.

``tcp``, ``http`` and ``transfer`` take ``answered_ok``: a refused connection
then proves the path is open (the target answered). Every probe has its own
``timeout`` (default: the plan's) and all probes run at once in threads unless
``parallel`` is false. Output: one JSON line per probe as it finishes
(``id, kind, target, verdict, detail, elapsed_ms, extra``; verdict pass,
fail, error, expected-no-reply or skipped), then one summary line
(``{"agent": "kostack-probe", "done": true, ...}``).
"""

from __future__ import annotations

import errno
import ipaddress
import json
import random
import socket
import struct
import sys
import threading
import time
from typing import Any, Callable

AGENT = "kostack-probe"
AGENT_VERSION = 1
MAX_PROBES = 2000
MAX_TRANSFER = 64 * 1024 * 1024
KINDS = ("dns", "tcp", "tls", "http", "transfer", "icmp", "mtu")
VERDICTS = ("pass", "fail", "error", "expected-no-reply", "skipped")
VIRTUAL_IP_NOTE = "not judged: virtual IP"

# Linux values; the socket module does not export them on every Python version.
IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)
IP_PMTUDISC_DO = getattr(socket, "IP_PMTUDISC_DO", 2)

# Timeouts: a socket timeout is socket.timeout on 3.8/3.9 and TimeoutError later.
_TIMEOUTS = (socket.timeout, TimeoutError)

_RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

_ident_lock = threading.Lock()
_ident_next = [random.randrange(0x1000, 0xF000)]


class PlanError(ValueError):
    """A plan the agent refuses to run (nothing is sent)."""


class Outcome:
    """What one probe saw."""

    def __init__(self, verdict: str, detail: str, **extra: Any) -> None:
        self.verdict = verdict
        self.detail = detail
        self.extra = extra


class NoIcmpSocket(Exception):
    """Neither a raw nor a datagram ICMP socket could be opened."""


# ---------------------------------------------------------------------------- helpers


def _now() -> float:
    return time.monotonic()


def _family(host: str) -> int:
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


def _next_ident() -> int:
    with _ident_lock:
        _ident_next[0] = (_ident_next[0] + 1) & 0xFFFF or 1
        return _ident_next[0]


def _errno_name(exc: OSError) -> str:
    code = exc.errno or 0
    return errno.errorcode.get(code, str(code))


def _connect_failure(exc: BaseException, timeout: float, answered_ok: bool) -> Outcome:
    """A failed TCP connect in plain words; a refusal proves the path when ``answered_ok``."""
    if isinstance(exc, _TIMEOUTS):
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
        return Outcome("fail", f"{_errno_name(exc)}: {exc.strerror or exc}", answered=False)
    return Outcome("error", f"{type(exc).__name__}: {exc}")


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _status_line(sock: socket.socket, deadline: float) -> str:
    """The first line of an HTTP answer ("" if the peer closed without one)."""
    data = b""
    while b"\r\n" not in data and len(data) < 4096:
        sock.settimeout(max(0.01, deadline - _now()))
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1", "replace")


def _status_code(line: str) -> int | None:
    parts = line.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def _request(host: str, path: str) -> bytes:
    shown = f"[{host}]" if ":" in host else host
    return (
        f"GET {path} HTTP/1.1\r\nHost: {shown}\r\nUser-Agent: {AGENT}/{AGENT_VERSION}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")


# ---------------------------------------------------------------------------- DNS


def dns_query(name: str, query_id: int) -> bytes:
    """A standard recursive A query for ``name``."""
    header = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("idna") if label else b""
        if not 0 < len(raw) < 64:
            raise PlanError(f"bad DNS name {name!r}")
        labels += bytes([len(raw)]) + raw
    return header + labels + b"\0" + struct.pack(">HH", 1, 1)


def _skip_name(message: bytes, offset: int) -> int:
    while True:
        length = message[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length


def dns_answer(message: bytes, query_id: int) -> tuple[int, list[str]]:
    """rcode and A addresses of a reply; ValueError when it is not the reply to ``query_id``."""
    if len(message) < 12:
        raise ValueError("short message")
    reply_id, flags, questions, answers, _ns, _ar = struct.unpack(">HHHHHH", message[:12])
    if reply_id != query_id or not flags & 0x8000:
        raise ValueError("not the reply to our query")
    offset = 12
    for _ in range(questions):
        offset = _skip_name(message, offset) + 4
    addresses = []
    for _ in range(answers):
        offset = _skip_name(message, offset)
        rtype, _rclass, _ttl, length = struct.unpack(">HHIH", message[offset : offset + 10])
        offset += 10
        if rtype == 1 and length == 4:
            addresses.append(socket.inet_ntoa(message[offset : offset + 4]))
        offset += length
    return flags & 0x000F, addresses


def _judge_dns(
    name: str, expect: str | None, rcode: int, addresses: list[str], via: str
) -> Outcome:
    if rcode != 0:
        return Outcome(
            "fail",
            f"answered {_RCODES.get(rcode, f'rcode {rcode}')} for {name} over {via}",
            answered=True,
            rcode=rcode,
        )
    if expect and expect not in addresses:
        return Outcome(
            "fail",
            "answered {} over {}, expected {}".format(
                ", ".join(addresses) or "no address", via, expect
            ),
            answered=True,
            addresses=addresses,
        )
    return Outcome(
        "pass",
        "{} -> {} over {}".format(name, ", ".join(addresses) or "no address", via),
        answered=True,
        addresses=addresses,
    )


def probe_dns(spec: dict[str, Any], timeout: float) -> Outcome:
    host, port = spec["host"], int(spec.get("port", 53))
    name = str(spec.get("name") or "kubernetes.default.svc.cluster.local")
    expect = spec.get("expect")
    transport = str(spec.get("transport", "udp")).lower()
    query_id = random.randrange(1, 0xFFFF)
    query = dns_query(name, query_id)
    deadline = _now() + timeout
    if transport == "tcp":
        try:
            sock = _connect(host, port, timeout)
        except BaseException as exc:  # every failure becomes a verdict
            return _connect_failure(exc, timeout, False)
        with sock:
            try:
                sock.sendall(struct.pack(">H", len(query)) + query)
                data = b""
                while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
                    sock.settimeout(max(0.01, deadline - _now()))
                    chunk = sock.recv(4096)
                    if not chunk:
                        return Outcome(
                            "fail", "TCP connected, closed without an answer", answered=True
                        )
                    data += chunk
            except _TIMEOUTS:
                return Outcome(
                    "fail", f"TCP connected, no answer within {timeout:g}s", answered=True
                )
            except OSError as exc:
                return _connect_failure(exc, timeout, False)
        try:
            rcode, addresses = dns_answer(data[2:], query_id)
        except (ValueError, struct.error, IndexError):
            return Outcome("fail", "TCP answer that is not a DNS reply", answered=True)
        return _judge_dns(name, expect, rcode, addresses, "TCP")
    with socket.socket(_family(host), socket.SOCK_DGRAM) as sock:
        # Connected: an ICMP port unreachable comes back as ConnectionRefusedError.
        sock.connect((host, port))
        sent_at = [_now()]
        sock.send(query)
        resend_at = sent_at[0] + timeout / 2
        while True:
            now = _now()
            if now >= deadline:
                return Outcome(
                    "fail", f"timed out after {timeout:g}s (UDP, 2 queries)", answered=False
                )
            if resend_at and now >= resend_at:
                sock.send(query)  # one retransmission, as resolvers do
                resend_at = 0.0
            wait = (resend_at or deadline) - now
            sock.settimeout(max(0.01, wait))
            try:
                message = sock.recv(4096)
            except _TIMEOUTS:
                continue
            except ConnectionRefusedError:
                return Outcome(
                    "fail",
                    f"port unreachable: nothing answers DNS on {host}:{port}",
                    answered=True,
                )
            except OSError as exc:
                return _connect_failure(exc, timeout, False)
            try:
                rcode, addresses = dns_answer(message, query_id)
            except (ValueError, struct.error, IndexError):
                continue
            return _judge_dns(name, expect, rcode, addresses, "UDP")


# ---------------------------------------------------------------------------- TCP, TLS, HTTP


def probe_tcp(spec: dict[str, Any], timeout: float) -> Outcome:
    try:
        sock = _connect(spec["host"], int(spec["port"]), timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return _connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    sock.close()
    return Outcome("pass", "connected", answered=True)


def probe_tls(spec: dict[str, Any], timeout: float) -> Outcome:
    import ssl  # imported by the one probe that needs it: every agent start pays for imports

    host, port = spec["host"], int(spec.get("port", 443))
    deadline = _now() + timeout
    try:
        raw = _connect(host, port, timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return _connect_failure(exc, timeout, False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Reachability, not trust: kostack has no CA to check against, and a
    # certificate error would prove connectivity anyway.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    server_name = spec.get("server_name") or None
    try:
        raw.settimeout(max(0.01, deadline - _now()))
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            version = tls.version() or "TLS"
            tls.sendall(_request(host, str(spec.get("path", "/version"))))
            try:
                line = _status_line(tls, deadline)
            except (*_TIMEOUTS, OSError):
                line = ""
            code = _status_code(line)
            if code in (401, 403):
                return Outcome(
                    "pass",
                    f"reachable: HTTP {code} proves connectivity ({version} handshake completed)",
                    answered=True,
                    status=code,
                    tls=version,
                )
            if code is not None:
                return Outcome(
                    "pass",
                    f"HTTP {code} over {version}",
                    answered=True,
                    status=code,
                    tls=version,
                )
            return Outcome(
                "pass",
                f"{version} handshake completed (no HTTP answer)",
                answered=True,
                tls=version,
            )
    except ssl.SSLError as exc:
        return Outcome(
            "pass",
            "reachable: TLS handshake error proves connectivity (%s)" % (exc.reason or exc),
            answered=True,
        )
    except _TIMEOUTS:
        return Outcome(
            "fail",
            f"TCP connected but the TLS handshake stalled for {timeout:g}s (large packets lost? see the MTU probe)",
            answered=True,
        )
    except OSError as exc:
        return _connect_failure(exc, timeout, False)
    finally:
        raw.close()


def probe_http(spec: dict[str, Any], timeout: float) -> Outcome:
    host, port = spec["host"], int(spec.get("port", 80))
    deadline = _now() + timeout
    try:
        sock = _connect(host, port, timeout)
    except BaseException as exc:  # every failure becomes a verdict
        return _connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    with sock:
        try:
            sock.sendall(_request(host, str(spec.get("path", "/"))))
            line = _status_line(sock, deadline)
        except _TIMEOUTS:
            return Outcome("fail", f"connected, no HTTP answer within {timeout:g}s", answered=True)
        except OSError as exc:
            return _connect_failure(exc, timeout, bool(spec.get("answered_ok")))
    code = _status_code(line)
    if code is None:
        return Outcome("fail", "connected, but the answer is not HTTP", answered=True)
    return Outcome("pass", f"HTTP {code}", answered=True, status=code)


def _transfer_one(host: str, port: int, size: int, deadline: float) -> tuple[bool, int, str]:
    """GET /bytes/SIZE; (complete, bytes of body received, how it ended)."""
    sock = _connect(host, port, max(0.01, deadline - _now()))
    with sock:
        sock.sendall(_request(host, f"/bytes/{size}"))
        data = b""
        while b"\r\n\r\n" not in data:
            sock.settimeout(max(0.01, deadline - _now()))
            chunk = sock.recv(65536)
            if not chunk:
                return False, 0, "closed before the response head"
            data += chunk
        received = len(data.split(b"\r\n\r\n", 1)[1])
        try:
            while received < size:
                sock.settimeout(max(0.01, deadline - _now()))
                chunk = sock.recv(1 << 20)
                if not chunk:
                    return False, received, f"closed after {received} of {size} bytes"
                received += len(chunk)
        except _TIMEOUTS:
            return False, received, f"stalled after {received} of {size} bytes"
    return True, received, "complete"


def probe_transfer(spec: dict[str, Any], timeout: float) -> Outcome:
    host, port = spec["host"], int(spec.get("port", 8080))
    sizes = sorted({max(1, min(int(s), MAX_TRANSFER)) for s in spec.get("sizes") or [1 << 20]})
    started = _now()
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
        thread.join(max(0.0, deadline - _now()) + 1.0)
    if failures and not ended:
        return _connect_failure(failures[0], timeout, bool(spec.get("answered_ok")))
    ok = [s for s in sizes if ended.get(s, (False, 0, ""))[0]]
    largest = max(ok) if ok else None
    seconds = _now() - started
    states = {str(s): (ended[s][2] if s in ended else "no answer") for s in sizes}
    if len(ok) == len(sizes):
        return Outcome(
            "pass",
            f"{max(sizes)} bytes in {seconds:.2f}s",
            answered=True,
            largest_ok=largest,
            sizes=states,
        )
    worst = min(s for s in sizes if s not in ok)
    how = ended[worst][2] if worst in ended else f"no answer within {timeout:g}s"
    passed = f" ({largest} bytes passed)" if largest else ""
    return Outcome(
        "fail",
        f"{worst}-byte transfer {how}{passed}",
        answered=bool(ended),
        largest_ok=largest,
        sizes=states,
    )


# ---------------------------------------------------------------------------- ICMP


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _echo_request(ident: int, seq: int, payload: bytes) -> bytes:
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, seq) + payload


def _icmp_socket(df: bool) -> tuple[socket.socket, str]:
    """A raw ICMP socket, else an unprivileged datagram one (ping_group_range)."""
    sock = None
    mode = ""
    for kind, label in ((socket.SOCK_RAW, "raw"), (socket.SOCK_DGRAM, "datagram")):
        try:
            sock = socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)
            mode = label
            break
        except OSError:
            continue
    if sock is None:
        raise NoIcmpSocket()
    if df:
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    return sock, mode


def _parse_icmp(data: bytes, mode: str) -> tuple[int, int, int, bytes]:
    """(type, ident, seq, the rest) of an ICMP message (raw sockets include the IP header)."""
    offset = (data[0] & 0x0F) * 4 if mode == "raw" else 0
    icmp_type, _code, _sum, ident, seq = struct.unpack("!BBHHH", data[offset : offset + 8])
    return icmp_type, ident, seq, data[offset + 8 :]


def _echo_exchange(
    host: str,
    sizes: list[int],
    timeout: float,
    df: bool,
) -> tuple[dict[int, str], str, str]:
    """Send one echo request per IP packet size (and one retry); per size ok|lost|local|unreachable."""
    sock, mode = _icmp_socket(df)
    ident = _next_ident()
    status: dict[int, str] = {}
    packets: dict[int, bytes] = {}
    for seq, size in enumerate(sizes, start=1):
        payload_len = max(0, size - 28)
        payload = (b"kostack-probe-" * (payload_len // 14 + 1))[:payload_len]
        packets[seq] = _echo_request(ident, seq, payload)
    seq_size = {seq: size for seq, size in enumerate(sizes, start=1)}
    note = ""
    deadline = _now() + timeout
    with sock:

        def send_pending() -> None:
            for seq, packet in packets.items():
                if seq_size[seq] in status:
                    continue
                try:
                    sock.sendto(packet, (host, 0))
                except OSError as exc:
                    if exc.errno == errno.EMSGSIZE:
                        status[seq_size[seq]] = "local"
                    elif exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                        status[seq_size[seq]] = "unreachable"
                    else:
                        raise

        send_pending()
        resend_at = _now() + timeout / 2
        while len(status) < len(sizes):
            now = _now()
            if now >= deadline:
                break
            if resend_at and now >= resend_at:
                send_pending()
                resend_at = 0.0
            sock.settimeout(max(0.01, (resend_at or deadline) - now))
            try:
                data, peer = sock.recvfrom(65535)
            except _TIMEOUTS:
                continue
            try:
                icmp_type, reply_ident, seq, rest = _parse_icmp(data, mode)
            except (struct.error, IndexError):
                continue
            if icmp_type == 0 and peer[0] == host and seq in seq_size:
                if mode == "raw" and reply_ident != ident:
                    continue  # another probe's reply: raw sockets see every ICMP packet
                status.setdefault(seq_size[seq], "ok")
            elif icmp_type == 3 and mode == "raw" and len(rest) >= 28:
                # Destination unreachable quoting our request: IP header + 8 bytes of ICMP.
                quoted = rest[(rest[0] & 0x0F) * 4 :]
                if len(quoted) >= 8:
                    _t, _c, _s, q_ident, q_seq = struct.unpack("!BBHHH", quoted[:8])
                    if q_ident == ident and q_seq in seq_size:
                        code = data[(data[0] & 0x0F) * 4 + 1]
                        status.setdefault(seq_size[q_seq], "unreachable")
                        if code == 4:
                            status[seq_size[q_seq]] = "frag-needed"
                        note = f"destination unreachable (code {code}) from {peer[0]}"
    for size in sizes:
        status.setdefault(size, "lost")
    return status, mode, note


def probe_icmp(spec: dict[str, Any], timeout: float) -> Outcome:
    host = spec["host"]
    virtual = bool(spec.get("virtual"))
    size = int(spec.get("size", 64))
    if _family(host) != socket.AF_INET:
        if virtual:
            return Outcome("expected-no-reply", VIRTUAL_IP_NOTE + " (IPv6 echo not sent)")
        return Outcome("skipped", "skipped: IPv6 ICMP is not implemented by this agent")
    try:
        status, mode, note = _echo_exchange(host, [size], timeout, df=False)
    except NoIcmpSocket:
        if virtual:
            return Outcome("expected-no-reply", VIRTUAL_IP_NOTE + " (not sent: no raw socket)")
        return Outcome(
            "skipped", "skipped: no raw socket (no NET_RAW and ping_group_range excludes us)"
        )
    state = status[size]
    if virtual:
        if state == "ok":
            return Outcome(
                "expected-no-reply",
                VIRTUAL_IP_NOTE + "; an echo reply came (in IPVS mode the node itself "
                "answers), which says nothing about the service",
                replied=True,
                socket=mode,
            )
        return Outcome(
            "expected-no-reply",
            VIRTUAL_IP_NOTE + " (no echo reply: iptables, nftables and Cilium do not answer), "
            "which says nothing about the service",
            replied=False,
            socket=mode,
        )
    if state == "ok":
        return Outcome("pass", f"echo reply ({mode} socket)", answered=True, socket=mode)
    if state == "lost":
        return Outcome(
            "fail", f"no echo reply within {timeout:g}s (2 requests)", answered=False, socket=mode
        )
    return Outcome("fail", note or state, answered=True, socket=mode)


def probe_mtu(spec: dict[str, Any], timeout: float) -> Outcome:
    host = spec["host"]
    sizes = sorted(
        {min(max(int(s), 68), 65535) for s in spec.get("sizes") or [1280, 1400, 1450, 1500]}
    )
    expect = spec.get("expect")
    if _family(host) != socket.AF_INET:
        return Outcome("skipped", "skipped: IPv6 path MTU probes are not implemented by this agent")
    try:
        status, mode, note = _echo_exchange(host, sizes, timeout, df=True)
    except NoIcmpSocket:
        return Outcome(
            "skipped", "skipped: no raw socket (DF-bit echo needs NET_RAW or ping_group_range)"
        )
    ok = [s for s in sizes if status[s] == "ok"]
    lost = [s for s in sizes if status[s] in ("lost", "frag-needed", "unreachable")]
    local = [s for s in sizes if status[s] == "local"]
    extra: dict[str, Any] = {
        "largest_ok": max(ok) if ok else None,
        "smallest_lost": min(lost) if lost else None,
        "local_limit": min(local) if local else None,
        "sizes": {str(s): status[s] for s in sizes},
        "socket": mode,
    }
    if not ok:
        return Outcome(
            "skipped",
            "skipped: no DF echo of any size came back, so the path is blocked or drops ICMP; "
            "MTU not measurable (see the pod-to-pod probes)",
            **extra,
        )
    largest = max(ok)
    if expect is not None:
        target = int(expect)
        if status.get(target) == "local":
            below = [s for s in sizes if s < target and status[s] != "local"]
            target = max(below) if below else largest
        if largest >= target:
            return Outcome(
                "pass",
                f"{target}-byte DF packets pass (largest tested that passed: {largest})",
                **extra,
            )
        return Outcome(
            "fail",
            f"largest DF packet that passed: {largest} bytes; "
            f"{min((s for s in lost if s > largest), default=target)} bytes lost"
            f"{', ' + note if note else ''}: pods send up to {int(expect)} bytes (their MTU)",
            **extra,
        )
    bigger_lost = [s for s in lost if s > largest]
    if not bigger_lost and not [s for s in lost if s < largest]:
        return Outcome("pass", f"every DF size passed up to {largest} bytes", **extra)
    return Outcome(
        "fail", f"largest DF packet that passed: {largest} bytes; larger ones are lost", **extra
    )


PROBES: dict[str, Callable[[dict[str, Any], float], Outcome]] = {
    "dns": probe_dns,
    "tcp": probe_tcp,
    "tls": probe_tls,
    "http": probe_http,
    "transfer": probe_transfer,
    "icmp": probe_icmp,
    "mtu": probe_mtu,
}


# ---------------------------------------------------------------------------- the plan


def validate(plan: Any) -> tuple[list[dict[str, Any]], float, bool]:
    """Check a plan; raise PlanError before anything is sent."""
    if not isinstance(plan, dict):
        raise PlanError("the plan must be a JSON object")
    probes = plan.get("probes")
    if not isinstance(probes, list) or not probes:
        raise PlanError("the plan has no probes")
    if len(probes) > MAX_PROBES:
        raise PlanError(f"too many probes ({len(probes)} > {MAX_PROBES})")
    timeout = float(plan.get("timeout", 2.0))
    if not 0.05 <= timeout <= 120:
        raise PlanError("timeout must be between 0.05 and 120 seconds")
    seen = set()
    for spec in probes:
        if not isinstance(spec, dict):
            raise PlanError("every probe must be a JSON object")
        ident = spec.get("id")
        if not isinstance(ident, str) or not ident or ident in seen:
            raise PlanError(f"every probe needs a unique string id ({ident!r})")
        seen.add(ident)
        if spec.get("kind") not in KINDS:
            raise PlanError("probe {}: unknown kind {!r}".format(ident, spec.get("kind")))
        try:
            ipaddress.ip_address(str(spec.get("host")))
        except ValueError:
            raise PlanError(
                "probe {}: host {!r} is not an IP address (the agent never resolves names)".format(
                    ident, spec.get("host")
                )
            ) from None
        port = spec.get("port")
        if port is not None and not (isinstance(port, int) and 0 < port < 65536):
            raise PlanError(f"probe {ident}: bad port {port!r}")
    return probes, timeout, bool(plan.get("parallel", True))


def run_one(spec: dict[str, Any], default_timeout: float) -> dict[str, Any]:
    """Run one probe; every exception becomes a result, never a crash."""
    kind = str(spec["kind"])
    timeout = float(spec.get("timeout") or default_timeout)
    timeout = min(max(timeout, 0.05), 120.0)
    port = spec.get("port")
    target = "{}:{}".format(spec["host"], port) if port else str(spec["host"])
    started = _now()
    try:
        outcome = PROBES[kind](spec, timeout)
    except PlanError as exc:
        outcome = Outcome("error", str(exc))
    except _TIMEOUTS:
        outcome = Outcome("fail", f"timed out after {timeout:g}s", answered=False)
    except OSError as exc:
        outcome = Outcome("error", f"{_errno_name(exc)}: {exc.strerror or exc}")
    except Exception as exc:  # a bug in one probe must not lose the others
        outcome = Outcome("error", f"{type(exc).__name__}: {exc}")
    return {
        "id": spec["id"],
        "kind": kind,
        "target": target,
        "verdict": outcome.verdict,
        "detail": outcome.detail,
        "elapsed_ms": round((_now() - started) * 1000.0, 1),
        "extra": outcome.extra,
    }


def source_ip(host: str) -> str | None:
    """The address this pod sends from towards ``host`` (a UDP connect sends nothing)."""
    try:
        with socket.socket(_family(host), socket.SOCK_DGRAM) as sock:
            sock.connect((host, 9))
            return str(sock.getsockname()[0])
    except OSError:
        return None


def run_plan(plan: Any, emit: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """Run every probe of ``plan`` (at once unless ``parallel`` is false); emit each result."""
    probes, timeout, parallel = validate(plan)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def work(spec: dict[str, Any]) -> None:
        result = run_one(spec, timeout)
        with lock:
            results.append(result)
            emit(result)

    started = _now()
    if parallel:
        threads = [threading.Thread(target=work, args=(spec,), daemon=True) for spec in probes]
        for thread in threads:
            thread.start()
        longest = max(float(s.get("timeout") or timeout) for s in probes)
        hard_stop = started + longest + 5.0
        for thread in threads:
            thread.join(max(0.0, hard_stop - _now()))
        with lock:
            done = {r["id"] for r in results}
            for spec in probes:
                if spec["id"] not in done:
                    late = {
                        "id": spec["id"],
                        "kind": spec["kind"],
                        "target": str(spec["host"]),
                        "verdict": "error",
                        "detail": "did not finish within its timeout",
                        "elapsed_ms": round((_now() - started) * 1000.0, 1),
                        "extra": {},
                    }
                    results.append(late)
                    emit(late)
    else:
        for spec in probes:
            work(spec)
    emit(
        {
            "agent": AGENT,
            "version": AGENT_VERSION,
            "done": True,
            "probes": len(results),
            "elapsed_ms": round((_now() - started) * 1000.0, 1),
            "source_ip": source_ip(str(probes[0]["host"])),
            "hostname": socket.gethostname(),
            "python": ".".join(str(part) for part in sys.version_info[:3]),
        }
    )
    return results


# ---------------------------------------------------------------------------- echo server


def _echo_reply(rfile: Any, wfile: Any) -> None:
    """Answer one HTTP request: ``/bytes/N`` with N bytes, anything else with who we are."""
    line = rfile.readline(4096)
    while True:
        header = rfile.readline(4096)
        if not header or header in (b"\r\n", b"\n"):
            break
    parts = line.split()
    path = parts[1].decode("latin-1", "replace") if len(parts) >= 2 else "/"
    if path.startswith("/bytes/"):
        try:
            size = min(int(path[len("/bytes/") :]), MAX_TRANSFER)
        except ValueError:
            size = 0
        wfile.write(
            f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode()
        )
        block = b"x" * 65536
        remaining = size
        while remaining > 0:
            piece = block[: min(len(block), remaining)]
            wfile.write(piece)
            remaining -= len(piece)
        return
    body = (
        json.dumps({"agent": AGENT, "host": socket.gethostname(), "path": path}) + "\n"
    ).encode()
    wfile.write(
        (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )


def serve(port: int, seconds: float) -> int:
    """HTTP echo on ``port`` for ``seconds`` (``/bytes/N`` answers N bytes)."""
    import socketserver  # only the echo pods need it: probe runs start faster without

    class Handler(socketserver.StreamRequestHandler):
        timeout = 30

        def handle(self) -> None:
            _echo_reply(self.rfile, self.wfile)

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 128

    server = Server(("0.0.0.0", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(json.dumps({"agent": AGENT, "serving": port, "seconds": seconds}), flush=True)
    time.sleep(seconds)  # the pod's lifetime; kostack deletes it earlier
    server.shutdown()
    return 0


# ---------------------------------------------------------------------------- main


def _print_line(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(__doc__ or "")
        return 0 if args else 2
    if args[0] == "--serve":
        if len(args) < 2 or not args[1].isdigit():
            sys.stderr.write("usage: agent.py --serve PORT [--serve-seconds S]\n")
            return 2
        seconds = 600.0
        if len(args) >= 4 and args[2] == "--serve-seconds":
            seconds = float(args[3])
        return serve(int(args[1]), seconds)
    try:
        if args[0] == "--plan-file":
            if len(args) < 2:
                raise PlanError("--plan-file needs a file name")
            if args[1] == "-":
                text = sys.stdin.read()
            else:
                with open(args[1], encoding="utf-8") as stream:
                    text = stream.read()
        else:
            text = args[0]
        try:
            plan = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"the plan is not JSON: {exc}") from None
        run_plan(plan, _print_line)
    except PlanError as exc:
        _print_line(
            {"agent": AGENT, "version": AGENT_VERSION, "done": True, "error": str(exc), "probes": 0}
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
