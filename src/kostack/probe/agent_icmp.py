"""The probe agent's ICMP probes: echo (ping) and path MTU, over IPv4 and IPv6.

Standard library only, Python 3.8 or newer: shipped beside ``agent.py`` (see there).

IPv4: echo requests (type 8) on a raw socket (the IP header comes back with
every packet read), else an unprivileged datagram socket (ping_group_range);
the checksum is ours. The MTU probe sets DF (IP_MTU_DISCOVER = IP_PMTUDISC_DO)
so a router that cannot forward a size answers "fragmentation needed" (type 3
code 4) or the packet is lost.

IPv6 (RFC 4443): echo requests are type 128, replies 129. On a raw ICMPv6
socket the kernel computes the checksum itself (it needs the pseudo-header; RFC
3542 section 3.1 makes that mandatory for ICMPv6 raw sockets) and a read
returns the ICMPv6 message without the IPv6 header. IPv6 has no DF bit: routers
never fragment, a packet larger than a link's MTU is dropped with an ICMPv6
"packet too big" (type 2, carrying that MTU), and only the sender may fragment.
So the MTU probe sets IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DO (Linux: the sender
does not fragment either, a send above the known path MTU fails with EMSGSIZE)
and sends unfragmented echo requests of each size: a size that comes back fits
the path, "packet too big" or silence means it does not (an overlay that drops
oversized encapsulated packets sends nothing back: the classic symptom).
"""

from __future__ import annotations

import errno
import ipaddress
import random
import socket
import struct
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # part of kostack (tests, the DaemonSet image)
    from kostack.probe import agent_base as base
else:  # a file beside agent.py in a pod: agent.py put its folder on sys.path
    import agent_base as base

VIRTUAL_IP_NOTE = "not judged: virtual IP"

# Linux values; the socket module does not export them on every Python version.
IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)
IP_PMTUDISC_DO = getattr(socket, "IP_PMTUDISC_DO", 2)
IPV6_MTU_DISCOVER = getattr(socket, "IPV6_MTU_DISCOVER", 23)
IPV6_PMTUDISC_DO = getattr(socket, "IPV6_PMTUDISC_DO", 2)
IPPROTO_ICMPV6 = getattr(socket, "IPPROTO_ICMPV6", 58)

ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
HEADERS = {4: 20 + 8, 6: 40 + 8}  # IP header + ICMP echo header: a size is the IP packet's
SMALLEST = {4: 68, 6: 48}  # IPv4's minimum MTU; IPv6: an empty echo request

_ident_lock = threading.Lock()
_ident_next = [random.randrange(0x1000, 0xF000)]


class NoIcmpSocket(Exception):
    """Neither a raw nor a datagram ICMP socket could be opened."""


def _next_ident() -> int:
    with _ident_lock:
        _ident_next[0] = (_ident_next[0] + 1) & 0xFFFF or 1
        return _ident_next[0]


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _echo_request(ident: int, seq: int, payload: bytes, version: int = 4) -> bytes:
    """An echo request; for IPv6 the checksum is left 0: the kernel fills it in."""
    kind = ECHO_REQUEST[version]
    if version == 6:
        return struct.pack("!BBHHH", kind, 0, 0, ident, seq) + payload
    header = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    return struct.pack("!BBHHH", kind, 0, _checksum(header + payload), ident, seq) + payload


def _icmp_socket(df: bool, version: int = 4) -> tuple[socket.socket, str]:
    """A raw ICMP(v6) socket, else an unprivileged datagram one (ping_group_range)."""
    sock = None
    mode = ""
    address_family = socket.AF_INET6 if version == 6 else socket.AF_INET
    protocol = IPPROTO_ICMPV6 if version == 6 else socket.IPPROTO_ICMP
    for kind, label in ((socket.SOCK_RAW, "raw"), (socket.SOCK_DGRAM, "datagram")):
        try:
            sock = socket.socket(address_family, kind, protocol)
            mode = label
            break
        except OSError:
            continue
    if sock is None:
        raise NoIcmpSocket()
    if df and version == 6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
    elif df:
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    return sock, mode


def _parse_icmp(data: bytes, mode: str, version: int = 4) -> tuple[int, int, int, bytes]:
    """(type, ident, seq, the rest) of an ICMP message (IPv4 raw sockets include the IP header)."""
    offset = (data[0] & 0x0F) * 4 if mode == "raw" and version == 4 else 0
    icmp_type, _code, _sum, ident, seq = struct.unpack("!BBHHH", data[offset : offset + 8])
    return icmp_type, ident, seq, data[offset + 8 :]


