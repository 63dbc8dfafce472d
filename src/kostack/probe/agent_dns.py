"""The probe agent's DNS probe: a hand-built A or AAAA query over UDP or TCP, no resolver.

Standard library only, Python 3.8 or newer: shipped beside ``agent.py`` (see there).
The pod's resolver (and its search list, ndots and caches) is never involved:
the query goes to the address in the plan and the answer is parsed here, so a
probe tells what that DNS server answers over that path and nothing else.
The server may be an IPv4 or an IPv6 address (a dual-stack kube-dns has both);
``record`` A (default) or AAAA chooses what is asked for.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # part of kostack (tests, the DaemonSet image)
    from kostack.probe import agent_base as base
else:  # a file beside agent.py in a pod: agent.py put its folder on sys.path
    import agent_base as base

QTYPE_A = 1
QTYPE_AAAA = 28
RECORD_TYPES = {"A": QTYPE_A, "AAAA": QTYPE_AAAA}
_RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def record_type(spec: dict[str, Any]) -> int:
    """The query type a probe asks for: ``record`` A (default) or AAAA."""
    record = str(spec.get("record") or "A").upper()
    if record not in RECORD_TYPES:
        raise base.PlanError(f"unknown DNS record type {record!r} (A or AAAA)")
    return RECORD_TYPES[record]


def _canonical(address: str) -> str:
    """``expect`` as inet_ntop prints it (fd00:0::1 and fd00::1 are one address)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def dns_query(name: str, query_id: int, qtype: int = QTYPE_A) -> bytes:
    """A standard recursive query for ``name`` (A, or AAAA with ``qtype=28``)."""
    header = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("idna") if label else b""
        if not 0 < len(raw) < 64:
            raise base.PlanError(f"bad DNS name {name!r}")
        labels += bytes([len(raw)]) + raw
    return header + labels + b"\0" + struct.pack(">HH", qtype, 1)


def _skip_name(message: bytes, offset: int) -> int:
    while True:
        length = message[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length


def dns_answer(message: bytes, query_id: int, qtype: int = QTYPE_A) -> tuple[int, list[str]]:
    """rcode and the A (or AAAA) addresses of a reply; ValueError if not the reply to ``query_id``."""
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
        if rtype == qtype == QTYPE_A and length == 4:
            addresses.append(socket.inet_ntoa(message[offset : offset + 4]))
        elif rtype == qtype == QTYPE_AAAA and length == 16:
            addresses.append(socket.inet_ntop(socket.AF_INET6, message[offset : offset + 16]))
        offset += length
    return flags & 0x000F, addresses


def _judge_dns(
    name: str, expect: str | None, rcode: int, addresses: list[str], via: str, qtype: int
) -> base.Outcome:
    # An A answer reads as before; an AAAA one says so (the same name has both).
    shown = name if qtype == QTYPE_A else f"{name} AAAA"
    if rcode != 0:
        return base.Outcome(
            "fail",
            f"answered {_RCODES.get(rcode, f'rcode {rcode}')} for {shown} over {via}",
            answered=True,
            rcode=rcode,
        )
    if expect and expect not in addresses:
        return base.Outcome(
            "fail",
            "answered {} over {}, expected {}".format(
                ", ".join(addresses) or "no address", via, expect
            ),
            answered=True,
            addresses=addresses,
        )
    return base.Outcome(
        "pass",
        "{} -> {} over {}".format(shown, ", ".join(addresses) or "no address", via),
        answered=True,
        addresses=addresses,
    )


def _port_unreachable(host: str, port: int) -> base.Outcome:
    return base.Outcome(
        "fail", f"port unreachable: nothing answers DNS on {host}:{port}", answered=True
    )


def probe_dns(spec: dict[str, Any], timeout: float) -> base.Outcome:
    host, port = spec["host"], int(spec.get("port", 53))
    name = str(spec.get("name") or "kubernetes.default.svc.cluster.local")
    qtype = record_type(spec)
    expect = spec.get("expect")
    if expect:
        expect = _canonical(str(expect))
    transport = str(spec.get("transport", "udp")).lower()
    query_id = random.randrange(1, 0xFFFF)
    query = dns_query(name, query_id, qtype)
    deadline = base.now() + timeout
    if transport == "tcp":
        try:
            sock = base.connect(host, port, timeout)
        except BaseException as exc:  # every failure becomes a verdict
            return base.connect_failure(exc, timeout, False)
        with sock:
            try:
                sock.sendall(struct.pack(">H", len(query)) + query)
                data = b""
                while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
                    sock.settimeout(max(0.01, deadline - base.now()))
                    chunk = sock.recv(4096)
                    if not chunk:
                        return base.Outcome(
                            "fail", "TCP connected, closed without an answer", answered=True
                        )
                    data += chunk
            except base.TIMEOUTS:
                return base.Outcome(
                    "fail", f"TCP connected, no answer within {timeout:g}s", answered=True
                )
            except OSError as exc:
                return base.connect_failure(exc, timeout, False)
        try:
            rcode, addresses = dns_answer(data[2:], query_id, qtype)
        except (ValueError, struct.error, IndexError):
            return base.Outcome("fail", "TCP answer that is not a DNS reply", answered=True)
        return _judge_dns(name, expect, rcode, addresses, "TCP", qtype)
    with socket.socket(base.family(host), socket.SOCK_DGRAM) as sock:
        # Connected: an ICMP port unreachable comes back as ConnectionRefusedError.
        try:
            sock.connect((host, port))  # no route: ENETUNREACH here, a failed path
            sock.send(query)
        except OSError as exc:
            return base.connect_failure(exc, timeout, False)
        resend_at = base.now() + timeout / 2
        while True:
            moment = base.now()
            if moment >= deadline:
                return base.Outcome(
                    "fail", f"timed out after {timeout:g}s (UDP, 2 queries)", answered=False
                )
            if resend_at and moment >= resend_at:
                resend_at = 0.0
                try:
                    sock.send(query)  # one retransmission, as resolvers do
                except ConnectionRefusedError:  # the first query's port unreachable
                    return _port_unreachable(host, port)
                except OSError as exc:
                    return base.connect_failure(exc, timeout, False)
            wait = (resend_at or deadline) - moment
            sock.settimeout(max(0.01, wait))
            try:
                message = sock.recv(4096)
            except base.TIMEOUTS:
                continue
            except ConnectionRefusedError:
                return _port_unreachable(host, port)
            except OSError as exc:
                return base.connect_failure(exc, timeout, False)
            try:
                rcode, addresses = dns_answer(message, query_id, qtype)
            except (ValueError, struct.error, IndexError):
                continue
            return _judge_dns(name, expect, rcode, addresses, "UDP", qtype)