def _quoted_echo(rest: bytes, version: int) -> tuple[int, int] | None:
    """(ident, seq) of the echo request an ICMP error quotes, if it quotes one of that family."""
    if version == 4:
        if len(rest) < 28:
            return None
        quoted = rest[(rest[0] & 0x0F) * 4 :]
    else:
        # The invoking packet's IPv6 header (40 bytes), then (no extension headers: we sent
        # none) our ICMPv6 echo request; next header 58 is ICMPv6.
        if len(rest) < 48 or rest[6] != IPPROTO_ICMPV6 or rest[40] != ECHO_REQUEST[6]:
            return None
        quoted = rest[40:]
    if len(quoted) < 8:
        return None
    _t, _c, _s, q_ident, q_seq = struct.unpack("!BBHHH", quoted[:8])
    return q_ident, q_seq


def _icmp_error(icmp_type: int, code: int, mtu: int, version: int) -> tuple[str, str] | None:
    """(status, words) for an ICMP error about one of our requests; None for other messages."""
    if version == 4:
        if icmp_type != 3:
            return None
        return (
            "frag-needed" if code == 4 else "unreachable"
        ), f"destination unreachable (code {code})"
    if icmp_type == 2:
        return "too-big", f"packet too big (MTU {mtu})"
    if icmp_type == 1:
        return "unreachable", f"destination unreachable (code {code})"
    return None


def _same_host(peer: str, host: str) -> bool:
    try:
        return ipaddress.ip_address(peer.split("%", 1)[0]) == ipaddress.ip_address(host)
    except ValueError:
        return False


def _echo_exchange(
    host: str,
    sizes: list[int],
    timeout: float,
    df: bool,
) -> tuple[dict[int, str], str, str]:
    """One echo request per IP packet size (and one retry).

    Per size: ok, lost, local (the sender refused it: larger than the local MTU),
    unreachable, frag-needed (IPv4) or too-big (IPv6).
    """
    version = ipaddress.ip_address(host).version
    sock, mode = _icmp_socket(df, version)
    ident = _next_ident()
    status: dict[int, str] = {}
    packets: dict[int, bytes] = {}
    for seq, size in enumerate(sizes, start=1):
        payload_len = max(0, size - HEADERS[version])
        payload = (b"kostack-probe-" * (payload_len // 14 + 1))[:payload_len]
        packets[seq] = _echo_request(ident, seq, payload, version)
    seq_size = {seq: size for seq, size in enumerate(sizes, start=1)}
    note = ""
    deadline = base.now() + timeout
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
        resend_at = base.now() + timeout / 2
        while len(status) < len(sizes):
            moment = base.now()
            if moment >= deadline:
                break
            if resend_at and moment >= resend_at:
                send_pending()
                resend_at = 0.0
            sock.settimeout(max(0.01, (resend_at or deadline) - moment))
            try:
                data, peer = sock.recvfrom(65535)
            except base.TIMEOUTS:
                continue
            reply = _reply(data, peer[0], host, mode, version, ident, seq_size)
            if reply is None:
                continue
            size, state, words = reply
            if state == "ok":
                status.setdefault(size, "ok")
                continue
            status.setdefault(size, "unreachable")
            if state != "unreachable":
                status[size] = state
            note = words
    for size in sizes:
        status.setdefault(size, "lost")
    return status, mode, note


def _reply(
    data: bytes,
    peer: str,
    host: str,
    mode: str,
    version: int,
    ident: int,
    seq_size: dict[int, int],
) -> tuple[int, str, str] | None:
    """What a received ICMP packet says of one of our requests: (its size, "ok" or the error's
    state, the note), or None when it is not about them."""
    try:
        icmp_type, reply_ident, seq, rest = _parse_icmp(data, mode, version)
    except (struct.error, IndexError):
        return None
    if icmp_type == ECHO_REPLY[version] and _same_host(peer, host) and seq in seq_size:
        if mode == "raw" and reply_ident != ident:
            return None  # another probe's reply: raw sockets see every ICMP packet
        return seq_size[seq], "ok", ""
    if mode != "raw":
        return None  # datagram sockets deliver errors to the error queue, not here
    offset = (data[0] & 0x0F) * 4 if version == 4 else 0
    code = data[offset + 1]
    # The 32 bits after the checksum: ICMPv6 "packet too big" carries the MTU there.
    mtu = (reply_ident << 16) | seq
    error = _icmp_error(icmp_type, code, mtu, version)
    quoted = _quoted_echo(rest, version) if error else None
    if error is None or quoted is None:
        return None  # neighbour discovery, another host's traffic: not about our requests
    q_ident, q_seq = quoted
    if q_ident != ident or q_seq not in seq_size:
        return None
    state, words = error
    return seq_size[q_seq], state, f"{words} from {peer}"


def probe_icmp(spec: dict[str, Any], timeout: float) -> base.Outcome:
    host = spec["host"]
    virtual = bool(spec.get("virtual"))
    size = int(spec.get("size", 64))
    try:
        status, mode, note = _echo_exchange(host, [size], timeout, df=False)
    except NoIcmpSocket:
        if virtual:
            return base.Outcome("expected-no-reply", VIRTUAL_IP_NOTE + " (not sent: no raw socket)")
        return base.Outcome(
            "skipped", "skipped: no raw socket (no NET_RAW and ping_group_range excludes us)"
        )
    state = status[size]
    if virtual:
        if state == "ok":
            return base.Outcome(
                "expected-no-reply",
                VIRTUAL_IP_NOTE + "; an echo reply came (in IPVS mode the node itself "
                "answers), which says nothing about the service",
                replied=True,
                socket=mode,
            )
        return base.Outcome(
            "expected-no-reply",
            VIRTUAL_IP_NOTE + " (no echo reply: iptables, nftables and Cilium do not answer), "
            "which says nothing about the service",
            replied=False,
            socket=mode,
        )
    if state == "ok":
        return base.Outcome("pass", f"echo reply ({mode} socket)", answered=True, socket=mode)
    if state == "lost":
        return base.Outcome(
            "fail", f"no echo reply within {timeout:g}s (2 requests)", answered=False, socket=mode
        )
    return base.Outcome("fail", note or state, answered=True, socket=mode)


def probe_mtu(spec: dict[str, Any], timeout: float) -> base.Outcome:
    """The largest echo that crosses the path unfragmented (DF for IPv4; IPv6 never fragments)."""
    host = spec["host"]
    version = ipaddress.ip_address(host).version
    smallest = SMALLEST[version]
    sizes = sorted(
        {min(max(int(s), smallest), 65535) for s in spec.get("sizes") or [1280, 1400, 1450, 1500]}
    )
    expect = spec.get("expect")
    word = "DF" if version == 4 else "unfragmented"
    try:
        status, mode, note = _echo_exchange(host, sizes, timeout, df=True)
    except NoIcmpSocket:
        need = "DF-bit echo" if version == 4 else "an unfragmented ICMPv6 echo"
        return base.Outcome(
            "skipped", f"skipped: no raw socket ({need} needs NET_RAW or ping_group_range)"
        )
    ok = [s for s in sizes if status[s] == "ok"]
    lost = [s for s in sizes if status[s] in ("lost", "frag-needed", "too-big", "unreachable")]
    local = [s for s in sizes if status[s] == "local"]
    extra: dict[str, Any] = {
        "largest_ok": max(ok) if ok else None,
        "smallest_lost": min(lost) if lost else None,
        "local_limit": min(local) if local else None,
        "sizes": {str(s): status[s] for s in sizes},
        "socket": mode,
    }
    if not ok:
        return base.Outcome(
            "skipped",
            f"skipped: no {word} echo of any size came back, so the path is blocked or drops "
            "ICMP; MTU not measurable (see the pod-to-pod probes)",
            **extra,
        )
    largest = max(ok)
    if expect is not None:
        target = int(expect)
        if status.get(target) == "local":
            below = [s for s in sizes if s < target and status[s] != "local"]
            target = max(below) if below else largest
        if largest >= target:
            return base.Outcome(
                "pass",
                f"{target}-byte {word} packets pass (largest tested that passed: {largest})",
                **extra,
            )
        return base.Outcome(
            "fail",
            f"largest {word} packet that passed: {largest} bytes; "
            f"{min((s for s in lost if s > largest), default=target)} bytes lost"
            f"{', ' + note if note else ''}: pods send up to {int(expect)} bytes (their MTU)",
            **extra,
        )
    bigger_lost = [s for s in lost if s > largest]
    if not bigger_lost and not [s for s in lost if s < largest]:
        return base.Outcome("pass", f"every {word} size passed up to {largest} bytes", **extra)
    return base.Outcome(
        "fail",
        f"largest {word} packet that passed: {largest} bytes; larger ones are lost",
        **extra,
    )
